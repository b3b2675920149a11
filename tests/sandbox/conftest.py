"""Fixtures for the WeCom sandbox tests: a running sandbox and a callback receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import xmltodict
from flask import Flask, request
from wechatpy.enterprise.crypto import WeChatCrypto
from werkzeug.serving import WSGIRequestHandler, make_server

from integrations.wecom.sandbox import SandboxConfig, SandboxThread
from tests.sandbox.dingtalk_fixtures import (  # noqa: F401 (the DingTalk sandbox's fixtures)
    Clock,
    dt_channel,
    dt_clock,
    dt_sandbox,
    make_dt_channel,
)

CORP_ID = "wwsandboxcorp0001"
AGENT_ID = 1000002
SECRET = "sandbox-secret-0123456789"
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class Receiver:
    """A stand-in for the product's callback endpoint: decrypts and records callbacks."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    reply: str = ""  # plaintext XML to answer with (encrypted), "" for an empty 200
    raw_reply: str = ""  # body to answer with as is (overrides reply)
    status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def last(self) -> dict[str, Any]:
        with self.lock:
            assert self.received, "no callback arrived"
            return self.received[-1]


def _receiver_app(receiver: Receiver) -> Flask:
    app = Flask("receiver")
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)

    @app.route("/callback", methods=["GET", "POST"])
    def callback() -> tuple[str, int]:
        args = request.args
        if request.method == "GET":
            echo = crypto.check_signature(
                args["msg_signature"], args["timestamp"], args["nonce"], args["echostr"]
            )
            return echo, 200
        plain = crypto.decrypt_message(
            request.data, args["msg_signature"], args["timestamp"], args["nonce"]
        )
        with receiver.lock:
            receiver.received.append(
                {
                    "args": dict(args),
                    "body": request.data,
                    "plain": plain,
                    "msg": xmltodict.parse(plain)["xml"],
                }
            )
        if receiver.raw_reply:
            return receiver.raw_reply, receiver.status
        if receiver.reply:
            return crypto.encrypt_message(receiver.reply, "12345"), receiver.status
        return "", receiver.status

    return app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running callback receiver on a free port."""
    rec = Receiver()
    server = make_server("127.0.0.1", 0, _receiver_app(rec), threaded=True, request_handler=_Quiet)
    rec.url = f"http://127.0.0.1:{server.server_port}/callback"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def clock(config: SandboxConfig) -> Clock:
    """A sandbox clock the test moves; the running sandbox reads its config at each call."""
    config.clock = clock = Clock()
    return clock


@pytest.fixture
def config() -> SandboxConfig:
    """The sandbox corp; the token and AES key are the official WeCom sample values."""
    return SandboxConfig(
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        callback_url="http://127.0.0.1:9/unset",
    )


@pytest.fixture
def sandbox(config: SandboxConfig, receiver: Receiver) -> Iterator[SandboxThread]:
    """A running sandbox whose callbacks go to the receiver."""
    config.callback_url = receiver.url
    thread = SandboxThread(config)
    yield thread
    thread.shutdown()


@pytest.fixture
def token(sandbox: SandboxThread) -> str:
    result = requests.get(
        f"{sandbox.url}/cgi-bin/gettoken",
        params={"corpid": CORP_ID, "corpsecret": SECRET},
        timeout=5,
    ).json()
    assert result["errcode"] == 0
    return result["access_token"]


class Api:
    """Thin helper that calls the sandbox like the product does (token in the query)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return requests.post(
            f"{self.base}/cgi-bin/{path}", params={"access_token": self.token}, json=body, timeout=5
        ).json()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return requests.get(
            f"{self.base}/cgi-bin/{path}", params={"access_token": self.token, **params}, timeout=5
        ).json()

    def control(self, name: str, body: Any = None) -> dict[str, Any]:
        return requests.post(
            f"{self.base}/sandbox/control/{name}", json=body or {}, timeout=5
        ).json()

    def chat(self, userid: str, action: str, body: Any = None) -> dict[str, Any]:
        url = f"{self.base}/sandbox/chat/{userid}/{action}"
        if body is None:
            return requests.get(url, timeout=5).json()
        return requests.post(url, json=body, timeout=10).json()


@pytest.fixture
def api(sandbox: SandboxThread, token: str) -> Api:
    return Api(sandbox.url, token)


def _button_card(task_id: str, **extra: Any) -> dict[str, Any]:
    """A valid button_interaction message body for lina and zhangwei."""
    card = {
        "card_type": "button_interaction",
        "source": {"desc": "马上办"},
        "main_title": {"title": "新任务：整理会议纪要", "desc": "来自张伟"},
        "sub_title_text": "请在周五前完成",
        "horizontal_content_list": [{"keyname": "截止", "value": "周五 17:00"}],
        "task_id": task_id,
        "button_list": [
            {"text": "接受", "style": 1, "key": f"accept:{task_id}"},
            {"text": "退回", "style": 2, "key": f"reject:{task_id}"},
        ],
        **extra,
    }
    return {
        "touser": "lina|zhangwei",
        "agentid": AGENT_ID,
        "msgtype": "template_card",
        "template_card": card,
    }


@pytest.fixture
def button_card() -> Any:
    """Factory of a valid button_interaction message/send body (to lina and zhangwei)."""
    return _button_card
