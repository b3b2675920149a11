"""Rendering the domain's neutral card as DingTalk's built-in `StandardCard` (cardData JSON).

The StandardCard (the robot interactive card of `interactiveCards/send`, no template to
build; its JSON is that of dingtalk_stream/interactive_card.py) has a header title (plain
text), content blocks and an action block of buttons. Ours has one markdown block: the
subtitle, then a `**label**：value` line per field, and for a greyed-out card its status
as the last line, with no action block (nothing left to press). Each button's `id` is our
button key, which comes back in the click's `cardPrivateData.actionIds`.

The markdown block is DingTalk markdown: headings, quotes, emphasis, links, images, lists
and `<font>` tags form there. Field texts are people's words, so each goes through
`tasks.markup.markdown_text` (idempotent: a card redrawn from a stored one reads the same),
which shows `# > * _ [ ] ( ) < > @` as their full-width forms and keeps each text on its
line. The title is a plain text component and only loses line breaks.

Delivery has already condensed every text to `LIMITS` (`tasks.messaging.budget.fit_card`);
the cuts here only guard DingTalk against a card that did not come through delivery.
"""

import re
from typing import Any

from integrations.dingtalk.limits import LIMITS
from tasks.markup import card_text, markdown_text
from tasks.messaging.channel import Card, CardButton

TEMPLATE = "StandardCard"
MAX_BUTTONS = 6  # the rating card has five levels; more would not fit a phone's width
# What a button key may be (tasks.presentation.cards); a component id takes it as it is.
BUTTON_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
# The card's page, as the last line of its markdown: a link DingTalk opens in its own
# browser. Only an address that cannot end the markdown link early is written.
LINK_TEXT = "在工作台查看"
LINK_BLOCK = "link"
_SAFE_URL = re.compile(r"https?://[^\s()\[\]<>]+")


def card_data(card: Card) -> dict[str, Any]:
    """The StandardCard JSON for `interactiveCards/send` and its update (`cardData`)."""
    contents: list[dict[str, Any]] = [
        {"type": "markdown", "text": _body(card), "id": "body"},
    ]
    if card.link and _SAFE_URL.fullmatch(card.link):  # a block of its own, after the status
        contents.append({"type": "markdown", "text": f"[{LINK_TEXT}]({card.link})",
                         "id": LINK_BLOCK})
    buttons = [b for b in card.buttons[:MAX_BUTTONS] if BUTTON_KEY.fullmatch(b.key)]
    if buttons and not card.status:
        contents.append({"type": "action", "id": "actions", "actions": [
            _button(button, index) for index, button in enumerate(buttons)]})
    return {
        "config": {"autoLayout": True, "enableForward": False},
        "header": {"title": {"type": "text",
                             "text": card_text(card.title)[:LIMITS.card_title_chars]}},
        "contents": contents,
    }


def _button(button: CardButton, index: int) -> dict[str, Any]:
    """A `request` button (its id comes back with the click), or with a url an `openLink`
    button, whose `url.all` DingTalk opens on every client (the Stream SDK's StandardCard
    samples, docs/dingtalk.md)."""
    rendered: dict[str, Any] = {
        "type": "button", "id": button.key,
        "status": "primary" if button.primary else "normal",
        "label": {"type": "text", "text": button.label[:LIMITS.card_button_chars],
                  "id": f"label_{index}"}}
    if button.url:
        return rendered | {"actionType": "openLink", "url": {"all": button.url}}
    return rendered | {"actionType": "request"}


def _body(card: Card) -> str:
    lines = []
    if card.subtitle:
        lines.append(markdown_text(card.subtitle[:LIMITS.card_subtitle_chars]))
    for item in card.fields[:LIMITS.card_fields]:
        label = markdown_text(item.label[:LIMITS.card_label_chars])
        lines.append(f"**{label}**：{markdown_text(item.value[:LIMITS.card_value_chars])}")
    if card.status:
        lines.append(f"**{markdown_text(card.status)}**")

    # two spaces before a break: DingTalk's markdown otherwise joins the lines
    return "  \n".join(lines) or markdown_text(card.title)
