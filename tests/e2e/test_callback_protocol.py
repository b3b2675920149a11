"""The callback URL as WeCom and as an attacker would use it, over real HTTP.

WeCom only: it signs, encrypts and replays WeCom's callback XML itself.
"""

import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from integrations.wecom.sandbox.envelope import (
    build_text_xml,
    encrypt_callback,
    encrypt_echo,
)
from tasks.models import InboxMessage, OutboxMessage, Task
from tests.clocks import ShiftedClock
from tests.conftest import TEST_WECOM

TOKEN = TEST_WECOM["MASHANGBAN_WECOM_TOKEN"]
AES_KEY = TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"]
CORP_ID = TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"]


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: these tests sign callbacks themselves with the wall clock, as WeCom does."""
    return ShiftedClock()


def signed(text: str, *, msg_id: int = 42, timestamp: int | None = None,
           sender: str = "zhangwei") -> tuple[dict, bytes]:
    now = int(time.time()) if timestamp is None else timestamp
    xml = build_text_xml(CORP_ID, sender, text, msg_id, 1000002, now)
    return encrypt_callback(xml, TOKEN, AES_KEY, CORP_ID, str(now), uuid.uuid4().hex[:10])


def post(office, params: dict, body: bytes) -> requests.Response:
    url = office.wecom.sandbox.state.config.callback_url
    return requests.post(url, params=params, data=body, timeout=10)


def counts(office) -> tuple[int, int, int]:
    with office.rt.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (InboxMessage, OutboxMessage, Task))


def test_url_verification_answers_the_plaintext_echo(office):
    params = encrypt_echo("echo-1234567890", TOKEN, AES_KEY, CORP_ID, str(int(time.time())), "n1")
    answer = requests.get(office.wecom.sandbox.state.config.callback_url, params=params, timeout=10)
    assert answer.status_code == 200 and answer.text == "echo-1234567890"


def test_url_verification_with_a_bad_signature_is_refused(office):
    params = encrypt_echo("echo", TOKEN, AES_KEY, CORP_ID, str(int(time.time())), "n1")
    params["msg_signature"] = "f" * 40
    answer = requests.get(office.wecom.sandbox.state.config.callback_url, params=params, timeout=10)
    assert answer.status_code == 403


def test_a_valid_message_is_answered_with_an_empty_200(office):
    params, body = signed("帮助")
    answer = post(office, params, body)
    assert answer.status_code == 200 and answer.text == ""


def test_a_duplicate_delivery_is_answered_with_success_and_acts_once(office):
    first = post(office, *signed("新建 核对数据 @李娜 3天内", msg_id=7))
    again = post(office, *signed("新建 核对数据 @李娜 3天内", msg_id=7))  # WeCom retry
    office.work()

    assert first.status_code == again.status_code == 200
    assert len(office.cards("lina")) == 1
    assert counts(office)[2] == 1


def test_a_byte_identical_retry_is_answered_200_and_does_nothing(office):
    params, body = signed("帮助", msg_id=8)
    assert post(office, params, body).status_code == 200
    assert post(office, params, body).status_code == 200
    assert counts(office)[0] == 1


def test_a_messages_signature_cannot_make_the_url_check_decrypt_it(office):
    """Issue 13, finding 6: POST a message, then GET the URL check with the same query and
    echostr=<its Encrypt>; the answer must never be the message's plaintext."""
    params, body = signed("新建 机密事项 @李娜 3天内", msg_id=9)
    assert post(office, params, body).status_code == 200
    encrypted = body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    answer = requests.get(office.wecom.sandbox.state.config.callback_url,
                          params={**params, "echostr": encrypted}, timeout=10)
    assert answer.status_code in (400, 403)
    assert "机密事项" not in answer.text and "<xml>" not in answer.text


@pytest.mark.parametrize("tamper", ["signature", "stale", "future", "malformed", "entity bomb",
                                    "external entity", "oversized", "no query", "wrong corp"])
def test_refused_callbacks_change_nothing(office, tamper):
    params, body = signed("新建 伪造任务 @李娜 3天内", msg_id=99)
    if tamper == "signature":
        params["msg_signature"] = "0" * 40
    elif tamper in ("stale", "future"):
        offset = -600 if tamper == "stale" else 600
        params, body = signed("新建 伪造任务 @李娜 3天内", timestamp=int(time.time()) + offset)
    elif tamper == "malformed":
        body = b"<xml><Encrypt>unterminated"
    elif tamper == "entity bomb":
        body = (b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>'
                b"<xml><Encrypt>&c;</Encrypt></xml>")
    elif tamper == "external entity":
        body = (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b"<xml><Encrypt>&e;</Encrypt></xml>")
    elif tamper == "oversized":
        body = b"<xml><Encrypt>" + b"A" * 1_000_000 + b"</Encrypt></xml>"
    elif tamper == "no query":
        params = {}
    elif tamper == "wrong corp":
        xml = build_text_xml("wwother", "zhangwei", "新建 伪造任务 @李娜", 5, 1000002,
                             int(time.time()))
        params, body = encrypt_callback(xml, TOKEN, AES_KEY, "wwother", str(int(time.time())),
                                        "n")

    answer = post(office, params, body)
    office.work()

    assert answer.status_code in (400, 403)
    assert counts(office) == (0, 0, 0)
    assert office.cards("lina") == []


@pytest.mark.parametrize("body", [b"", b"\x00\xff" * 50, "中文".encode(), b"<xml/>"])
def test_junk_bodies_never_cause_a_server_error(office, body):
    params, _ = signed("x")
    answer = post(office, params, body)
    assert answer.status_code in (400, 403)


def test_health_reports_database_and_redis(office):
    base = office.wecom.sandbox.state.config.callback_url.rsplit("/wecom", 1)[0]
    answer = requests.get(f"{base}/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.parametrize(("method", "query"), [
    ("post", {"msg_signature": "x", "timestamp": "\u00b2", "nonce": "n"}),
    ("post", {"msg_signature": "x", "timestamp": "9" * 400, "nonce": "n"}),
    ("post", {"msg_signature": "\u00e9", "timestamp": "{now}", "nonce": "n"}),
    ("get", {"msg_signature": "\u00e9", "timestamp": "{now}", "nonce": "n", "echostr": "a"}),
])
def test_a_query_wecom_could_not_send_is_a_400_not_a_server_error(office, method, query):
    """The three one-request 500s found in the hardening probe, each refused plainly."""
    params = {k: v.replace("{now}", str(int(time.time()))) for k, v in query.items()}
    url = office.wecom.sandbox.state.config.callback_url
    answer = requests.request(method, url, params=params, data=b"<xml/>", timeout=10)
    assert answer.status_code == 400
    assert counts(office) == (0, 0, 0)
