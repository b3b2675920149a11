"""The WeCom driver: the WeCom sandbox (`integrations/wecom/sandbox`) over its HTTP chat and
control API, answered in the neutral terms of `tests/e2e/chat.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from integrations.wecom.sandbox import SandboxConfig, SandboxThread
from tests.conftest import TEST_WECOM
from tests.e2e.chat import CallKind, Fault, Pressed, Seen, SeenCard, Sender, SentCall
from tests.e2e.drivers.http import SandboxHttp
from workers.runtime import Runtime

# The API paths behind each kind of call (the sandbox logs paths without /cgi-bin/).
PATHS: dict[str, str] = {
    "message": "message/send", "card_update": "message/update_template_card",
    "upload": "media/upload", "group": "webhook/send", "token": "gettoken",
}
# WeCom's error codes for the neutral faults ("network" is the sandbox's dropped connection).
CODES: dict[str, int | str] = {
    "rate_limited": 45009, "network": "network", "token_expired": 42001,
    "token_invalid": 40014, "bad_secret": 40001, "unknown_group": 93000,
}
FAULTS = {str(code): fault for fault, code in CODES.items()}
CALLBACK_PATH = "/wecom/callback"


class WeComDriver(SandboxHttp):
    """A WeCom sandbox on a free port, calling back the product at `callback_base`."""

    name = "wecom"
    max_content_bytes = 2048  # message/send: "最长不超过2048个字节"

    def __init__(self, *, callback_base: str, clock: Callable[[], float]) -> None:
        config = SandboxConfig(
            corp_id=TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"],
            agent_id=int(TEST_WECOM["MASHANGBAN_WECOM_AGENT_ID"]),
            secret=TEST_WECOM["MASHANGBAN_WECOM_SECRET"],
            token=TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
            aes_key=TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"],
            callback_url=f"{callback_base}{CALLBACK_PATH}",
            clock=clock,
        )
        self.sandbox = SandboxThread(config)
        self.url: str = self.sandbox.url

    def settings(self) -> dict[str, str]:
        return {"wecom_api_base": self.url, "wecom_oauth_base": self.url,
                "wecom_login_base": self.url}

    def connect(self, rt: Runtime) -> None:
        """WeCom calls the product's web app back: nothing to start."""

    def disconnect(self) -> None:
        """Nothing was started."""

    def shutdown(self) -> None:
        self.sandbox.shutdown()

    # -- the chat (typing: `SandboxHttp.send`) -------------------------------------------
    def press(self, userid: str, card_id: str, key: str) -> Pressed:
        answer = requests.post(f"{self.url}/sandbox/chat/{userid}/click",
                               json={"task_id": card_id, "key": key}, timeout=10).json()
        return Pressed(ignored=bool(answer.get("ignored")), reason=answer.get("error", ""))

    def raw_transcript(self, userid: str) -> list[dict[str, Any]]:
        """The sandbox's own transcript entries (WeCom shapes), for protocol tests."""
        return self._get(f"/sandbox/chat/{userid}/messages")["messages"]

    def transcript(self, userid: str) -> list[Seen]:
        return [seen(entry) for entry in self.raw_transcript(userid)]

    def add_group(self, key: str, name: str) -> str:
        assert self._control("robot", key=key, name=name)["ok"] is True
        return key

    def group_posts(self, key: str) -> list[Seen]:
        return [seen(entry) for entry in self._get(f"/sandbox/robots/{key}/messages")["messages"]]

    def deliver_callbacks_to(self, base: str) -> None:
        self._control("callback-url", url=f"{base}{CALLBACK_PATH}")

    # -- the platform misbehaving ----------------------------------------------------------
    def raw_calls(self, path: str) -> list[dict[str, Any]]:
        """The sandbox's call log for one API path (WeCom shapes), for protocol tests."""
        return [c for c in self._get("/sandbox/control/calls")["calls"] if c["path"] == path]

    def calls(self, kind: CallKind) -> list[SentCall]:
        return [sent_call(kind, c) for c in self.raw_calls(PATHS[kind])]

    def fault(self, fault: Fault, *, kind: CallKind = "message", times: int = 1) -> None:
        self._control("inject", path=PATHS[kind], errcode=CODES[fault], times=times)

    def code(self, fault: Fault, *, kind: CallKind = "message") -> str:
        return str(CODES[fault])

    def use_wrong_secret(self, rt: Runtime) -> None:
        rt.channel.api.secret = "wrong-secret"  # type: ignore[attr-defined]

    def expire_tokens(self) -> None:
        self._control("expire-tokens")

    def revoke_tokens(self) -> None:
        self._control("revoke-tokens")

    def stall(self, kind: CallKind, *, times: int = 1, seconds: int = 60) -> None:
        self._control("stall", path=PATHS[kind], times=times, seconds=seconds)

    def held(self) -> int:
        return self._get("/sandbox/control/stalls")["held"]

    def release(self) -> int:
        return self._control("release")["released"]

    # -- the directory -------------------------------------------------------------------
    def change_contact(self, change: dict[str, Any]) -> dict[str, Any]:
        return requests.post(f"{self.url}/sandbox/control/contact", json=change,
                             timeout=10).json()


def seen(entry: dict[str, Any]) -> Seen:
    """One sandbox transcript entry as its reader sees it."""
    sender: Sender = "user" if entry.get("from", "app") != "app" else "app"  # robots: no "from"
    msgtype = entry["msgtype"]
    if msgtype == "template_card":
        card = seen_card(entry)
        return Seen(sender, "card", card.title, card=card)
    if msgtype == "image":
        return Seen(sender, "image", media=entry["media_id"])
    assert msgtype in ("text", "markdown"), entry
    return Seen(sender, msgtype, entry["content"])


def seen_card(entry: dict[str, Any]) -> SeenCard:
    """A template_card entry: title, sub_title_text, horizontal_content_list, button_list,
    and the greyed-out state with its replace_text."""
    card = entry["card"]
    return SeenCard(
        card_id=entry["task_id"],
        title=card.get("main_title", {}).get("title", ""),
        subtitle=card.get("sub_title_text", ""),
        fields=[(f["keyname"], f.get("value", ""))
                for f in card.get("horizontal_content_list", []) if f.get("type") != 1],
        buttons=[(b["text"], b.get("key") or b.get("url", ""))
                 for b in card.get("button_list", [])],
        disabled=bool(entry.get("disabled")),
        status=entry.get("replace_text"),
        link=(card.get("card_action") or {}).get("url"),
        urls={b["text"]: b["url"] for b in card.get("button_list", []) if b.get("type") == 1},
    )


def sent_call(kind: str, call: dict[str, Any]) -> SentCall:
    """A call log entry: errcode 0 is success, a known code its neutral fault, an HTTP
    error without a WeCom answer a network failure."""
    errcode, status = call.get("errcode"), call.get("http_status", 200)
    if errcode is None and status != 200:  # no answer from WeCom: the network failed
        return SentCall(kind, "network", f"HTTP {status}", stalled=bool(call.get("stalled")))
    code = "" if errcode in (0, None) else str(errcode)
    error = None if not code else FAULTS.get(code, "other")
    return SentCall(kind, error, code, duplicate=bool(call.get("duplicate")),
                    stalled=bool(call.get("stalled")))
