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
    # Budgets (docs/commands.md, "Lengths"): the longest content of each kind that arrives
    # uncut, kept under the platform's limit where the channel adds to it. Longer texts are
    # split into numbered messages, card texts condensed (`tasks.messaging.budget`).
    text_bytes: int  # a text message, in UTF-8 bytes
    markdown_bytes: int  # a markdown message to a member, in UTF-8 bytes
    group_markdown_bytes: int  # a markdown post to a group chat, in UTF-8 bytes
    card_fields: int  # label/value rows a card shows
    card_title_chars: int  # a card's title, in characters
    card_subtitle_chars: int  # its line of text under the title
    card_label_chars: int  # a row's label
    card_value_chars: int  # a row's value
    card_button_chars: int  # a button's label
    media_lifetime: timedelta  # how long an uploaded picture's id stays usable (with margin)
    # The longest one send may take, every call it makes included, before the channel gives
    # up (its client timeouts): a row `sending` for longer has lost its sender.
    longest_send: timedelta
    # How long the platform drops a keyed send repeated as the same request (WeCom's
    # duplicate check); zero for a platform without one, whose resends are at-least-once.
    duplicate_window: timedelta


@dataclass(frozen=True)
class CardField:
    """A label/value row on a card (requester, deadline, kind …)."""

    label: str
    value: str


@dataclass(frozen=True)
class CardButton:
    """A button whose `key` comes back to us when it is pressed, or, with a `url`, a link
    button that opens that page (the workbench's form) and sends nothing back."""

    label: str
    key: str
    primary: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Card:
    """An interactive card; once `status` is set its buttons are greyed out with that text.

    `link` is the page the card is about (the task page): each platform shows it its own
    way (WeCom: the whole card opens it and a jump line names it; DingTalk: a link line)."""

    card_id: str
    title: str
    subtitle: str = ""
    source: str = "马上办"
    fields: tuple[CardField, ...] = ()
    buttons: tuple[CardButton, ...] = ()
    status: str | None = None
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "title": self.title,
            "subtitle": self.subtitle,
            "source": self.source,
            "fields": [[f.label, f.value] for f in self.fields],
            "buttons": [[b.label, b.key, b.primary, *([b.url] if b.url else [])]
                        for b in self.buttons],
            "status": self.status,
            **({"link": self.link} if self.link else {}),
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
            link=data.get("link"),
        )


@dataclass(frozen=True)
class Delivery:
    """What the platform returned for a sent message: its id and, for a card, the opaque
    handle a later update of that card must present (WeCom: its single-use ResponseCode)."""

    message_id: str | None = None
    update_handle: str | None = None


class DeliveryError(Exception):
    """A send that did not go through; `retryable` says whether trying later may help.

    `delivered_before` says the platform refused it because this very message was accepted
    earlier (WeCom: the card's task_id is taken). On a resend that means an earlier attempt
    went through; on a first attempt it is a failure like any other.
    """

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None,
                 delivered_before: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.delivered_before = delivered_before


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
    # Used only to recognise the same person on another platform (hashed, never stored);
    # empty when the platform does not report it.
    mobile: str = ""


@dataclass(frozen=True)
class DirectorySnapshot:
    """The whole directory as the platform reports it at one moment."""

    departments: tuple[DirectoryDepartment, ...] = ()
    members: tuple[DirectoryMember, ...] = field(default_factory=tuple)


class Channel(Protocol):
    """Everything the domain asks of a chat platform."""

    limits: ChannelLimits

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        """Send a text (or markdown) message.

        `key` identifies the message (delivery passes the outbox row's id) and makes the
        send keyed: the same arguments build the same request, which the platform drops
        when it was accepted in the last `limits.duplicate_window` (WeCom's duplicate
        check), so a send repeated after a timeout or a crash is not delivered twice.
        Without a key the send is not checked.

        `repeat` says another message carries the same text to `to` close enough in time
        for the platform to take the two for one (delivery decides it once per row): the
        request must then differ from every other key's, so both arrive (WeCom appends the
        key's invisible mark to the text). Without it the text is sent as it is.
        """
        ...

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        """Send an interactive card; `key` as for `send_text`."""
        ...

    def upload_image(self, png: bytes) -> str:
        """Upload a picture (a PNG) as temporary media; returns its media id.

        Uploading is separate from sending so the media id can be recorded first: a send
        repeated after a crash is then the same request, which the platform can drop.
        """
        ...

    def send_image(self, to: str, media_id: str, *, key: int | None = None) -> Delivery:
        """Send an uploaded picture, e.g. a summary's chart; `key` as for `send_text`."""
        ...

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        """Post markdown to a department's group chat.

        `group_key` is what the installation configured for that group (WeCom: a group
        robot's webhook key, its only credential). Nothing comes back from a group post, so
        this is for reports to a department's group, never for tasks. A platform may have
        no duplicate check for group posts (WeCom's robots have none): they are then
        at-least-once.
        """
        ...

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        """Post a picture to a department's group chat."""
        ...

    def update_card(self, to: str, card: Card, handle: str) -> None:
        """Redraw a card already shown; `handle` is the opaque value the platform gave with
        the card's sending or with a click on it (`Delivery.update_handle`,
        `CardAction.response_code`), stored and passed back by the domain unread.

        An update replaces what the card shows, so applying one twice shows the same card.
        """
        ...

    def fetch_directory(self) -> DirectorySnapshot: ...

    def fetch_member(self, userid: str) -> DirectoryMember | None:
        """One member as the directory has them now; None when there is no such member
        (never was, or left). For change events that carry only an id."""
        ...

    def fetch_department(self, platform_id: str) -> DirectoryDepartment | None:
        """One department as the directory has it now; None when there is none (deleted)."""
        ...
