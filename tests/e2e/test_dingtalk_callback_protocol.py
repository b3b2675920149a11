"""DingTalk's http-mode URLs through the real app, on the test database and Redis: the
hostile-input set (forged, stale, malformed, oversized, replayed) on `/dingtalk/callback`,
`/dingtalk/card` and `/dingtalk/events`, never a 500 and nothing stored for a refusal; and
generated input (like tests/properties/test_callback_fuzz.py for WeCom)."""

import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tasks.models import InboxMessage
from tests.clocks import FrozenClock
from tests.dingtalk_helpers import (
    dingtalk_settings,
    event_body,
    event_query,
    robot_message,
    signed_headers,
)
from webapp import create_app
from workers.runtime import Runtime

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture
def rt(var_dir, database_url, redis_url, db, redis_conn) -> Runtime:
    return Runtime(dingtalk_settings(var_dir, database_url, redis_url, dingtalk_mode="http"),
                   clock=FrozenClock(NOW), _engine=db)


@pytest.fixture
def client(rt: Runtime) -> Iterator[Any]:
    yield create_app(rt).test_client()


def rows(rt: Runtime) -> int:
    with rt.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxMessage)) or 0)


def post_message(client, data: Any, headers: dict[str, str] | None = None,
                 path: str = "/dingtalk/callback") -> Any:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    sent = signed_headers(NOW_MS) if headers is None else headers
    return client.post(path, data=body, headers=sent)


def test_a_signed_message_is_stored_once_and_answered_with_empty_json(client, rt) -> None:
    answer = post_message(client, robot_message("lina", "帮助", "msgOne"))
    assert (answer.status_code, answer.get_json()) == (200, {})
    again = post_message(client, robot_message("lina", "帮助", "msgOne"))  # replayed as is
    assert again.status_code == 200
    assert rows(rt) == 1
    with rt.sessions() as session:
        row = session.scalars(select(InboxMessage)).one()
    assert (row.platform, row.platform_key, row.payload["text"]) == ("dingtalk", "msgOne", "帮助")


def test_a_captured_sign_carrying_another_body_is_refused(client, rt) -> None:
    headers = signed_headers(NOW_MS)
    assert post_message(client, robot_message("lina", "帮助", "msgA"), headers).status_code == 200
    forged = post_message(client, robot_message("zhangwei", "撤销 #1", "msgB"), headers)
    assert forged.status_code == 403
    assert rows(rt) == 1


@pytest.mark.parametrize("path", ["/dingtalk/callback", "/dingtalk/card"])
@pytest.mark.parametrize(("headers", "body", "status"), [
    (signed_headers(NOW_MS, "forged-secret"), None, 403),
    (signed_headers(NOW_MS - 10 * 60 * 1000), None, 403),
    ({}, None, 400),
    ({"timestamp": "1e3", "sign": "abc"}, None, 400),
    (signed_headers(NOW_MS), b"{not json", 400),
    (signed_headers(NOW_MS), b"\x00\xff", 400),
    (signed_headers(NOW_MS), b"[" * 50_000, 400),
    (signed_headers(NOW_MS), b" " * (600 * 1024), 400),
    (signed_headers(NOW_MS), json.dumps(robot_message("l" * 80, "x", "m1")).encode(), 400),
])
def test_hostile_signed_posts_are_refused_and_store_nothing(client, rt, path, headers, body,
                                                            status) -> None:
    click = {"outTrackId": "c1", "userId": "l" * 80, "type": "actionCallback",
             "content": json.dumps({"cardPrivateData": {"actionIds": ["k"]}})}
    default = robot_message("lina", "帮助", "msg9") if path.endswith("callback") else \
        {**click, "userId": "lina"}
    data = body if body is not None else default
    if body is not None and body.startswith(b'{"msgtype"') and path.endswith("card"):
        data = click
    answer = post_message(client, data, headers, path)
    assert answer.status_code == status
    assert rows(rt) == 0


def test_a_card_click_is_stored_as_a_card_action(client, rt) -> None:
    click = {"outTrackId": "card_3", "userId": "lina", "type": "actionCallback",
             "content": json.dumps({"cardPrivateData": {"actionIds": ["accept:3"]}})}
    assert post_message(client, click, path="/dingtalk/card").status_code == 200
    with rt.sessions() as session:
        payload = session.scalars(select(InboxMessage)).one().payload
    assert (payload["type"], payload["card_id"], payload["action"]) == (
        "card_action", "card_3", "accept:3")


def test_the_event_push_stores_each_change_and_answers_the_encrypted_success(client, rt) -> None:
    event = {"EventType": "user_modify_org", "UserId": ["lina", "zhangwei"],
             "TimeStamp": NOW_MS, "CorpId": "ding1"}
    params, body = event_body(event, str(NOW_MS))
    answer = client.post("/dingtalk/events", query_string=params, data=body)
    assert answer.status_code == 200
    reply = answer.get_json()
    assert event_query(reply["encrypt"], reply["timeStamp"], reply["nonce"])[
        "msg_signature"] == reply["msg_signature"]
    assert rows(rt) == 2
    again = client.post("/dingtalk/events", query_string=params, data=body)  # replayed
    assert again.status_code == 200
    assert rows(rt) == 2
    check_params, check_body = event_body({"EventType": "check_url"}, str(NOW_MS))
    assert client.post("/dingtalk/events", query_string=check_params,
                       data=check_body).status_code == 200
    assert rows(rt) == 2


@pytest.mark.parametrize(("mutate", "status"), [
    (lambda q, b: ({**q, "msg_signature": "f" * 40}, b), 403),
    (lambda q, b: ({**q, "timestamp": str(NOW_MS - 600_000)}, b), 403),
    (lambda q, b: ({}, b), 400),
    (lambda q, b: (q, b"nonsense"), 400),
    (lambda q, b: (q, b"x" * (600 * 1024)), 400),
])
def test_hostile_event_pushes_are_refused_and_store_nothing(client, rt, mutate,
                                                            status) -> None:
    params, body = event_body({"EventType": "user_add_org", "UserId": ["lina"]}, str(NOW_MS))
    params, body = mutate(params, body)
    assert client.post("/dingtalk/events", query_string=params, data=body).status_code == status
    assert rows(rt) == 0


def test_storage_down_is_answered_503_so_dingtalk_delivers_again(client, rt, monkeypatch) -> None:
    def down(*_args: Any, **_kwargs: Any) -> bool:
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(rt.inboxes["dingtalk"], "store", down)
    assert post_message(client, robot_message("lina", "帮助", "msgX")).status_code == 503
    params, body = event_body({"EventType": "user_add_org", "UserId": ["lina"]}, str(NOW_MS))
    assert client.post("/dingtalk/events", query_string=params, data=body).status_code == 503


anything = st.one_of(st.text(max_size=30), st.integers().map(str),
                     st.sampled_from(["", "²", "é" * 40, "9" * 400, str(NOW_MS)]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3), max_leaves=8)
message_fields = st.fixed_dictionaries({}, optional={
    "msgtype": st.sampled_from(["text", "picture", "x" * 70, 5]),
    "msgId": st.one_of(st.text(alphabet=string.ascii_letters + "+/=", max_size=140), json_values),
    "senderStaffId": st.one_of(st.from_regex(r"[A-Za-z0-9_.@-]{1,70}", fullmatch=True),
                               json_values),
    "text": st.one_of(st.fixed_dictionaries({"content": st.text(max_size=50)}), json_values),
    "conversationType": st.sampled_from(["1", "2", "3", 1]),
    "createAt": st.one_of(st.integers(), st.text(max_size=5)),
})


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(["timestamp", "sign", "Content-Type"]),
                               anything.filter(lambda v: v.isprintable() and v.isascii()),
                               max_size=3),
       body=st.binary(max_size=200))
def test_any_request_gets_2xx_or_4xx(client, rt, headers, body) -> None:
    for path in ("/dingtalk/callback", "/dingtalk/card", "/dingtalk/events"):
        assert client.post(path, data=body, headers=headers,
                           query_string=headers).status_code < 500


@FUZZ
@given(fields=message_fields)
def test_any_signed_message_gets_2xx_or_4xx_and_stores_only_what_dingtalk_sends(
        client, rt, fields) -> None:
    before = rows(rt)
    answer = post_message(client, fields, signed_headers(NOW_MS + len(str(fields))))
    assert answer.status_code in (200, 400, 403)
    if rows(rt) > before:
        with rt.sessions() as session:
            row = session.scalars(select(InboxMessage).order_by(InboxMessage.id.desc())).first()
        assert len(row.platform_key) <= 128 and 1 <= len(row.payload["sender"]) <= 64
