"""DingTalk's http-mode verifier and decoders, on their own: DingTalk's published
vector, the signed robot message, and every refusal (forged, stale, malformed, oversized,
impossible fields) as a definite 400/403."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from integrations.dingtalk.callback import CallbackRefused, DingTalkVerifier
from integrations.dingtalk.events import ImpossibleField, contact_event, robot_message
from tasks.messaging.inbound import CardAction, DirectoryChange, TextMessage
from tests.dingtalk_helpers import (
    AES_KEY,
    APP_KEY,
    APP_SECRET,
    TOKEN,
    encrypt,
    event_body,
    event_query,
    signed_headers,
)
from tests.dingtalk_helpers import robot_message as message

# DingTalk's published vector (github.com/open-dingtalk/DingTalk-Callback-Crypto,
# DingCallbackCrypto3.py).
VECTOR_OWNER = "ding6ccabc44d2c8d38b"
VECTOR_SIGNATURE = "03044561471240d4a14bb09372dfcfd4fd0e40cb"
VECTOR_TIMESTAMP = "1608001896814"
VECTOR_NONCE = "WL4PK6yA"
VECTOR_ENCRYPT = ("0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15"
                  "NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3")
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def verifier(**kwargs) -> DingTalkVerifier:
    return DingTalkVerifier(kwargs.pop("app_key", APP_KEY), APP_SECRET, TOKEN, AES_KEY,
                            **kwargs)


def test_the_published_vector_is_a_url_check_answered_with_the_encrypted_success() -> None:
    published = verifier(app_key=VECTOR_OWNER)
    when = datetime.fromtimestamp(int(VECTOR_TIMESTAMP) / 1000, UTC)
    params = {"msg_signature": VECTOR_SIGNATURE, "timestamp": VECTOR_TIMESTAMP,
              "nonce": VECTOR_NONCE}
    body = json.dumps({"encrypt": VECTOR_ENCRYPT}).encode()

    assert published.events(params, body, when) == ("check_url", [])

    answer = published.success(when, nonce="abcdefgh")
    assert set(answer) == {"msg_signature", "timeStamp", "nonce", "encrypt"}
    assert answer["timeStamp"] == VECTOR_TIMESTAMP
    # Signed like one of DingTalk's own pushes, and decrypting to the literal `success`.
    assert event_query(answer["encrypt"], answer["timeStamp"], answer["nonce"])[
        "msg_signature"] == answer["msg_signature"]
    assert published._decrypt(answer["encrypt"]) == "success"  # noqa: SLF001


def test_the_published_vector_is_refused_when_stale_forged_or_for_another_app() -> None:
    when = datetime.fromtimestamp(int(VECTOR_TIMESTAMP) / 1000, UTC)
    params = {"msg_signature": VECTOR_SIGNATURE, "timestamp": VECTOR_TIMESTAMP,
              "nonce": VECTOR_NONCE}
    body = json.dumps({"encrypt": VECTOR_ENCRYPT}).encode()
    with pytest.raises(CallbackRefused) as stale:
        verifier(app_key=VECTOR_OWNER).events(params, body, when + timedelta(minutes=6))
    assert stale.value.status == 403
    with pytest.raises(CallbackRefused) as forged:
        verifier(app_key=VECTOR_OWNER).events({**params, "nonce": "other"}, body, when)
    assert forged.value.status == 403
    with pytest.raises(CallbackRefused) as other_app:
        verifier().events(params, body, when)
    assert other_app.value.status == 403


def test_a_signed_robot_message_becomes_a_text_message_keyed_by_its_msg_id() -> None:
    body = json.dumps(message("lina", "  帮助 ", "msgAbC+/=1")).encode()
    decoded = verifier().robot_message(signed_headers(NOW_MS), body, NOW)
    assert decoded == TextMessage("msgAbC+/=1", "lina", "帮助", "dingtalk")


def test_other_msgtypes_are_ignored_like_wecoms() -> None:
    picture = {**message("lina", "", "msg2"), "msgtype": "picture", "content": {}}
    assert verifier().robot_message(signed_headers(NOW_MS), json.dumps(picture).encode(),
                                    NOW) is None


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 400),
    ({"timestamp": str(NOW_MS)}, 400),
    ({"timestamp": "12ab", "sign": "x"}, 400),
    ({"timestamp": "9" * 40, "sign": "x"}, 400),
    ({"timestamp": str(NOW_MS), "sign": "é"}, 400),
    (signed_headers(NOW_MS, "another-secret"), 403),
    (signed_headers(NOW_MS - 6 * 60 * 1000), 403),
    (signed_headers(NOW_MS + 6 * 60 * 1000), 403),
])
def test_forged_stale_and_malformed_robot_headers_are_refused(headers, status) -> None:
    body = json.dumps(message("lina", "帮助", "msg1")).encode()
    with pytest.raises(CallbackRefused) as refused:
        verifier().robot_message(headers, body, NOW)
    assert refused.value.status == status


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe", b"[" * 100_000, b"[]", b'"text"',
    json.dumps(message("l" * 65, "帮助", "msg1")).encode(),
    json.dumps(message("li na", "帮助", "msg1")).encode(),
    json.dumps(message("lina", "帮助", "m" * 129)).encode(),
    json.dumps(message("lina", "帮助", "msg 1")).encode(),
    json.dumps(message("lina", "帮助", "msg1", conversationType="3")).encode(),
    json.dumps(message("lina", "帮助", "msg1", createAt="soon")).encode(),
    json.dumps({**message("lina", "帮助", "msg1"), "text": "帮助"}).encode(),
    json.dumps({**message("lina", "帮助", "msg1"), "text": {"content": 12}}).encode(),
])
def test_malformed_or_impossible_robot_messages_are_refused_400(body) -> None:
    with pytest.raises(CallbackRefused) as refused:
        verifier().robot_message(signed_headers(NOW_MS), body, NOW)
    assert refused.value.status == 400


def test_an_oversized_body_is_refused_400_before_anything_else() -> None:
    with pytest.raises(CallbackRefused) as refused:
        verifier(max_body=1000).robot_message({}, b"x" * 1001, NOW)
    assert refused.value.status == 400


def test_a_card_click_becomes_a_card_action_with_its_card_as_update_handle() -> None:
    click = {"outTrackId": "card_12", "corpId": "ding1", "userId": "lina",
             "content": json.dumps({"cardPrivateData": {"actionIds": ["accept:12"],
                                                        "params": {}}}),
             "extension": "{}", "type": "actionCallback", "spaceType": "im", "spaceId": "x"}
    decoded = verifier().card_action(signed_headers(NOW_MS), json.dumps(click).encode(), NOW)
    assert isinstance(decoded, CardAction)
    assert (decoded.sender, decoded.card_id, decoded.action, decoded.response_code,
            decoded.platform) == ("lina", "card_12", "accept:12", "card_12", "dingtalk")
    assert decoded.key == f"card:lina:card_12:accept:12:{NOW_MS}"
    bad = {**click, "content": json.dumps({"cardPrivateData": {"actionIds": ["a b"]}})}
    with pytest.raises(CallbackRefused) as refused:
        verifier().card_action(signed_headers(NOW_MS), json.dumps(bad).encode(), NOW)
    assert refused.value.status == 400


def test_contact_events_become_lookups_one_per_id() -> None:
    params, body = event_body({"EventType": "user_leave_org", "UserId": ["lina", "liuyang"],
                               "TimeStamp": NOW_MS, "CorpId": "ding1"}, str(NOW_MS))
    event_type, changes = verifier().events(params, body, NOW)
    assert event_type == "user_leave_org"
    assert [(c.change, c.userid, c.lookup, c.platform) for c in changes] == [
        ("delete_user", "lina", True, "dingtalk"), ("delete_user", "liuyang", True, "dingtalk")]
    assert len({c.key for c in changes}) == 2
    params, body = event_body({"EventType": "org_dept_create", "DeptId": [5],
                               "TimeStamp": NOW_MS}, str(NOW_MS))
    assert [(c.change, c.department_id) for c in verifier().events(params, body, NOW)[1]] == [
        ("update_party", "5")]
    params, body = event_body({"EventType": "bpms_task_change", "TimeStamp": NOW_MS},
                              str(NOW_MS))
    assert verifier().events(params, body, NOW) == ("bpms_task_change", [])


def test_the_current_push_shape_is_keyed_by_its_event_id_as_on_the_stream() -> None:
    """DingTalk's event pages (企业增加员工事件, 通讯录企业部门创建) push `userId` / `deptId`
    and an `eventId`, the same id the Stream carries: the key is the Stream's, so a change
    delivered both ways acts once."""
    params, body = event_body({"EventType": "user_add_org", "EventTime": NOW_MS,
                               "CorpId": "ding1", "BizId": "b1", "eventId": "ev42",
                               "timeStamp": str(NOW_MS), "userId": ["lina"]}, str(NOW_MS))
    [change] = verifier().events(params, body, NOW)[1]
    assert (change.change, change.userid, change.key) == (
        "update_user", "lina", "contact:ev42:lina")
    [streamed] = contact_event("user_add_org", {"timeStamp": str(NOW_MS), "userId": ["lina"]},
                               "ev42")
    assert streamed.key == change.key
    params, body = event_body({"EventType": "org_dept_remove", "eventId": "ev43",
                               "deptId": [432825033]}, str(NOW_MS))
    assert [(c.change, c.department_id) for c in verifier().events(params, body, NOW)[1]] == [
        ("delete_party", "432825033")]


@pytest.mark.parametrize(("mutate", "status"), [
    (lambda q, b: ({**q, "msg_signature": "0" * 40}, b), 403),
    (lambda q, b: ({**q, "timestamp": str(NOW_MS - 3_600_000)}, b), 403),
    (lambda q, b: ({k: v for k, v in q.items() if k != "nonce"}, b), 400),
    (lambda q, b: ({**q, "timestamp": "²"}, b), 400),
    (lambda q, b: (q, b"{}"), 400),
    (lambda q, b: (q, b"{"), 400),
    (lambda q, b: (q, json.dumps({"encrypt": 5}).encode()), 400),
])
def test_forged_stale_and_malformed_event_pushes_are_refused(mutate, status) -> None:
    params, body = event_body({"EventType": "user_add_org", "UserId": ["lina"]}, str(NOW_MS))
    params, body = mutate(params, body)
    with pytest.raises(CallbackRefused) as refused:
        verifier().events(params, body, NOW)
    assert refused.value.status == status


def test_a_signed_event_that_does_not_decrypt_or_names_impossible_ids_is_refused_400() -> None:
    garbage = "QUJD" * 8
    params = event_query(garbage, str(NOW_MS))
    with pytest.raises(CallbackRefused) as refused:
        verifier().events(params, json.dumps({"encrypt": garbage}).encode(), NOW)
    assert refused.value.status == 400
    params, body = event_body({"EventType": "user_add_org", "UserId": ["x" * 65]}, str(NOW_MS))
    with pytest.raises(CallbackRefused) as impossible:
        verifier().events(params, body, NOW)
    assert impossible.value.status == 400
    params, body = event_body({"EventType": "org_dept_remove", "DeptId": [2**40]}, str(NOW_MS))
    with pytest.raises(CallbackRefused):
        verifier().events(params, body, NOW)


def test_decoders_refuse_what_dingtalk_cannot_send() -> None:
    with pytest.raises(ImpossibleField):
        robot_message({"msgtype": "text", "msgId": "m1", "senderStaffId": ["lina"]})
    with pytest.raises(ImpossibleField):
        contact_event("user_add_org", {"userId": "lina"}, "e1")
    assert contact_event("user_add_org", {"userId": ["lina", "lina"]}, "e1") == [
        DirectoryChange(key="contact:e1:lina", sender="sys", change="update_user",
                        userid="lina", platform="dingtalk", lookup=True)]
    assert encrypt("x")  # the helper's own encryption works with the test key
