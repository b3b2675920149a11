"""An office at the keyboard: people chatting with the product through the WeCom sandbox.

Messages travel exactly as in production: the sandbox signs and encrypts a callback, the
product's web app verifies and stores it, and a real RQ worker (run in-process until the
queue is empty) acts on it and calls the sandbox's API.
"""

import threading
from typing import Any

import requests
from rq import SimpleWorker
from werkzeug.serving import make_server

from integrations.wecom.sandbox import SandboxThread
from workers.runtime import Runtime


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
    """Drives the sandbox chat as people would, and reads what each person sees."""

    def __init__(self, rt: Runtime, sandbox: SandboxThread):
        self.rt, self.sandbox = rt, sandbox

    def say(self, userid: str, text: str, *, work: bool = True) -> dict:
        """`userid` types `text` to the app; the workers then do their job."""
        answer = requests.post(f"{self.sandbox.url}/sandbox/chat/{userid}/send",
                               json={"text": text}, timeout=10).json()
        assert answer.get("status") == 200, answer
        if work:
            self.work()
        return answer

    def click(self, userid: str, label: str, *, work: bool = True) -> dict:
        """`userid` presses the button labelled `label` on the newest card that has it."""
        card = self.card_with_button(userid, label)
        key = next(b["key"] for b in card["card"]["button_list"] if b["text"] == label)
        answer = requests.post(f"{self.sandbox.url}/sandbox/chat/{userid}/click",
                               json={"task_id": card["task_id"], "key": key}, timeout=10).json()
        if work:
            self.work()
        return answer

    def click_card_key(self, userid: str, task_id: str, key: str) -> dict:
        """Press a button by its key, even on a card that is greyed out."""
        answer = requests.post(f"{self.sandbox.url}/sandbox/chat/{userid}/click",
                               json={"task_id": task_id, "key": key}, timeout=10).json()
        self.work()
        return answer

    def work(self) -> None:
        """Run a real RQ worker until the queue is empty."""
        SimpleWorker([self.rt.queue], connection=self.rt.redis).work(burst=True)

    def transcript(self, userid: str) -> list[dict]:
        return requests.get(f"{self.sandbox.url}/sandbox/chat/{userid}/messages",
                            timeout=10).json()["messages"]

    def replies(self, userid: str) -> list[str]:
        """The texts the app sent to `userid`, oldest first."""
        return [m["content"] for m in self.transcript(userid)
                if m["from"] == "app" and m["msgtype"] in ("text", "markdown")]

    def last_reply(self, userid: str) -> str:
        replies = self.replies(userid)
        assert replies, f"{userid} received no reply"
        return replies[-1]

    def cards(self, userid: str) -> list[dict]:
        return [m for m in self.transcript(userid) if m["msgtype"] == "template_card"]

    def card_with_button(self, userid: str, label: str) -> dict:
        for card in reversed(self.cards(userid)):
            if any(b["text"] == label for b in card["card"].get("button_list", [])):
                return card
        raise AssertionError(f"{userid} has no card with a {label} button")

    def api_calls(self, path: str) -> list[dict]:
        calls = requests.get(f"{self.sandbox.url}/sandbox/control/calls", timeout=10).json()
        return [c for c in calls["calls"] if c["path"] == path]

    def change_contact(self, change_type: str | None = None, *, work: bool = True,
                       **fields: Any) -> dict:
        """An admin changes the WeCom directory (sandbox/control/contact); the change_contact
        callback reaches the product and, unless `work=False`, the workers act on it."""
        body = {**fields, **({"change_type": change_type} if change_type else {})}
        answer = requests.post(f"{self.sandbox.url}/sandbox/control/contact", json=body,
                               timeout=10).json()
        if work:
            self.work()
        return answer
