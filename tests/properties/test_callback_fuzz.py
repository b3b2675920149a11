"""The callback under generated input (issue 13, "the edge never raises").

Through the real app (Flask's test client), on the test database and Redis, with the seeded
office's directory: any query, header and body; correctly signed URL checks with any echo;
and correctly signed and encrypted messages whose decrypted fields hold any value. The
properties:

- every answer is 2xx or 4xx, never 5xx;
- nothing is stored for a refused request, and a stored row holds only what WeCom can send;
- a message built only from values WeCom can send is accepted;
- the worker handles every stored row without a failure (so none is retried or parked),
  and nothing escapes it.

A fixed example budget keeps the file at about half a minute here.
"""

import itertools
import re
import string
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from integrations.wecom.sandbox.envelope import cdata, encrypt_callback, encrypt_echo, sign
from tasks.directory.sync import apply_snapshot
from tasks.messaging.inbound import from_payload
from tasks.models import InboxMessage, OutboxMessage
from tests.conftest import TEST_WECOM
from tests.seeded_office import seeded_directory
from webapp import create_app
from workers.jobs.messages import process_inbox
from workers.runtime import Runtime

TOKEN = TEST_WECOM["MASHANGBAN_WECOM_TOKEN"]
AES_KEY = TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"]
CORP_ID = TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"]
PATH = "/wecom/callback"
BUDGET = settings(max_examples=200, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
SERIAL = itertools.count()  # fresh message ids, the same on every run


@pytest.fixture
def office(runtime: Runtime) -> Iterator[tuple[Runtime, Any]]:
    """The app on the test database with the seeded directory, and its test client.

    Hypothesis runs every example in this one fixture, so the properties are stated per
    request (rows it added), not over the whole database.
    """
    with runtime.sessions.begin() as session:
        apply_snapshot(session, seeded_directory())
    yield runtime, create_app(runtime).test_client()


# -- any request -----------------------------------------------------------------------------

anything = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.hexdigits, min_size=40, max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "\u00b2", "\u00e9" * 40, "9" * 400, "n" * 1000, "<xml/>", "%00"]),
)
queries = st.dictionaries(st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr",
                                           "other"]), anything, max_size=5)
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                        max_size=40)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Content-Encoding", "Transfer-Encoding", "Accept",
                     "X-Forwarded-For", "User-Agent", "Content-Language", "Expect"]),
    header_values, max_size=4)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.builds(lambda inner: f"<xml><Encrypt>{inner}</Encrypt></xml>".encode(),
              st.text(alphabet=string.ascii_letters + string.digits + "+/=<>&;", max_size=200)),
    st.sampled_from([b"", b"<xml/>", b"<xml><Encrypt></Encrypt></xml>",
                     b'<!DOCTYPE x [<!ENTITY e "e">]><xml><Encrypt>&e;</Encrypt></xml>']),
)


@BUDGET
@given(method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "OPTIONS"]), query=queries,
       headers=headers, body=bodies, fresh=st.booleans(), signed=st.booleans())
def test_any_request_is_answered_without_a_server_error_and_stores_nothing(
        office, method, query, headers, body, fresh, signed):
    rt, client = office
    if fresh or signed:  # reach past the freshness check more often
        query = {**query, "timestamp": str(int(rt.clock().timestamp()))}
    if signed:  # and past the signature, to decryption of whatever the body holds
        query = {**query, "nonce": "n1", "msg_signature": sign(
            TOKEN, query["timestamp"], "n1", _encrypt_element(body) or query.get("echostr", ""))}
    before = _inbox_count(rt)

    answer = client.open(PATH, method=method, query_string=query, headers=headers, data=body)

    event(str(answer.status_code))
    assert answer.status_code < 500
    assert _inbox_count(rt) == before


# -- a genuine URL check with any echo -------------------------------------------------------

@BUDGET
@given(echo=st.one_of(st.text(min_size=1, max_size=100),
                      st.text(alphabet=string.digits, min_size=1, max_size=70)))
def test_a_signed_url_check_echoes_only_a_short_plain_echo(office, echo):
    rt, client = office
    query = encrypt_echo(echo, TOKEN, AES_KEY, CORP_ID, str(int(rt.clock().timestamp())),
                         uuid.uuid4().hex)

    answer = client.get(PATH, query_string=query)

    assert answer.status_code in (200, 400)
    plain_enough = len(echo) <= 64 and echo.isascii() and echo.isprintable() and "<" not in echo
    assert (answer.status_code == 200) == plain_enough
    if answer.status_code == 200:
        assert answer.text == echo


# -- genuine messages with any field values --------------------------------------------------

def _xml_char(c: str) -> bool:
    code = ord(c)
    return c in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


NOT_XML = ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff"]
xml_text = st.text(alphabet=st.characters(codec="utf-8").filter(_xml_char), max_size=60)

# Values WeCom can send (in the seeded office: people, departments and card keys it knows),
# and values it cannot.
POSSIBLE: dict[str, st.SearchStrategy[str]] = {
    "FromUserName": st.sampled_from(["lina", "zhangwei", "xuming", "zhoujianguo", "stranger",
                                     "u" * 64, "Li.Na-2_x@corp"]),
    "MsgId": st.integers(min_value=0, max_value=2**64 - 1).map(str),
    "CreateTime": st.integers(min_value=0, max_value=2**34).map(str),
    "AgentID": st.sampled_from(["1000002", "", "1"]),
    "MsgType": st.sampled_from(["text", "event", "image", "voice", "location"]),
    "Content": st.one_of(st.sampled_from([
        "帮助", "我的", "新建 核对名单 @李娜 3天内", "接办 #1", "进展 #1 已起草", "办结 #1 已完成",
        "转办 #1 @王芳 不归我管", "延期 #1 下周五 材料未齐", "催办 #1", "查询 #1", "撤销 #1 重复",
        "评价 #1 满意", "重办 #1 明天 再核", "收到", "请假 明天", "值班", "麻烦李娜明天把材料送来",
        "新建 #1 @秘书科 3天内", "2", "差", "",
    ]), xml_text),
    "Event": st.sampled_from(["template_card_event", "change_contact", "enter_agent",
                              "LOCATION", "click"]),
    "EventKey": st.one_of(st.sampled_from([
        "accept:1", "transfer:1", "rate.1:1", "rate.5:1", "redo.1:1", "rectify.1:1",
        "accept:\u00b2", "create.1:1", "cancel.1:1", "x:99999999999999999999999", "accept:"]),
        st.text(alphabet=st.characters(categories=("L", "N", "P", "S"), include_characters=" ",
                                       codec="utf-8"), min_size=1, max_size=40)),
    "TaskId": st.one_of(st.sampled_from(["mt1-1", "ma1-1-1", "mr1-1-1"]),
                        st.text(alphabet=string.ascii_letters + string.digits + "_@-",
                                min_size=1, max_size=128)),
    "ResponseCode": st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                            max_size=256),
    "ChangeType": st.sampled_from(["create_user", "update_user", "delete_user",
                                   "create_party", "update_party", "delete_party",
                                   "update_tag"]),
    "UserID": st.sampled_from(["lina", "zhangwei", "newbie", "u" * 64]),
    "NewUserID": st.sampled_from(["", "lina2", "newbie"]),
    "Name": st.sampled_from(["李娜", "新科", "名" * 64, ""]),
    "Position": st.sampled_from(["", "科员", "职" * 128]),
    "Id": st.integers(min_value=0, max_value=2**32 - 1).map(str),
    "ParentId": st.sampled_from(["1", "2", "99"]),
    "Department": st.sampled_from(["2", "2,3", "2,99,x", ""]),
    "IsLeaderInDept": st.sampled_from(["1", "0,1", "x"]),
    "Status": st.sampled_from(["1", "2", "4", "5", "x"]),
}
IMPOSSIBLE: dict[str, st.SearchStrategy[str]] = {
    "FromUserName": st.sampled_from(["u" * 65, "张伟", "li na", "", "a\tb"]),
    "MsgId": st.sampled_from(["9" * 300, str(2**64), "12a", "\u00b2", "-1", ""]),
    "CreateTime": st.sampled_from(["soon", "9" * 30, "\u0661"]),
    "AgentID": st.sampled_from(["x", "9" * 30]),
    "MsgType": st.sampled_from(["t" * 65, "文本", "te xt"]),
    "Event": st.sampled_from(["e" * 65, "事件"]),
    "EventKey": st.sampled_from(["k" * 1025, "键" * 342, ""]),
    "TaskId": st.sampled_from(["t" * 129, "mt1:1", "任务", ""]),
    "ResponseCode": st.sampled_from(["r" * 257, "码"]),
    "ChangeType": st.sampled_from(["update user", "c" * 65]),
    "UserID": st.sampled_from(["u" * 65, "李娜"]),
    "NewUserID": st.sampled_from(["u" * 65, "李 娜"]),
    "Position": st.just("职" * 129),
    "Id": st.sampled_from(["x", str(2**32), "9" * 70]),
    "ParentId": st.sampled_from(["x", str(2**32)]),
}
OVERLAID = sorted(set(POSSIBLE) - {"MsgType", "Event"})
ENVELOPE = {"ToUserName": CORP_ID, "CreateTime": "1795482000", "AgentID": "1000002"}
SHAPES = {
    "text": {"FromUserName": "lina", "MsgType": "text", "Content": "帮助", "MsgId": "1"},
    "click": {"FromUserName": "lina", "MsgType": "event", "Event": "template_card_event",
              "EventKey": "accept:1", "TaskId": "mt1-1", "ResponseCode": "rc-1"},
    "user": {"FromUserName": "sys", "MsgType": "event", "Event": "change_contact",
             "ChangeType": "update_user", "UserID": "lina"},
    "party": {"FromUserName": "sys", "MsgType": "event", "Event": "change_contact",
              "ChangeType": "update_party", "Id": "2"},
    "other": {"FromUserName": "lina", "MsgType": "event", "Event": "enter_agent"},
}


WEIGHTED_SHAPES = ["text"] * 4 + ["click"] * 2 + ["user", "party", "other"]


@st.composite
def messages(draw: st.DrawFn) -> tuple[dict[str, str], bool]:
    """(the decrypted fields, whether WeCom could have sent them all)."""
    fields = {**ENVELOPE, **SHAPES[draw(st.sampled_from(WEIGHTED_SHAPES))]}
    possible = True
    names = draw(st.lists(st.sampled_from(OVERLAID), max_size=5, unique=True))
    if draw(st.integers(0, 9)) == 0:  # now and then another kind of message altogether
        names.append(draw(st.sampled_from(["MsgType", "Event"])))
    for name in names:
        if name in IMPOSSIBLE and draw(st.integers(0, 7)) == 0:
            fields[name], possible = draw(IMPOSSIBLE[name]), False
        elif name not in ("FromUserName", "MsgType", "Event") and draw(st.integers(0, 9)) == 0:
            fields.pop(name, None)  # left out: ignored, or an update without it
        else:
            fields[name] = draw(POSSIBLE[name])
    if draw(st.integers(0, 9)) == 0:  # a value XML cannot carry: the plaintext is malformed
        fields["Content"], possible = draw(st.builds(
            "{}{}{}".format, st.text(max_size=3), st.sampled_from(NOT_XML), st.text(max_size=3))),\
            False
    return fields, possible


@BUDGET
@given(message=messages(), redelivery=st.integers(0, 4).map(lambda n: n == 4))
def test_a_signed_message_with_any_fields_is_answered_stored_or_refused_and_handled(
        office, message, redelivery):
    rt, client = office
    fields, possible = message
    if not redelivery and possible:  # mostly new messages, keyed by MsgId or CreateTime
        fresh = str(1_700_000_000 + next(SERIAL))
        fields.update({name: fresh for name in ("MsgId", "CreateTime") if name in fields})
    xml = "<xml>" + "".join(f"<{tag}>{cdata(value)}</{tag}>"
                            for tag, value in fields.items()) + "</xml>"
    query, body = encrypt_callback(xml, TOKEN, AES_KEY, CORP_ID,
                                   str(int(rt.clock().timestamp())), uuid.uuid4().hex)
    before = _inbox_ids(rt)

    answer = client.post(PATH, query_string=query, data=body)

    event(f"{answer.status_code} {'possible' if possible else 'impossible'}")
    assert answer.status_code in (200, 400), answer.text
    assert (answer.status_code == 200) or not possible, answer.text
    added = _inbox_ids(rt) - before
    assert len(added) <= 1 and (answer.status_code == 200 or not added)
    process_inbox(rt)  # raises nothing, whatever the rows hold
    event(f"stored: {bool(added)}")
    for inbox_id in added:
        _assert_stored_as_wecom_can_send(rt, inbox_id)


def _assert_stored_as_wecom_can_send(rt: Runtime, inbox_id: int) -> None:
    """The row holds what a genuine message holds, and the worker handled it at once."""
    with rt.sessions() as session:
        row = session.get(InboxMessage, inbox_id)
        assert row is not None
        message = from_payload(row.payload)
        assert USERID.fullmatch(message.sender) and len(row.platform_key) <= 200
        assert row.processed_at is not None, row.error
        assert (row.attempts, row.parked_at, row.error) == (0, None, None)
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            func.length(OutboxMessage.recipient) > 64)) == 0


def _encrypt_element(body: bytes) -> str:
    """The text of the body's Encrypt element as the verifier will read it, if any."""
    found = re.search(rb"<Encrypt>(.*?)</Encrypt>", body, re.S)
    return found.group(1).decode("utf-8", "replace").strip() if found else ""


def _inbox_ids(rt: Runtime) -> set[int]:
    with rt.sessions() as session:
        return set(session.scalars(select(InboxMessage.id)))


def _inbox_count(rt: Runtime) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0
