"""Per-platform drivers for the e2e office: each speaks one sandbox's chat and control API
and answers in the neutral terms of `tests/e2e/chat.py`.

`ChatDriver` is the interface every driver implements; `tests/e2e/platforms.py` lists the
drivers there are. A new platform's driver is one module here and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tests.e2e.chat import CallKind, Fault, Pressed, Seen, SentCall
from workers.runtime import Runtime


class ChatDriver(Protocol):
    """One platform's sandbox, started for one test, seen as the people in it see it.

    A driver is built as `Driver(callback_base=..., clock=...)`: `callback_base` is the
    product's web app (`http://127.0.0.1:PORT`, the driver appends its platform's callback
    path) and `clock()` the seconds since the epoch the sandbox must live by (the office's
    shifted clock). The sandbox holds the seeded office (`tests/seeded_office.py`): the
    same people, with the same userids, in the same departments with the same ids.
    """

    name: str  # the platform's registry name: "wecom", "dingtalk"
    url: str  # the sandbox's base URL: its chat page, for browser tests
    # The most a text or markdown message to a person may carry, in UTF-8 bytes, as the
    # platform documents it (beyond it the platform cuts or refuses): a reply must fit.
    max_content_bytes: int

    def settings(self) -> dict[str, str]:
        """The product's settings for this sandbox, as `make_settings` keywords (lower
        case, without MASHANGBAN_): the platform's API base, credentials, which
        platform is on."""
        ...

    def connect(self, rt: Runtime) -> None:
        """The office's Runtime exists: start whatever of the product must run for the
        platform to reach it (DingTalk's Stream receiver, connected to the sandbox's
        gateway); nothing on a platform that calls the web app back (WeCom)."""
        ...

    def disconnect(self) -> None:
        """Stop what `connect` started, before the office's database goes away."""
        ...

    def shutdown(self) -> None:
        """Stop the sandbox (end of the test)."""
        ...

    # -- the chat ------------------------------------------------------------------------
    def send(self, userid: str, text: str) -> None:
        """`userid` types `text` to the app: the sandbox delivers the platform's callback
        and the product accepted it (raise AssertionError otherwise)."""
        ...

    def press(self, userid: str, card_id: str, key: str) -> Pressed:
        """`userid` presses the button with `key` on card `card_id`, even on a greyed-out
        card (the platform then ignores the press, `Pressed.ignored`)."""
        ...

    def transcript(self, userid: str) -> list[Seen]:
        """Everything in `userid`'s chat with the app, oldest first, from either side;
        each card as it stands now (updates applied in place)."""
        ...

    def image(self, media: str) -> bytes:
        """The bytes of the picture an image message (`Seen.media`) shows."""
        ...

    def add_group(self, key: str, name: str) -> str:
        """Give the group chat `name` a robot; returns what the product's settings name
        the robot by (`rules.robots`): WeCom's webhook key is `key` itself."""
        ...

    def group_posts(self, key: str) -> list[Seen]:
        """What the robot `key` posted in its group chat, oldest first."""
        ...

    def deliver_callbacks_to(self, base: str) -> None:
        """Send callbacks to another product web app (`http://127.0.0.1:PORT`), e.g. a
        `mashangban web` process a test started."""
        ...

    # -- the platform misbehaving ----------------------------------------------------------
    def calls(self, kind: CallKind) -> list[SentCall]:
        """The product's calls of one kind to the platform, oldest first: "message" (any
        message to a person: text, markdown, card, image), "card_update", "upload",
        "group" (a robot's post) or "token" (fetching an access token)."""
        ...

    def fault(self, fault: Fault, *, kind: CallKind = "message", times: int = 1) -> None:
        """The next `times` calls of `kind` fail with `fault` (see `chat.Fault`)."""
        ...

    def code(self, fault: Fault, *, kind: CallKind = "message") -> str:
        """The platform's error code for `fault` on calls of `kind`, as the outbox's
        last_error shows it."""
        ...

    def use_wrong_secret(self, rt: Runtime) -> None:
        """The product's running channel (`rt.channel`) presents a wrong app secret from
        now on, as after an admin mistyped it: the platform refuses its token requests."""
        ...

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on."""
        ...

    def revoke_tokens(self) -> None:
        """Every access token issued so far is invalid (not merely expired) from now on."""
        ...

    def stall(self, kind: CallKind, *, times: int = 1, seconds: int = 60) -> None:
        """Hold the next `times` calls of `kind` until `release` (or `seconds`): the
        platform is slow; the call is then handled as usual, whether or not the client
        is still waiting."""
        ...

    def held(self) -> int:
        """How many calls are being held now."""
        ...

    def release(self) -> int:
        """Let the held calls go on; answers once they were handled, with their number."""
        ...

    # -- the directory -------------------------------------------------------------------
    def change_contact(self, change: dict[str, Any]) -> dict[str, Any]:
        """An admin changes the directory; the platform tells the product. The change is
        in WeCom's terms (`change_type`, `userid`, `department`, ...): only WeCom's
        directory-change tests use it for now; a second platform maps what it can."""
        ...


DriverFactory = Callable[..., ChatDriver]
