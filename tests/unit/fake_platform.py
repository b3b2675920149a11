"""A second chat platform that exists only in tests, to show a platform plugs in through
the registry alone: settings, verifier, channel, limits and callback blueprint.

Its callback is plain JSON (`{"key", "sender", "text"}`) with a shared token in a header;
its channel records what it was asked to send.
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from flask import Blueprint, Response, current_app, request

from integrations.platform import Platform, Services, SettingField
from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DirectoryDepartment,
    DirectoryMember,
    DirectorySnapshot,
)
from tasks.messaging.inbound import Inbound, TextMessage

NAME = "fakechat"
LIMITS = ChannelLimits(per_member_per_minute=5, per_group_per_minute=1, text_bytes=500,
                       markdown_bytes=3000, group_markdown_bytes=1000, card_fields=3,
                       card_title_chars=20, card_subtitle_chars=60, card_label_chars=4,
                       card_value_chars=20, card_button_chars=6, media_lifetime=timedelta(hours=1),
                       longest_send=timedelta(seconds=30), duplicate_window=timedelta(0))


@dataclass(frozen=True)
class FakeSettings:
    token: str

    FIELDS: ClassVar[tuple[SettingField, ...]] = (
        SettingField("FAKECHAT_TOKEN", "token", "a few letters", r"[a-z]{3,10}"),
    )


class FakeChannel:
    limits = LIMITS

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.keys: list[int | None] = []  # the key of each send to a member
        self.repeats: list[bool] = []  # whether each text was sent as a repeat

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        self.sent.append((to, text))
        self.keys.append(key)
        self.repeats.append(repeat)
        return Delivery(message_id=f"fake-{len(self.sent)}")

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        self.sent.append((to, card.title))
        self.keys.append(key)
        return Delivery(message_id=f"fake-{len(self.sent)}", update_handle="h")

    def upload_image(self, png: bytes) -> str:
        return "media"

    def send_image(self, to: str, media_id: str, *, key: int | None = None) -> Delivery:
        self.sent.append((to, media_id))
        self.keys.append(key)
        return Delivery()

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        self.sent.append((group_key, markdown))
        return Delivery()

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        return Delivery()

    def update_card(self, to: str, card: Card, handle: str) -> None:
        self.sent.append((to, f"update:{handle}"))

    directory = DirectorySnapshot()

    def fetch_directory(self) -> DirectorySnapshot:
        return self.directory

    def fetch_member(self, userid: str) -> DirectoryMember | None:
        """The member of `directory` (a test sets it), or None: not found, left."""
        return next((m for m in self.directory.members if m.userid == userid), None)

    def fetch_department(self, platform_id: str) -> DirectoryDepartment | None:
        return next((d for d in self.directory.departments if d.platform_id == platform_id),
                    None)


class FakeVerifier:
    def __init__(self, token: str):
        self.token = token

    def decode(self, headers: Any, body: bytes) -> Inbound | None:
        if headers.get("X-Fake-Token") != self.token:
            return None
        data = json.loads(body)
        return TextMessage(key=data["key"], sender=data["sender"], text=data["text"],
                           platform=NAME)


blueprint = Blueprint(NAME, __name__)


@blueprint.post("/fakechat/callback")
def receive() -> Response:
    rt = current_app.extensions["mashangban"]
    message = rt.verifiers[NAME].decode(request.headers, request.get_data())
    if message is None:
        return Response("refused", status=403)
    rt.inboxes[NAME].store(message, now=rt.clock())
    return Response("", status=200)


def make_channel(settings: FakeSettings, services: Services) -> FakeChannel:
    return FakeChannel()


def make_verifier(settings: FakeSettings, services: Services) -> FakeVerifier:
    return FakeVerifier(settings.token)


PLATFORM = Platform(name=NAME, title="假聊天", settings=FakeSettings, limits=LIMITS,
                    channel=make_channel, verifier=make_verifier,
                    blueprint="tests.unit.fake_platform:blueprint",
                    callback_path="/fakechat/callback")


