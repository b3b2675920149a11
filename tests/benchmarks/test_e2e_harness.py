"""The benchmarks' own pieces. The end-to-end harness (`benchmarks/e2e.py`,
`benchmarks/e2e_sandbox.py`): its callbacks are ones the real app stores, and its counts of
delivered, lost and duplicated replies are right; a harness that counted wrongly would
report a loss-free, duplicate-free system whatever the product did. The callback
benchmark's wrk script: both endpoints get the same request line."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from benchmarks import e2e
from benchmarks.callback import LUA_SCRIPT, Generator
from benchmarks.e2e_sandbox import DeliveryLog, people, person_name, recording
from integrations.sandbox_office import MEMBERS
from integrations.wecom.sandbox.config import SandboxConfig
from integrations.wecom.sandbox.server import create_sandbox_app
from tasks.models import InboxMessage
from tests.conftest import TEST_WECOM
from webapp import create_app


def maker() -> e2e.CallbackMaker:
    """Callbacks signed and encrypted with the test installation's WeCom credentials."""
    return e2e.CallbackMaker(token=TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
                             aes_key=TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"],
                             corp_id=TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"])


def post_raw(client, raw: bytes):
    """Send a raw HTTP request (as the open-loop sender writes it) through a test client."""
    head, body = raw.split(b"\r\n\r\n", 1)
    method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
    path, query = target.split("?", 1)
    return client.open(path, method=method, query_string=query, data=body,
                       content_type="text/xml")


def test_the_benchmark_callbacks_are_stored_by_the_real_app_once_each(runtime, session):
    client = create_app(runtime).test_client()
    messages = e2e.make_messages(0, 2, 100, "t1")
    generator = maker()
    requests = [generator.request(m, 80) for m in messages]

    answers = [post_raw(client, raw) for raw in [*requests, requests[0]]]  # one replayed

    assert [a.status_code for a in answers] == [200, 200, 200]
    stored = [json.dumps(row.payload, ensure_ascii=False)
              for row in session.scalars(select(InboxMessage).order_by(InboxMessage.id))]
    assert len(stored) == 2  # the replay changed nothing
    for message, payload in zip(messages, stored, strict=True):
        assert message.token in payload and message.sender in payload


def entry(at, touser, token, reached=True):
    return [at, touser, [token], "template_card", reached]


def test_correlation_counts_delivered_lost_and_duplicated():
    first, second, third = e2e.make_messages(0, 3, 100, "t2")
    log = [
        entry(10.0, first.holder, first.token),
        entry(10.1, first.sender, first.token),  # the sender's confirmation: not the card
        entry(11.0, second.holder, second.token),
        entry(12.0, second.holder, second.token),  # the same card again: a duplicate
        entry(13.0, third.sender, third.token),  # the holder never got the third
        entry(14.0, "someone", "E2Eunrelated"),
    ]

    outcome = e2e.correlate([first, second, third], log)

    assert outcome.delivered == {first.token: 10.0, second.token: 11.0}
    assert outcome.lost == [third.token]
    assert outcome.duplicated == [second.token]
    assert outcome.sends == 5


def test_a_send_that_did_not_reach_the_chat_neither_delivers_nor_duplicates():
    (message,) = e2e.make_messages(0, 1, 100, "t3")
    log = [entry(10.0, message.holder, message.token, reached=False),  # refused
           entry(11.0, message.holder, message.token),
           entry(12.0, message.holder, message.token, reached=False)]  # duplicate check

    outcome = e2e.correlate([message], log)

    assert outcome.delivered == {message.token: 11.0}
    assert outcome.duplicated == [] and outcome.lost == []
    assert outcome.dropped == 2


def test_the_sandbox_log_marks_a_send_its_duplicate_check_dropped():
    config = SandboxConfig(corp_id="wwe2e", agent_id=1000002, secret="s", token="t",
                           aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                           callback_url="http://127.0.0.1:9/none")
    log = DeliveryLog()
    client = Client(recording(create_sandbox_app(config), log))
    token = client.get("/cgi-bin/gettoken?corpid=wwe2e&corpsecret=s").json["access_token"]
    send = {"touser": "lina", "msgtype": "text", "agentid": 1000002,
            "text": {"content": "任务 E2Eab000001"}, "enable_duplicate_check": 1}

    answers = [client.post(f"/cgi-bin/message/send?access_token={token}", json=send)
               for _ in range(2)]

    assert [a.json["errcode"] for a in answers] == [0, 0]  # WeCom answers both alike
    entries = json.loads(client.get("/bench/deliveries?since=0").data)
    assert [(e[1], e[2], e[4]) for e in entries] == [
        ("lina", ["E2Eab000001"], True), ("lina", ["E2Eab000001"], False)]


@pytest.mark.parametrize("count", [1000])
def test_the_generated_directory_has_distinct_names_and_a_leader_per_section(count):
    departments, members = people(count)
    names = {m["name"] for m in members}
    assert len(names) == count == len({m["userid"] for m in members})
    assert not names & {m["name"] for m in MEMBERS}
    assert len(departments) == count // 50
    assert sum(m["is_leader_in_dept"][0] for m in members) == len(departments)
    assert person_name(0) != person_name(1)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")
def test_the_callback_benchmark_sends_bare_the_same_request_line_as_the_real_path(tmp_path):
    """benchmarks/callback.lua once cut `/bare`'s query string to a lone `?`."""
    seen: dict[str, list[str]] = {}

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path, _, query = self.path.partition("?")
            seen.setdefault(path, []).append(query)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        Generator().write(tmp_path / "requests", 1, 2, "/wecom/callback")
        for override in ("/bare", ""):
            subprocess.run(["wrk", "-t1", "-c1", "-d1s", "-s", str(LUA_SCRIPT),
                            f"http://127.0.0.1:{server.server_address[1]}", "--",
                            str(tmp_path / "requests"), override, "unique"],
                           capture_output=True, check=True, timeout=60)
    finally:
        server.shutdown()

    assert seen["/bare"] == seen["/wecom/callback"]
    assert all("msg_signature=" in query for query in seen["/bare"])
