"""What DingTalk tolerates, declared once; the domain reads it as `DingTalkChannel.limits`.

Each value names its source. Where DingTalk documents no number for what we use (robot
messages to one person, the StandardCard's texts), the value is our decision, said so
here and in docs/dingtalk.md ("Limits").
"""

from datetime import timedelta

from integrations.platform import LOCK_WAIT
from tasks.messaging.channel import ChannelLimits

# (connect, read) seconds for one HTTP request to DingTalk: a call not answered by then is
# given up and tried again later (DingTalk has no duplicate check: at-least-once).
API_TIMEOUT = (5.0, 10.0)
# robot/oToMessages/batchSend: "userIds … 每次最多传20个" (批量发送人与机器人会话中机器人消息,
# https://open.dingtalk.com/document/development/chatbots-send-one-on-one-chat-messages-in-batches)
BATCH_USERS = 20
# What arrives uncut. The one documented bound: groupMessages/send's msgParam "长度限制 15000
# 字节以内" (机器人发送群聊消息); none is stated for batchSend. Decision: 4,000 bytes (about
# 1,300 Chinese characters) per text or markdown, far inside it; longer ones are split by
# delivery into numbered messages.
CONTENT_BYTES = 4000
# Not found in DingTalk's pages for an app's robot (the "20 a minute" of group robots is
# remembered from the custom-robot page, not read: docs/dingtalk.md, "Not verified").
# Decision: robot posts to a group and to one person at most 20 a minute.
ROBOT_PER_MINUTE = 20
# Temporary media (media/upload): DingTalk's 上传媒体文件 states no lifetime for media_id
# (docs/dingtalk.md, "Not verified"). Decision: renewed after 2 days.
MEDIA_LIFETIME = timedelta(days=2)
# One channel call makes at most four HTTP requests (the token, the call, and after a
# rejected token one more of each), each given up after API_TIMEOUT (connect + read), and
# waits at most twice for the token lock; an image row makes two calls (upload, send).
_REQUEST = timedelta(seconds=sum(API_TIMEOUT))
LONGEST_SEND = 2 * (4 * _REQUEST + 2 * LOCK_WAIT)

LIMITS = ChannelLimits(
    # DingTalk documents no per-person rate for robot messages; it names the people it
    # held back in flowControlledStaffIdList (sent later, retryable). Decision: 20 a minute.
    per_member_per_minute=ROBOT_PER_MINUTE,
    per_group_per_minute=ROBOT_PER_MINUTE,
    text_bytes=CONTENT_BYTES,  # sampleText.content (no row mark: duplicate_window is 0)
    markdown_bytes=CONTENT_BYTES,  # sampleMarkdown.text
    group_markdown_bytes=CONTENT_BYTES,  # groupMessages/send, sampleMarkdown.text
    # The StandardCard (cards.py) shows the fields as lines of one markdown block; DingTalk
    # documents no lengths for it. Decision: WeCom's numbers where the client elides (title,
    # buttons), longer values and subtitle since a line wraps instead of being cut.
    card_fields=6,
    card_title_chars=26,
    card_subtitle_chars=200,
    card_label_chars=6,
    card_value_chars=60,
    card_button_chars=8,
    media_lifetime=MEDIA_LIFETIME,
    longest_send=LONGEST_SEND,  # 4 minutes, within delivery's STALE_SENDING
    # DingTalk drops no repeated robot message: sends are at-least-once.
    duplicate_window=timedelta(0),
)
