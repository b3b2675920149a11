"""An in-memory chat platform: a `Channel` that remembers what each person or group received.

Deliberately small: it accepts every send, numbers what it hands out, and checks the one rule
of the platform the domain must respect (a card update spends a code the platform issued,
once). Everything else a real platform does is the end-to-end layer's business.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import count

from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DeliveryError,
    DirectorySnapshot,
)

# Roomy enough never to hold a test's sends back; pacing is tested on its own.
MEMORY_LIMITS = ChannelLimits(per_member_per_minute=1000, per_group_per_minute=1000,
                              text_bytes=4096, card_fields=6, media_lifetime=timedelta(days=2),
                              longest_send=timedelta(0), duplicate_window=timedelta(0))


@dataclass(frozen=True)
class Received:
    """One message as its recipient (a person's userid, or a group's key) got it.

    `kind` is text, markdown, card, card_update, image, group_markdown or group_image.
    """

    kind: str
    to: str
    text: str = ""
    card: Card | None = None
    image: bytes = b""


@dataclass
class MemoryChannel:
    """Implements `tasks.messaging.channel.Channel` by appending to `received`."""

    directory: DirectorySnapshot = field(default_factory=DirectorySnapshot)
    limits: ChannelLimits = MEMORY_LIMITS
    received: list[Received] = field(default_factory=list)
    _numbers: count = field(default_factory=lambda: count(1))
    _media: dict[str, bytes] = field(default_factory=dict)
    _codes: dict[str, str] = field(default_factory=dict)  # unspent update code → card id

    # ---- the port

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        return self._keep(Received("markdown" if markdown else "text", to, text=text))

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        delivery = self._keep(Received("card", to, card=card))
        return replace(delivery, update_handle=self.issue_code(card.card_id))

    def upload_image(self, png: bytes) -> str:
        media_id = f"media-{next(self._numbers)}"
        self._media[media_id] = png
        return media_id

    def send_image(self, to: str, media_id: str, *, key: int | None = None) -> Delivery:
        return self._keep(Received("image", to, image=self._media[media_id]))

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        return self._keep(Received("group_markdown", group_key, text=markdown))

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        return self._keep(Received("group_image", group_key, image=png))

    def update_card(self, to: str, card: Card, handle: str) -> None:
        if self._codes.pop(handle, None) != card.card_id:
            raise DeliveryError(f"卡片更新凭证无效或已使用：{handle}", retryable=False)
        self.received.append(Received("card_update", to, card=card))

    def fetch_directory(self) -> DirectorySnapshot:
        return self.directory

    # ---- what the platform does on its own

    def issue_code(self, card_id: str) -> str:
        """A fresh single-use update code for a card: on sending it, and on each click."""
        code = f"code-{next(self._numbers)}"
        self._codes[code] = card_id
        return code

    # ---- what people see

    def texts(self, to: str) -> list[str]:
        """The texts and markdown `to` received, oldest first."""
        return [r.text for r in self.received if r.to == to and r.kind in ("text", "markdown")]

    def cards(self, to: str) -> list[Card]:
        """Each card `to` received, as it looks now (updates applied), in the order sent."""
        shown: dict[str, Card] = {}
        for r in self.received:
            if r.to == to and r.card is not None and (r.kind == "card" or r.card.card_id in shown):
                shown[r.card.card_id] = r.card
        return list(shown.values())

    def group_posts(self, group_key: str) -> list[Received]:
        return [r for r in self.received if r.to == group_key]

    def _keep(self, received: Received) -> Delivery:
        self.received.append(received)
        return Delivery(message_id=f"msg-{next(self._numbers)}")
