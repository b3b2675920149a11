"""An office at the keyboard: people chatting with the product through a platform's sandbox.

Messages travel exactly as in production: the sandbox signs (and, on WeCom, encrypts) a
callback, the product's web app verifies and stores it, and a real RQ worker (run
in-process until the queue is empty) acts on it and calls the sandbox's API. The office
reads what each person sees through the platform's driver (`tests/e2e/drivers/`), in the
neutral terms of `tests/e2e/chat.py`, so a scenario runs on every platform.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rq import SimpleWorker
from werkzeug.serving import make_server

from tests.e2e.chat import CallKind, Fault, Pressed, Seen, SeenCard, SentCall
from tests.e2e.drivers import ChatDriver
from workers.runtime import Runtime

if TYPE_CHECKING:
    from tests.e2e.drivers.wecom import WeComDriver


class ProductServer:
    """The product's WSGI app on a free loopback port; the app itself is attached later,
    because the sandbox must know our callback URL before we know its API URL."""

    def __init__(self) -> None:
        self.app: Any = None
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _dispatch(self, environ: dict, start_response: Any) -> Any:
        return self.app(environ, start_response)

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Office:
    """Drives the platform's chat as people would, and reads what each person sees."""

    def __init__(self, rt: Runtime, driver: ChatDriver):
        self.rt, self.driver = rt, driver

    @property
    def platform(self) -> str:
        """The platform this office runs on: "wecom", "dingtalk"."""
        return self.driver.name

    @property
    def max_content_bytes(self) -> int:
        """The platform's cap on one text or markdown message, in UTF-8 bytes."""
        return self.driver.max_content_bytes

    @property
    def wecom(self) -> WeComDriver:
        """The WeCom driver, for tests of WeCom's own protocol (they run on WeCom only)."""
        from tests.e2e.drivers.wecom import WeComDriver

        assert isinstance(self.driver, WeComDriver), f"a WeCom-only test on {self.platform}"
        return self.driver

    # -- people at the keyboard ------------------------------------------------------------
    def say(self, userid: str, text: str, *, work: bool = True) -> None:
        """`userid` types `text` to the app; the workers then do their job."""
        self.driver.send(userid, text)
        if work:
            self.work()

    def click(self, userid: str, label: str, *, work: bool = True) -> Pressed:
        """`userid` presses the button labelled `label` on the newest card that has it."""
        card = self.card_with_button(userid, label)
        return self.press(userid, card.card_id, card.key(label), work=work)

    def press(self, userid: str, card_id: str, key: str, *, work: bool = True) -> Pressed:
        """Press a button by its key, even on a card that is greyed out."""
        answer = self.driver.press(userid, card_id, key)
        if work:
            self.work()
        return answer

    def work(self) -> None:
        """Run a real RQ worker until the queue is empty."""
        SimpleWorker([self.rt.queue], connection=self.rt.redis).work(burst=True)

    # -- what they see ---------------------------------------------------------------------
    def transcript(self, userid: str) -> list[Seen]:
        """`userid`'s chat with the app, oldest first, both sides."""
        return self.driver.transcript(userid)

    def received(self, userid: str) -> list[Seen]:
        """What the app sent `userid`, oldest first."""
        return [m for m in self.transcript(userid) if m.sender == "app"]

    def replies(self, userid: str) -> list[str]:
        """The texts (plain or markdown) the app sent to `userid`, oldest first."""
        return [m.text for m in self.received(userid) if m.kind in ("text", "markdown")]

    def last_reply(self, userid: str) -> str:
        replies = self.replies(userid)
        assert replies, f"{userid} received no reply"
        return replies[-1]

    def cards(self, userid: str) -> list[SeenCard]:
        """The cards in `userid`'s chat, oldest first, each as it stands now."""
        return [m.card for m in self.transcript(userid) if m.card is not None]

    def card_with_button(self, userid: str, label: str) -> SeenCard:
        """The newest card in `userid`'s chat showing a button labelled `label`."""
        for card in reversed(self.cards(userid)):
            if label in card.labels:
                return card
        raise AssertionError(f"{userid} has no card with a {label} button")

    def image(self, message: Seen) -> bytes:
        """The picture an image message shows."""
        assert message.kind == "image" and message.media, message
        return self.driver.image(message.media)

    def add_group(self, key: str, name: str) -> str:
        """A group chat `name` with a robot; returns the robot's name for the settings."""
        return self.driver.add_group(key, name)

    def route_group(self, department: str, group: str) -> None:
        """Summaries of `department` (its platform id) go to the group chat `group` (what
        `add_group` returned): WeCom's MASHANGBAN_ROBOTS, another platform's groups
        (DingTalk: MASHANGBAN_DINGTALK_GROUPS)."""
        rules = self.rt.settings.rules
        if self.platform == "wecom":
            rules = replace(rules, robots={**rules.robots, department: group})
        else:
            mine = {**rules.groups.get(self.platform, {}), department: group}
            rules = replace(rules, groups={**rules.groups, self.platform: mine})
        self.rt.settings = replace(self.rt.settings, rules=rules)

    def group_posts(self, key: str) -> list[Seen]:
        """What the robot `key` posted in its group chat, oldest first."""
        return self.driver.group_posts(key)

    # -- the platform, seen from its side ------------------------------------------------
    def sent_calls(self, kind: CallKind) -> list[SentCall]:
        """The product's calls of `kind` to the platform (see `ChatDriver.calls`)."""
        return self.driver.calls(kind)

    def fault(self, fault: Fault, *, kind: CallKind = "message", times: int = 1) -> None:
        """The platform answers the next `times` calls of `kind` with `fault`."""
        self.driver.fault(fault, kind=kind, times=times)

    def code(self, fault: Fault, *, kind: CallKind = "message") -> str:
        """The platform's error code for `fault` on calls of `kind`, as an outbox row's
        last_error names it."""
        return self.driver.code(fault, kind=kind)

    def use_wrong_secret(self) -> None:
        """The product presents a wrong app secret from now on (a mistyped setting)."""
        self.driver.use_wrong_secret(self.rt)

    def expire_tokens(self) -> None:
        self.driver.expire_tokens()

    def revoke_tokens(self) -> None:
        self.driver.revoke_tokens()

    def stall(self, kind: CallKind, *, times: int = 1, seconds: int = 60) -> None:
        """The platform is slow: it holds the next `times` calls of `kind`."""
        self.driver.stall(kind, times=times, seconds=seconds)

    def held(self) -> int:
        return self.driver.held()

    def release(self) -> int:
        """The held calls go on; returns how many there were."""
        return self.driver.release()

    def deliver_callbacks_to(self, base: str) -> None:
        """Point the platform's callbacks at another product web app (a started process)."""
        self.driver.deliver_callbacks_to(base)

    def change_contact(self, change_type: str | None = None, *, work: bool = True,
                       **fields: Any) -> dict:
        """An admin changes the directory (in WeCom's terms, see `ChatDriver.change_contact`);
        the callback reaches the product and, unless `work=False`, the workers act on it."""
        body = {**fields, **({"change_type": change_type} if change_type else {})}
        answer = self.driver.change_contact(body)
        if work:
            self.work()
        return answer
