"""What WeCom tolerates, declared once; the domain reads it as `WeComChannel.limits`."""

from datetime import timedelta

from tasks.messaging.channel import ChannelLimits

LIMITS = ChannelLimits(
    # WeCom silently drops what one app sends one member beyond 30 messages a minute
    per_member_per_minute=30,
    per_group_per_minute=20,  # a group robot (群机器人) takes 20 messages a minute
    text_bytes=2048,  # longer text is truncated silently
    card_fields=6,  # horizontal_content_list of a template card
    media_lifetime=timedelta(days=2),  # temporary media lives 3 days; renew before
)
