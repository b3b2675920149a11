"""The port through which the domain talks to a chat platform, with neutral data types.

Adapters (`integrations.<platform>`) implement `Channel`; the domain never sees
platform JSON. If the domain needs a new capability it is added here and to every
adapter, never called around the port.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol


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
    """What the platform returned for a sent message: its id and a card's update code."""

    message_id: str | None = None
    response_code: str | None = None


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

    def send_robot_markdown(self, robot_key: str, text: str) -> Delivery:
        """Post markdown to a group chat through its group robot (群机器人).

        `robot_key` is the robot's webhook key, its only credential. A robot cannot receive
        anything back, so this is for reports to a department's group, never for tasks.
        """
        ...

    def send_robot_image(self, robot_key: str, png: bytes) -> Delivery:
        """Post a picture to a group chat through its group robot."""
        ...

    def update_card(self, to: str, card: Card, response_code: str) -> None: ...

    def fetch_directory(self) -> DirectorySnapshot: ...
