"""Rendering the domain's neutral card as a WeCom `button_interaction` template card.

Delivery has already condensed every text to `LIMITS` (`tasks.messaging.budget.fit_card`,
whole words and "…"); the cuts here only guard the platform against a card that did not
come through delivery."""

from typing import Any

from integrations.wecom.limits import LIMITS
from tasks.messaging.channel import Card, CardButton

MAX_FIELDS = LIMITS.card_fields
MAX_BUTTONS = 6
MAX_ROWS = 6  # horizontal_content_list: "列表长度不超过6"
# The card's page as its last row: a link (horizontal_content_list type 1), so people see
# where tapping the card (card_action) takes them.
LINK_LABEL, LINK_TEXT = "详情", "在工作台查看"


def template_card(card: Card) -> dict[str, Any]:
    """The `template_card` object for message/send and update_template_card."""
    rendered: dict[str, Any] = {
        "card_type": "button_interaction",
        "source": {"desc": card.source, "desc_color": 0},
        "main_title": {"title": card.title[:LIMITS.card_title_chars]},
        "task_id": card.card_id,
        "horizontal_content_list": [
            {"keyname": field.label[:LIMITS.card_label_chars],
             "value": field.value[:LIMITS.card_value_chars]}
            for field in card.fields[:MAX_FIELDS]
        ],
        "button_list": [_button(button) for button in card.buttons[:MAX_BUTTONS]],
    }
    if card.link:
        # the whole card opens its page (card_action type 1), and a last row says so; both
        # are fields of the 按钮交互型 card (jump_list is not)
        rendered["card_action"] = {"type": 1, "url": card.link}
        rows = rendered["horizontal_content_list"]
        if len(rows) < MAX_ROWS:
            rows.append({"keyname": LINK_LABEL, "value": LINK_TEXT, "type": 1,
                         "url": card.link})
    if card.subtitle:
        rendered["sub_title_text"] = card.subtitle[:LIMITS.card_subtitle_chars]
    if card.status:
        rendered["replace_text"] = card.status
    return rendered


def _button(button: CardButton) -> dict[str, Any]:
    """A callback button (type 0: its key comes back as EventKey), or with a url a link
    button (type 1: WeCom opens the url and calls nothing back)."""
    rendered: dict[str, Any] = {"text": button.label[:LIMITS.card_button_chars],
                                "style": 1 if button.primary else 2}
    if button.url:
        return rendered | {"type": 1, "url": button.url}
    return rendered | {"key": button.key}
