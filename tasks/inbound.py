"""Neutral inbound messages: what a platform adapter decodes a callback into.

They are stored in the inbox as plain dicts, so the worker that acts on them needs no
platform code at all.
"""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TextMessage:
    """Someone typed text to the app."""

    key: str
    sender: str
    text: str


@dataclass(frozen=True)
class CardAction:
    """Someone pressed a button on a card; `response_code` lets us update that card once."""

    key: str
    sender: str
    card_id: str
    action: str
    response_code: str | None


Inbound = TextMessage | CardAction

_TYPES: dict[str, type[TextMessage] | type[CardAction]] = {
    "text": TextMessage,
    "card_action": CardAction,
}


def to_payload(message: Inbound) -> dict[str, Any]:
    kind = "text" if isinstance(message, TextMessage) else "card_action"
    return {"type": kind, **asdict(message)}


def from_payload(payload: dict[str, Any]) -> Inbound:
    data = dict(payload)
    cls = _TYPES[data.pop("type")]
    return cls(**data)
