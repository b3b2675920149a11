"""Validation of template_card payloads, following WeCom's documented limits."""

from __future__ import annotations

import re
from typing import Any

CARD_TYPES = (
    "text_notice",
    "news_notice",
    "button_interaction",
    "vote_interaction",
    "multiple_interaction",
)
INTERACTIVE_CARD_TYPES = ("button_interaction", "vote_interaction", "multiple_interaction")
TASK_ID_RE = re.compile(r"^[0-9A-Za-z_\-@]+$")
# Every card problem is answered with 40058 ("invalid parameter"), errmsg says what, except
# a task_id that is empty, too long or already used: 42014, whose errmsg says just that.
INVALID = 40058
TASK_ID_INVALID = 42014


class InvalidPayload(ValueError):
    """A request payload that WeCom would reject, with the errcode to answer."""

    def __init__(self, detail: str, errcode: int = INVALID) -> None:
        super().__init__(detail)
        self.errcode = errcode
        self.detail = detail


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise InvalidPayload(detail)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def validate_task_id(task_id: Any) -> None:
    """task_id: [0-9A-Za-z_-@], 1 to 128 bytes (42014 when empty or longer)."""
    if not _nonempty_str(task_id) or len(task_id.encode("utf-8")) > 128:
        raise InvalidPayload("task_id empty or longer than 128 bytes", TASK_ID_INVALID)
    _require(bool(TASK_ID_RE.match(task_id)), "task_id may only hold [0-9A-Za-z_-@]")


def _validate_buttons(card: dict[str, Any]) -> None:
    buttons: Any = card.get("button_list")
    _require(isinstance(buttons, list) and 1 <= len(buttons) <= 6, "button_list needs 1..6")
    keys: set[str] = set()
    for button in buttons:
        _require(isinstance(button, dict), "button must be an object")
        _require(_nonempty_str(button.get("text")), "button.text required")
        if button.get("type") == 1:
            _require(_nonempty_str(button.get("url")), "url button needs url")
            continue
        key = button.get("key")
        _require(_nonempty_str(key), "button.key required")
        _require(len(key.encode("utf-8")) <= 1024, "button.key longer than 1024 bytes")
        _require(key not in keys, "button.key must be unique")
        keys.add(key)


def _validate_submit(card: dict[str, Any]) -> None:
    submit: Any = card.get("submit_button")
    _require(isinstance(submit, dict), "submit_button required")
    _require(_nonempty_str(submit.get("text")), "submit_button.text required")
    _require(_nonempty_str(submit.get("key")), "submit_button.key required")


def _validate_vote(card: dict[str, Any]) -> None:
    checkbox: Any = card.get("checkbox")
    _require(isinstance(checkbox, dict), "checkbox required")
    options = checkbox.get("option_list")
    _require(isinstance(options, list) and 1 <= len(options) <= 20, "option_list needs 1..20")
    _validate_submit(card)


def _validate_multiple(card: dict[str, Any]) -> None:
    selects: Any = card.get("select_list")
    _require(isinstance(selects, list) and 1 <= len(selects) <= 3, "select_list needs 1..3")
    for select in selects:
        _require(isinstance(select, dict), "select must be an object")
        options = select.get("option_list")
        _require(
            isinstance(options, list) and 1 <= len(options) <= 10, "select option_list needs 1..10"
        )
    _validate_submit(card)


def _validate_common(card: dict[str, Any]) -> None:
    main_title = card.get("main_title", {})
    _require(isinstance(main_title, dict), "main_title must be an object")
    rows = card.get("horizontal_content_list", [])
    _require(isinstance(rows, list) and len(rows) <= 6, "horizontal_content_list max 6")
    _require(all(isinstance(r, dict) for r in rows), "horizontal_content item must be object")
    replace_text = card.get("replace_text")
    _require(replace_text is None or isinstance(replace_text, str), "replace_text must be text")
    jumps = card.get("jump_list", [])
    _require(isinstance(jumps, list) and len(jumps) <= 3, "jump_list max 3")


def validate_card(card: Any, require_task_id: bool = True) -> dict[str, Any]:
    """Check a template_card object; raise InvalidPayload (40058, or 42014 for a missing
    or overlong task_id) if WeCom would reject it.

    ``require_task_id`` is False for replacement cards sent with update_template_card.
    """
    _require(isinstance(card, dict), "template_card must be an object")
    card_type = card.get("card_type")
    _require(card_type in CARD_TYPES, "card_type missing or unknown")
    _validate_common(card)
    needs_task = card_type in INTERACTIVE_CARD_TYPES or "action_menu" in card
    if "task_id" in card or (needs_task and require_task_id):
        validate_task_id(card.get("task_id"))
    if card_type in ("text_notice", "news_notice"):
        _require(isinstance(card.get("card_action"), dict), "card_action required")
    if card_type == "button_interaction":
        title = card.get("main_title", {}).get("title")
        _require(_nonempty_str(title), "main_title.title required")
        _validate_buttons(card)
    elif card_type == "vote_interaction":
        _validate_vote(card)
    elif card_type == "multiple_interaction":
        _validate_multiple(card)
    return card


def clickable_keys(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Keys a member can click on this card -> the button object (with optional url)."""
    keys: dict[str, dict[str, Any]] = {}
    for button in card.get("button_list") or []:
        if isinstance(button, dict):
            key = button.get("key") or button.get("url") or ""
            keys[str(key)] = button
    submit: Any = card.get("submit_button")
    if isinstance(submit, dict) and submit.get("key"):
        keys[str(submit["key"])] = submit
    return keys
