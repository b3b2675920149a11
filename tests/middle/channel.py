"""An in-memory chat platform: a `Channel` that remembers what each person or group received.

Deliberately small: it accepts every send, numbers what it hands out, and checks the rules
of the platform the domain must respect: a card update spends a code the platform issued,
once, and nothing sent is longer than the channel's declared budgets (`limits`; the default
is roomy, a test of lengths gives the channel WeCom's). Everything else a real platform does
is the end-to-end layer's business.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import count

from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DeliveryError,
    DirectoryDepartment,
    DirectoryMember,
    DirectorySnapshot,
)

# Roomy enough never to hold a test's sends back; pacing is tested on its own.
MEMORY_LIMITS = ChannelLimits(per_member_per_minute=1000, per_group_per_minute=1000,
                              text_bytes=4096, markdown_bytes=4096, group_markdown_bytes=4096,
                              card_fields=6, card_title_chars=200, card_subtitle_chars=500,
                              card_label_chars=20, card_value_chars=200, card_button_chars=20,
                              media_lifetime=timedelta(days=2),
                              longest_send=timedelta(0), duplicate_window=timedelta(0))


class OverBudget(AssertionError):
    """Something was sent longer than the channel's budget: the platform would cut it."""


def over_budget(received: "Received", limits: ChannelLimits) -> list[str]:
    """What in `received` passes `limits`, described; empty when it all fits."""
    problems: list[str] = []
    byte_limits = {"text": limits.text_bytes, "markdown": limits.markdown_bytes,
                   "group_markdown": limits.group_markdown_bytes}
    if received.kind in byte_limits:
        size = len(received.text.encode("utf-8"))
        if size > byte_limits[received.kind]:
            problems.append(f"{received.kind} of {size} bytes > {byte_limits[received.kind]}")
    card = received.card
    if card is not None:
        texts = [("title", card.title, limits.card_title_chars),
                 ("subtitle", card.subtitle, limits.card_subtitle_chars)]
        texts += [("label", f.label, limits.card_label_chars) for f in card.fields]
        texts += [("value", f.value, limits.card_value_chars) for f in card.fields]
        texts += [("button", b.label, limits.card_button_chars) for b in card.buttons]
        problems += [f"card {name} {text!r} > {limit} characters"
                     for name, text, limit in texts if len(text) > limit]
        if len(card.fields) > limits.card_fields:
            problems.append(f"card with {len(card.fields)} rows > {limits.card_fields}")
    return problems


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
        update = Received("card_update", to, card=card)
        self._check(update)
        self.received.append(update)

    def fetch_directory(self) -> DirectorySnapshot:
        return self.directory

    def fetch_member(self, userid: str) -> DirectoryMember | None:
        return next((m for m in self.directory.members if m.userid == userid), None)

    def fetch_department(self, platform_id: str) -> DirectoryDepartment | None:
        return next((d for d in self.directory.departments if d.platform_id == platform_id),
                    None)

    # ---- what the platform does on its own

    def issue_code(self, card_id: str) -> str:
        """A fresh single-use update code for a card: on sending it, and on each click."""
        code = f"code-{next(self._numbers)}"
        self._codes[code] = card_id
        return code

    def _check(self, received: Received) -> None:
        problems = over_budget(received, self.limits)
        if problems:
            raise OverBudget(f"to {received.to}: " + "; ".join(problems))

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
        self._check(received)
        self.received.append(received)
        return Delivery(message_id=f"msg-{next(self._numbers)}")
