"""The port through which the domain talks to a chat platform, with neutral data types.

Adapters (`integrations.<platform>`) implement `Channel`; the domain never sees
platform JSON. If the domain needs a new capability it is added here and to every
adapter, never called around the port.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol


@dataclass(frozen=True)
class ChannelLimits:
    """What a platform tolerates, declared by its channel and honoured by the domain.

    The domain holds no platform's numbers: delivery paces sends by these, reminders split
    merged texts by them. Every field is required so a new platform states each of its own.
    """

    per_member_per_minute: int  # messages one member may receive per minute (beyond: dropped)
    per_group_per_minute: int  # posts one group chat may receive per minute
    text_bytes: int  # longest text message, in UTF-8 bytes
    card_fields: int  # label/value rows a card shows
    media_lifetime: timedelta  # how long an uploaded picture's id stays usable (with margin)


@dataclass(frozen=True)
class CardField:
    """A label/value row on a card (requester, deadline, kind …)."""

    label: str
    value: str


@dataclass(frozen=True)
class CardButton:
    """A button whose `key` comes back to us when it is pressed."""

    label: str
    key: str
    primary: bool = False


@dataclass(frozen=True)
class Card:
    """An interactive card; once `status` is set its buttons are greyed out with that text."""

    card_id: str
    title: str
    subtitle: str = ""
    source: str = "马上办"
    fields: tuple[CardField, ...] = ()
    buttons: tuple[CardButton, ...] = ()
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "title": self.title,
            "subtitle": self.subtitle,
            "source": self.source,
            "fields": [[f.label, f.value] for f in self.fields],
            "buttons": [[b.label, b.key, b.primary] for b in self.buttons],
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Card":
        return cls(
            card_id=data["card_id"],
            title=data["title"],
            subtitle=data.get("subtitle", ""),
            source=data.get("source", "马上办"),
            fields=tuple(CardField(label, value) for label, value in data.get("fields", [])),
            buttons=tuple(CardButton(*b) for b in data.get("buttons", [])),
            status=data.get("status"),
        )


@dataclass(frozen=True)
class Delivery:
    """What the platform returned for a sent message: its id and, for a card, the opaque
    handle a later update of that card must present (WeCom: its single-use ResponseCode)."""

    message_id: str | None = None
    update_handle: str | None = None


class DeliveryError(Exception):
    """A send that did not go through; `retryable` says whether trying later may help."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class DirectoryDepartment:
    platform_id: str
    name: str
    parent_platform_id: str | None
    leader_userids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryMember:
    userid: str
    name: str
    department_ids: tuple[str, ...]
    leads_department_ids: tuple[str, ...] = ()
    position: str = ""


@dataclass(frozen=True)
class DirectorySnapshot:
    """The whole directory as the platform reports it at one moment."""

    departments: tuple[DirectoryDepartment, ...] = ()
    members: tuple[DirectoryMember, ...] = field(default_factory=tuple)


class Channel(Protocol):
    """Everything the domain asks of a chat platform."""

    limits: ChannelLimits

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  dedupe: bool = False) -> Delivery:
        """Send a text (or markdown) message.

        `dedupe` asks the platform to drop an identical resend of this message (WeCom's
        duplicate check), so a send repeated after a crash is not delivered twice. The
        adapter must then build the same request for the same arguments every time.
        """
        ...

    def send_card(self, to: str, card: Card) -> Delivery: ...

    def upload_image(self, png: bytes) -> str:
        """Upload a picture (a PNG) as temporary media; returns its media id.

        Uploading is separate from sending so the media id can be recorded first: a send
        repeated after a crash is then the same request, which `dedupe` can drop.
        """
        ...

    def send_image(self, to: str, media_id: str, *, dedupe: bool = False) -> Delivery:
        """Send an uploaded picture, e.g. a summary's chart; `dedupe` as for `send_text`."""
        ...

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        """Post markdown to a department's group chat.

        `group_key` is what the installation configured for that group (WeCom: a group
        robot's webhook key, its only credential). Nothing comes back from a group post, so
        this is for reports to a department's group, never for tasks.
        """
        ...

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        """Post a picture to a department's group chat."""
        ...

    def update_card(self, to: str, card: Card, handle: str) -> None:
        """Redraw a card already shown; `handle` is the opaque value the platform gave with
        the card's sending or with a click on it (`Delivery.update_handle`,
        `CardAction.response_code`), stored and passed back by the domain unread."""
        ...

    def fetch_directory(self) -> DirectorySnapshot: ...
