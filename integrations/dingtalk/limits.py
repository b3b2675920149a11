"""What DingTalk tolerates, declared once; the domain reads it as `DingTalkChannel.limits`.

Placeholder values, to be replaced with DingTalk's documented limits (each with its source)
by the channel's author.
"""

from datetime import timedelta

from integrations.platform import LOCK_WAIT
from tasks.messaging.channel import ChannelLimits

API_TIMEOUT = (5.0, 10.0)  # (connect, read) seconds for one HTTP request to DingTalk
_REQUEST = timedelta(seconds=sum(API_TIMEOUT))
LONGEST_SEND = 2 * (4 * _REQUEST + 2 * LOCK_WAIT)

LIMITS = ChannelLimits(
    per_member_per_minute=20,
    per_group_per_minute=20,
    text_bytes=2000,
    markdown_bytes=2000,
    group_markdown_bytes=2000,
    card_fields=6,
    card_title_chars=26,
    card_subtitle_chars=112,
    card_label_chars=5,
    card_value_chars=26,
    card_button_chars=10,
    media_lifetime=timedelta(days=2),
    longest_send=LONGEST_SEND,
    duplicate_window=timedelta(0),
)
