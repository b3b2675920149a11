"""The WeCom sandbox for the end-to-end benchmark: a large directory and a delivery log.

`python -m benchmarks.e2e_sandbox --port P --callback URL --people N` serves the product's
own sandbox app (`integrations.wecom.sandbox`, the same one `mashangban sandbox` serves,
with the `MASHANGBAN_WECOM_*` settings as its corp) with two additions for measuring:

* its directory holds the seeded office plus N generated people in sections of their own
  (`people()`), so that `mashangban sync-directory` loads a large office and no one
  receives so many messages that the per-member rate limit is what gets measured;
* every `message/send` is written to a delivery log: its arrival (wall-clock time, taken
  before the sandbox handles it), recipients, the benchmark tokens `E2E…` in the body, the
  msgtype, and whether it reached the chat (errcode 0 and not the duplicate check's repeat
  of an earlier answer); `GET /bench/deliveries?since=K` returns the entries from index K.

It runs as a process of its own so that its work does not share a GIL with the load
generator. The wall clock is comparable with the benchmark's: same machine.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

TOKEN_PATTERN = re.compile(rb"E2E[0-9a-z]+")
FIRST_SECTION_ID = 100
PEOPLE_PER_SECTION = 50
# Characters for generated names that no date, time or command word uses.
SURNAMES = "王李张刘陈杨黄赵吴徐孙马朱胡郭何高林罗梁"
GIVEN = "子涵浩宇欣怡俊杰博文雅琪思嘉诗悦"


def person_name(number: int) -> str:
    """A distinct three-character Chinese name for each number below 20 × 16 × 16."""
    given = len(GIVEN)
    surname, rest = divmod(number, given * given)
    return SURNAMES[surname % len(SURNAMES)] + GIVEN[rest // given] + GIVEN[rest % given]


def userid(number: int) -> str:
    return f"e2e{number:05d}"


def people(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(departments, members) of `count` generated people: sections of 50 under the
    root department, the first of each section its leader."""
    departments, members = [], []
    for number in range(count):
        section, place = divmod(number, PEOPLE_PER_SECTION)
        dept_id = FIRST_SECTION_ID + section
        if place == 0:
            departments.append({"id": dept_id, "name": f"压测{section + 1}科", "parentid": 1,
                                "order": 1000 - section})
        members.append({"userid": userid(number), "name": person_name(number),
                        "department": [dept_id], "is_leader_in_dept": [int(place == 0)],
                        "position": "科长" if place == 0 else "科员"})
    return departments, members


class DeliveryLog:
    """What reached `message/send`, in arrival order; safe from the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[list[Any]] = []
        self._msgids: set[str] = set()

    def add(self, at: float, body: bytes, answer: bytes) -> None:
        """Log a send; `delivered` is false for an error answer and for the duplicate
        check's answer (the first send's msgid again: nothing reached the chat)."""
        try:
            request = json.loads(body)
            touser, msgtype = str(request.get("touser", "")), str(request.get("msgtype", ""))
        except (ValueError, AttributeError):
            touser = msgtype = ""
        try:
            reply = json.loads(answer)
            errcode, msgid = int(reply.get("errcode", -1)), str(reply.get("msgid", ""))
        except (ValueError, AttributeError, TypeError):
            errcode, msgid = -1, ""
        tokens = sorted({t.decode() for t in TOKEN_PATTERN.findall(body)})
        with self._lock:
            delivered = errcode == 0 and msgid not in self._msgids
            self._msgids.add(msgid)
            self._entries.append([at, touser, tokens, msgtype, delivered])

    def since(self, index: int) -> list[list[Any]]:
        with self._lock:
            return self._entries[index:]


def recording(app: Callable[..., Iterable[bytes]], log: DeliveryLog) -> Callable[..., Any]:
    """WSGI middleware: log each message/send on arrival; serve /bench/deliveries."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/bench/deliveries":
            query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&")
                         if "=" in p)
            body = json.dumps(log.since(int(query.get("since", "0") or 0))).encode()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if path.rstrip("/").endswith("/message/send") and environ["REQUEST_METHOD"] == "POST":
            arrived = time.time()
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            answer = b"".join(app(environ, start_response))  # a small JSON answer
            log.add(arrived, raw, answer)
            return [answer]
        return app(environ, start_response)

    return wrapped


def main(argv: list[str] | None = None) -> None:
    from werkzeug.serving import make_server

    from integrations.sandbox_kit.server import QuietHandler
    from integrations.wecom.sandbox.config import SandboxConfig
    from integrations.wecom.sandbox.server import create_sandbox_app
    from workers.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--callback", required=True)
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args(argv)
    wecom = load_settings().platform_settings("wecom")
    config = SandboxConfig(corp_id=wecom.corp_id, agent_id=wecom.agent_id, secret=wecom.secret,
                           token=wecom.token, aes_key=wecom.aes_key, callback_url=args.callback)
    app = create_sandbox_app(config)
    directory = app.extensions["sandbox"].directory
    departments, members = people(args.people)
    with directory.lock:
        directory.departments.extend(departments)
        directory.members.extend(members)
    server = make_server("127.0.0.1", args.port, recording(app, DeliveryLog()), threaded=True,
                         request_handler=QuietHandler)
    print(f"e2e sandbox on 127.0.0.1:{args.port} with {args.people} extra people", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
