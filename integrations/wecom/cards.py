"""Rendering the domain's neutral card as a WeCom `button_interaction` template card."""

from typing import Any

from integrations.wecom.limits import LIMITS
from tasks.messaging.channel import Card

MAX_FIELDS = LIMITS.card_fields
MAX_BUTTONS = 6


def template_card(card: Card) -> dict[str, Any]:
    """The `template_card` object for message/send and update_template_card."""
    rendered: dict[str, Any] = {
        "card_type": "button_interaction",
        "source": {"desc": card.source, "desc_color": 0},
        "main_title": {"title": card.title[:36]},
        "task_id": card.card_id,
        "horizontal_content_list": [
            {"keyname": field.label[:5], "value": field.value}
            for field in card.fields[:MAX_FIELDS]
        ],
        "button_list": [
            {"text": button.label[:10], "style": 1 if button.primary else 2, "key": button.key}
            for button in card.buttons[:MAX_BUTTONS]
        ],
    }
    if card.subtitle:
        rendered["sub_title_text"] = card.subtitle[:160]
    if card.status:
        rendered["replace_text"] = card.status
    return rendered
