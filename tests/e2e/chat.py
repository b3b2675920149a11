"""What a person sees in chat, whatever the platform: the neutral view the e2e tests read.

Each platform's driver (`tests/e2e/drivers/`) turns its sandbox's transcript into these
values, so a scenario written against them runs on WeCom and DingTalk alike. A test that
needs a platform's own wire shapes is a protocol test and says so in its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sender = Literal["app", "user"]
Kind = Literal["text", "markdown", "card", "image"]
# What the product asked the platform to do, as the driver's call log names it.
CallKind = Literal["message", "card_update", "upload", "group", "token"]
# Faults a driver can inject into the platform's answers; each platform maps them to its
# own error codes (WeCom: 45009, 42001, 40014, 40001, ...).
Fault = Literal["rate_limited", "network", "token_expired", "token_invalid", "bad_secret",
                "unknown_group"]


@dataclass(frozen=True)
class SeenCard:
    """A card as its recipient sees it now (after any update).

    `card_id` names the card to the platform (WeCom's task_id); `fields` keeps the
    order the card shows; `buttons` are (label, key) pairs; `disabled` is a greyed-out
    card, and `status` the text it then shows instead of its buttons (WeCom's
    replace_text).
    """

    card_id: str
    title: str
    subtitle: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    disabled: bool = False
    status: str | None = None
    link: str | None = None  # the page the card opens (the task page)
    urls: dict[str, str] = field(default_factory=dict)  # a link button's label → its page

    @property
    def shown(self) -> dict[str, str]:
        """The fields by label."""
        return dict(self.fields)

    @property
    def labels(self) -> list[str]:
        """The button labels, left to right."""
        return [label for label, _ in self.buttons]

    def key(self, label: str) -> str:
        """The key of the button labelled `label` (what a press sends back)."""
        for shown, key in self.buttons:
            if shown == label:
                return key
        raise AssertionError(f"card {self.title!r} has no {label} button: {self.labels}")


@dataclass(frozen=True)
class Seen:
    """One message in a person's chat with the app (or in a group chat).

    `text` is the text or markdown source for those kinds, the title for a card and
    empty for an image; `card` is set for a card, `media` (the platform's reference to
    the picture, for `Office.image`) for an image.
    """

    sender: Sender
    kind: Kind
    text: str = ""
    card: SeenCard | None = None
    media: str | None = None


@dataclass(frozen=True)
class Pressed:
    """The platform's answer to a button press: `ignored` when the client drops it (a
    greyed-out card), with the reason it shows."""

    ignored: bool
    reason: str = ""


@dataclass(frozen=True)
class SentCall:
    """One call the product made to the platform's API, from the sandbox's log.

    `error` is the neutral fault (None when the call succeeded; "other" for an error
    the driver does not name), `code` the platform's own code; `duplicate` a send the
    platform dropped as a repeat of an earlier one; `stalled` a call the sandbox held.
    """

    kind: str
    error: str | None
    code: str = ""
    duplicate: bool = False
    stalled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None
