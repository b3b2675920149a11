"""The DingTalk driver: the DingTalk sandbox (`integrations/dingtalk/sandbox`) over its HTTP
chat and control API, in Stream mode (DingTalk's default), answered in the neutral terms of
`tests/e2e/chat.py`.

In Stream mode nothing calls the product back: the product's own Stream receiver
(`integrations/dingtalk/stream.py`, built by `workers.receiver.build`) connects to the
sandbox's gateway. `connect(rt)` starts it in a thread once the office's Runtime exists, and
`disconnect()` stops it before the database goes away.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import requests

from integrations.dingtalk.cards import LINK_BLOCK
from integrations.dingtalk.limits import CONTENT_BYTES
from integrations.dingtalk.sandbox import SandboxConfig, SandboxThread
from tests.dingtalk_helpers import AES_KEY, APP_KEY, APP_SECRET, TEST_DINGTALK, TOKEN
from tests.e2e.chat import CallKind, Fault, Pressed, Seen, SeenCard, Sender, SentCall
from tests.e2e.drivers.http import SandboxHttp
from workers import receiver
from workers.receiver import ReceiverThread
from workers.runtime import Runtime

# The API paths behind each kind of call, as the sandbox logs them (no leading slash). A
# message to a person is a robot message (batchSend) or an interactive card.
MESSAGE_PATHS = ("v1.0/robot/oToMessages/batchSend", "v1.0/im/v1.0/robot/interactiveCards/send")
PATHS: dict[str, tuple[str, ...]] = {
    "message": MESSAGE_PATHS, "card_update": ("v1.0/im/robots/interactiveCards",),
    "upload": ("media/upload",), "group": ("v1.0/robot/groupMessages/send",),
    "token": ("v1.0/oauth2/accessToken",),
}
# What the sandbox injects for each neutral fault (`/sandbox/control/inject`), and the code
# DingTalk answers it with, as the outbox's last_error shows it.
INJECT: dict[str, str] = {
    "rate_limited": "rate_limited", "network": "network", "token_expired": "expired_token",
    "token_invalid": "expired_token", "bad_secret": "invalidClientIdOrSecret",
    "unknown_group": "resource.not.found",
}
CODES: dict[str, str] = {
    "rate_limited": "Forbidden.AccessDenied.QpsLimitForApi", "network": "network",
    "token_expired": "InvalidAuthentication", "token_invalid": "InvalidAuthentication",
    "bad_secret": "invalidClientIdOrSecret", "unknown_group": "resource.not.found",
}
FLOW_CONTROLLED = "flowControlledStaffIdList"  # batchSend's per-person hold, in last_error
FAULTS = {code: fault for fault, code in CODES.items() if fault != "token_invalid"}
CONNECT_WAIT = 15  # seconds for the product's Stream client to reach the gateway
# A field line of the card's markdown block (`integrations.dingtalk.cards`): **label**：value
FIELD = re.compile(r"\*\*(?P<label>.*?)\*\*：(?P<value>.*)")
STATUS = re.compile(r"\*\*(?P<status>.*)\*\*")
# DingTalk's markdown breaks a line on two trailing spaces
LINE_BREAK = re.compile(r" {2}\n|\n")
MARKDOWN_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


class DingTalkDriver(SandboxHttp):
    """A DingTalk sandbox on a free port in Stream mode; the product's Stream receiver runs
    in a thread from `connect` to `disconnect`."""

    name = "dingtalk"
    # batchSend sampleText/sampleMarkdown: DingTalk states no hard cap; the product's
    # DingTalk limits keep a message to `CONTENT_BYTES` (integrations/dingtalk/limits.py).
    max_content_bytes = CONTENT_BYTES

    def __init__(self, *, callback_base: str, clock: Callable[[], float]) -> None:
        config = SandboxConfig(app_key=APP_KEY, app_secret=APP_SECRET, robot_code=APP_KEY,
                               token=TOKEN, aes_key=AES_KEY, mode="stream",
                               callback_url=f"{callback_base}/dingtalk/callback", clock=clock)
        self.sandbox = SandboxThread(config)
        self.url: str = self.sandbox.url
        self._stream: ReceiverThread | None = None

    def settings(self) -> dict[str, str]:
        values = {k.removeprefix("MASHANGBAN_").lower(): v for k, v in TEST_DINGTALK.items()}
        return {**values, "dingtalk_api_base": self.url, "dingtalk_mode": "stream"}

    def connect(self, rt: Runtime) -> None:
        """Start the product's Stream receiver on `rt` and wait until it is connected."""
        built = receiver.build(rt, self.name)
        assert built is not None, "DingTalk in stream mode has a receiver"
        self._stream = ReceiverThread(self.name, built)
        self._stream.start()
        self._wait_until_live("the product's Stream client connecting to the gateway")

    def disconnect(self) -> None:
        """Stop the product's Stream receiver (idempotent)."""
        if self._stream is not None:
            self._stream.stop()
            self._stream.join(10)
            self._stream = None

    def shutdown(self) -> None:
        self.disconnect()
        self.sandbox.shutdown()

    # -- the chat (typing: `SandboxHttp.send`) -------------------------------------------
    def press(self, userid: str, card_id: str, key: str) -> Pressed:
        """A greyed-out StandardCard has no action block: the client shows no button to
        press, so the press never reaches DingTalk (`ignored`)."""
        shown = [e for e in self.raw_transcript(userid) if e.get("card_id") == card_id]
        if shown and not _actions(shown[-1].get("card") or {}):
            status = _card_status(shown[-1].get("card") or {}) or "已置灰"
            return Pressed(ignored=True, reason=f"卡片已处理（{status}），点击无效")
        if shown and any(a.get("id") == key and a.get("actionType") == "openLink"
                         for a in _actions(shown[-1].get("card") or {})):
            return Pressed(ignored=True, reason="链接按钮打开页面，不回调应用")
        answer = requests.post(f"{self.url}/sandbox/chat/{userid}/click",
                               json={"card_id": card_id, "key": key}, timeout=15).json()
        assert answer.get("status") == 200, answer
        return Pressed(ignored=False)

    def raw_transcript(self, userid: str) -> list[dict[str, Any]]:
        """The sandbox's own transcript entries (DingTalk shapes), for protocol tests."""
        answer = requests.get(f"{self.url}/sandbox/chat/{userid}/messages", timeout=10)
        return answer.json().get("messages", []) if answer.status_code == 200 else []

    def transcript(self, userid: str) -> list[Seen]:
        return [seen(entry) for entry in self.raw_transcript(userid)]

    def add_group(self, key: str, name: str) -> str:
        """A group chat with the robot: DingTalk names it by its openConversationId."""
        cid = f"cid{key}"
        assert self._control("group", openConversationId=cid, name=name)["ok"] is True
        return cid

    def group_posts(self, key: str) -> list[Seen]:
        cid = key if key.startswith("cid") else f"cid{key}"
        return [seen(entry) for entry in self._get(f"/sandbox/groups/{cid}/messages")
                .get("messages", [])]

    def deliver_callbacks_to(self, base: str) -> None:
        """Stream mode: DingTalk calls no web app back; the product's started processes
        receive through their own Stream connection (`mashangban worker --with-stream`).
        The in-process receiver steps aside and this waits until a started one is
        connected (`base` is not needed)."""
        self.disconnect()
        self._wait_until_live("a started process's Stream client connecting")

    def _wait_until_live(self, what: str) -> None:
        """Poll the gateway (the side that pushes) until it holds a connection: the client
        may see its handshake done a moment before the gateway has recorded it."""
        deadline = time.monotonic() + CONNECT_WAIT * 2
        while self._get("/sandbox/control/frames")["live"] < 1:
            assert time.monotonic() < deadline, what
            time.sleep(0.05)

    # -- the platform misbehaving ----------------------------------------------------------
    def raw_calls(self, *paths: str) -> list[dict[str, Any]]:
        """The sandbox's call log for some API paths (DingTalk shapes), for protocol tests."""
        return [c for c in self._get("/sandbox/control/calls")["calls"] if c["path"] in paths]

    def calls(self, kind: CallKind) -> list[SentCall]:
        return [sent_call(kind, c) for c in self.raw_calls(*PATHS[kind])]

    def fault(self, fault: Fault, *, kind: CallKind = "message", times: int = 1) -> None:
        """A message to a person is a robot message or a card: both paths fail the next
        `times` calls (a single reply is one call on one of them). A person rate-limited
        is DingTalk's flow control: batchSend answers 200 and holds the recipient back
        (flowControlledStaffIdList, tried again after a minute); its QPS limit (HTTP 403,
        lifted within the second) is what the other paths answer."""
        for path in PATHS[kind]:
            error = INJECT[fault]
            if (fault, path) == ("rate_limited", MESSAGE_PATHS[0]):
                error = "flow_controlled"
            self._control("inject", path=path, error=error, times=times)

    def code(self, fault: Fault, *, kind: CallKind = "message") -> str:
        if (fault, kind) == ("rate_limited", "message"):
            return FLOW_CONTROLLED
        return CODES[fault]

    def use_wrong_secret(self, rt: Runtime) -> None:
        """A mistyped AppSecret: DingTalk's token cache is keyed by the AppKey, so the
        cached token goes too (a restart with the wrong secret fetches a new one)."""
        api = rt.channel.api  # type: ignore[attr-defined]
        api._secret = "wrong-secret-0000"
        api._storage.delete(api.token_key)

    def expire_tokens(self) -> None:
        self._control("expire-tokens")

    def revoke_tokens(self) -> None:
        self._control("revoke-tokens")

    def stall(self, kind: CallKind, *, times: int = 1, seconds: int = 60) -> None:
        for path in PATHS[kind]:
            self._control("stall", path=path, times=times, seconds=seconds)

    def held(self) -> int:
        return self._get("/sandbox/control/stalls")["held"]

    def release(self) -> int:
        return self._control("release")["released"]

    # -- the directory -------------------------------------------------------------------
    def change_contact(self, change: dict[str, Any]) -> dict[str, Any]:
        """DingTalk's contact change (`/sandbox/control/contact`, its own terms: "event",
        "userid", "dept_id_list", ...), pushed to the product as a Stream EVENT frame."""
        return requests.post(f"{self.url}/sandbox/control/contact", json=change,
                             timeout=15).json()


def seen(entry: dict[str, Any]) -> Seen:
    """One sandbox transcript entry as its reader sees it."""
    sender: Sender = "user" if entry.get("from", "app") != "app" else "app"
    msgtype = entry["msgtype"]
    if msgtype == "card":
        card = seen_card(entry)
        return Seen(sender, "card", card.title, card=card)
    if msgtype == "image":
        return Seen(sender, "image", media=entry["media_id"])
    assert msgtype in ("text", "markdown"), entry
    return Seen(sender, msgtype, entry["content"])


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [action for block in card.get("contents") or [] if block.get("type") == "action"
            for action in block.get("actions") or []]


def _lines(card: dict[str, Any]) -> list[str]:
    """The body's lines: every markdown block but the link to the card's page."""
    return [line for block in card.get("contents") or []
            if block.get("type") == "markdown" and block.get("id") != LINK_BLOCK
            for line in LINE_BREAK.split(str(block.get("text", ""))) if line]


def _link(card: dict[str, Any]) -> str | None:
    """The page the card's link block opens."""
    for block in card.get("contents") or []:
        if block.get("type") == "markdown" and block.get("id") == LINK_BLOCK:
            found = MARKDOWN_LINK.search(str(block.get("text", "")))
            return found.group(1) if found else None
    return None


def _card_status(card: dict[str, Any]) -> str | None:
    """A greyed-out card's status: its last markdown line, in bold, with no field label."""
    lines = _lines(card)
    if _actions(card) or not lines or FIELD.fullmatch(lines[-1]):
        return None
    found = STATUS.fullmatch(lines[-1])
    return found.group("status") if found else None


def seen_card(entry: dict[str, Any]) -> SeenCard:
    """A StandardCard entry: the header title, the markdown block's subtitle and
    `**label**：value` lines, the action block's buttons (our keys are their ids), and a
    greyed-out card's status line instead of buttons."""
    card = entry.get("card") or {}
    status = _card_status(card)
    lines = _lines(card)
    if status is not None:
        lines = lines[:-1]
    fields = [(m.group("label"), m.group("value")) for m in map(FIELD.fullmatch, lines) if m]
    subtitle = "\n".join(line for line in lines if not FIELD.fullmatch(line))
    return SeenCard(
        card_id=entry["card_id"],
        title=((card.get("header") or {}).get("title") or {}).get("text", ""),
        subtitle=subtitle,
        fields=fields,
        buttons=[((a.get("label") or {}).get("text", ""), a.get("id", "")) for a in _actions(card)],
        disabled=status is not None,
        status=status,
        link=_link(card),
        urls={(a.get("label") or {}).get("text", ""): (a.get("url") or {}).get("all", "")
              for a in _actions(card) if a.get("actionType") == "openLink"},
    )


def sent_call(kind: str, call: dict[str, Any]) -> SentCall:
    """A call log entry: HTTP 200 without errcode is success; a known code its neutral
    fault; a 401 InvalidAuthentication an expired token (`"token": "expired"` in the log)
    or an invalid one; an HTTP error without DingTalk's JSON a network failure."""
    stalled = bool(call.get("stalled"))
    status, code = call.get("status", 200), call.get("code")
    errcode = call.get("errcode")
    if code is None and errcode in (0, None):
        if status == 200:
            return SentCall(kind, None, "", stalled=stalled)
        return SentCall(kind, "network", f"HTTP {status}", stalled=stalled)
    shown = str(code if code is not None else errcode)
    if shown == "InvalidAuthentication":
        error = "token_expired" if call.get("token") == "expired" else "token_invalid"
    else:
        error = FAULTS.get(shown, "other")
    return SentCall(kind, error, shown, stalled=stalled)
