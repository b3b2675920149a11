"""What WeCom tolerates, declared once; the domain reads it as `WeComChannel.limits`."""

from datetime import timedelta

from integrations.platform import LOCK_WAIT
from integrations.wecom.marks import MARK_BYTES
from tasks.messaging.channel import ChannelLimits

# (connect, read) seconds for one HTTP request to WeCom (the API client's and the robots'):
# a call not answered by then is given up and retried later. It is far below the duplicate
# check's window, which drops the retry if the first request landed after all.
API_TIMEOUT = (5.0, 10.0)
CONTENT_BYTES = 2048  # a text's or markdown's content; WeCom cuts longer ones silently
ROBOT_MARKDOWN_BYTES = 4096  # a group robot's markdown content
# seconds WeCom remembers a request sent with enable_duplicate_check: its maximum, 4 h
DUPLICATE_CHECK_INTERVAL = 14400
# One channel call makes at most four HTTP requests (gettoken, the call, and after a
# rejected token one more of each), each given up after API_TIMEOUT (connect + read), and
# waits at most twice for the token lock; an image row makes two calls (upload, send).
_REQUEST = timedelta(seconds=sum(API_TIMEOUT))
LONGEST_SEND = 2 * (4 * _REQUEST + 2 * LOCK_WAIT)

LIMITS = ChannelLimits(
    # WeCom silently drops what one app sends one member beyond 30 messages a minute
    per_member_per_minute=30,
    per_group_per_minute=20,  # a group robot (群机器人) takes 20 messages a minute
    text_bytes=CONTENT_BYTES - MARK_BYTES,  # room is kept for the row mark (marks.py)
    markdown_bytes=CONTENT_BYTES - MARK_BYTES,  # a repeated markdown is marked as well
    group_markdown_bytes=ROBOT_MARKDOWN_BYTES,  # robot posts are never marked
    # A button_interaction template card; WeCom states these as 建议不超过 N 个字, and
    # clients elide or wrap beyond them.
    card_fields=6,  # horizontal_content_list: at most 6 rows
    card_title_chars=26,  # main_title.title
    card_subtitle_chars=112,  # sub_title_text
    card_label_chars=5,  # horizontal_content_list.keyname
    card_value_chars=26,  # horizontal_content_list.value
    card_button_chars=10,  # button_list.text
    media_lifetime=timedelta(days=2),  # temporary media lives 3 days; renew before
    longest_send=LONGEST_SEND,  # 4 minutes
    duplicate_window=timedelta(seconds=DUPLICATE_CHECK_INTERVAL),
)
