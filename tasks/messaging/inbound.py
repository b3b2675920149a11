"""Neutral inbound messages: what a platform adapter decodes a callback into.

They are stored in the inbox as plain dicts, so the worker that acts on them needs no
platform code at all. `platform` says where the message came from, so its sender is
looked up as that platform's user; the inbox row's platform is what counts
(`tasks.handling.inbox` sets it from the row).
"""

from dataclasses import asdict, dataclass
from typing import Any

from tasks.models.directory import DEFAULT_PLATFORM

# The longest message read, in characters (docs/commands.md, "Lengths"): a 5,000-character
# title is read (and condensed, `tasks.core.lengths`); a longer text is answered 消息过长.
MESSAGE_LONGEST = 10_000


@dataclass(frozen=True)
class TextMessage:
    """Someone typed text to the app.

    `overlong` is the length, in characters, of a text longer than we read
    (`MESSAGE_LONGEST`); its text is then not kept (empty), so nothing
    large is stored, and the answer says it was too long (`received` builds either).
    """

    key: str
    sender: str
    text: str
    platform: str = DEFAULT_PLATFORM
    overlong: int = 0

    @classmethod
    def received(cls, key: str, sender: str, text: str, *, longest: int = MESSAGE_LONGEST,
                 platform: str = DEFAULT_PLATFORM) -> "TextMessage":
        """The message as stored: `text` itself, or only its length when over `longest`."""
        if len(text) > longest:
            return cls(key, sender, "", platform, overlong=len(text))
        return cls(key, sender, text, platform)


@dataclass(frozen=True)
class CardAction:
    """Someone pressed a button on a card.

    `response_code` is the opaque update handle that came with the click (the name is
    WeCom's, kept because stored inbox payloads carry it); it becomes the card's
    `update_handle`, which lets us update that card once.
    """

    key: str
    sender: str
    card_id: str
    action: str
    response_code: str | None
    platform: str = DEFAULT_PLATFORM


@dataclass(frozen=True)
class DirectoryChange:
    """The platform reports a person or department created, changed or removed.

    `change` is one of create_user, update_user, delete_user, create_party, update_party,
    delete_party; the user fields or the department fields are filled accordingly. A field
    the platform left out of an update is None ("unchanged"), not empty.
    """

    key: str
    sender: str  # the platform's system account (WeCom: "sys")
    change: str
    userid: str = ""
    new_userid: str | None = None
    name: str | None = None
    position: str | None = None
    department_ids: tuple[str, ...] | None = None
    leads_department_ids: tuple[str, ...] | None = None
    disabled: bool | None = None  # the account was disabled (禁用) or re-enabled
    department_id: str = ""
    department_name: str | None = None
    parent_department_id: str | None = None
    platform: str = DEFAULT_PLATFORM
    mobile: str | None = None  # only hashed on the person (to link platforms), never kept
    # The event carries only the id (DingTalk's contact events): the worker asks the
    # platform for the current record before applying it (`tasks.directory.changes.resolve`).
    lookup: bool = False


Inbound = TextMessage | CardAction | DirectoryChange

_TYPES: dict[str, type[TextMessage] | type[CardAction] | type[DirectoryChange]] = {
    "text": TextMessage,
    "card_action": CardAction,
    "directory_change": DirectoryChange,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def to_payload(message: Inbound) -> dict[str, Any]:
    return {"type": _NAMES[type(message)], **asdict(message)}


def from_payload(payload: dict[str, Any]) -> Inbound:
    """JSON turns tuples into lists; they are turned back so messages compare equal."""
    data: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                            for k, v in payload.items()}
    cls = _TYPES[str(data.pop("type"))]
    return cls(**data)
