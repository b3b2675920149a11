"""The callback verifier against WeCom's official test vectors and hostile inputs."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.platform import CALLBACK_BODY_LONGEST
from integrations.wecom.callback import CallbackRefused, CallbackVerifier
from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback, encrypt_echo
from tasks.messaging.inbound import MESSAGE_LONGEST, CardAction, TextMessage

TOKEN, CORP_ID = "QDG6eK", "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
ECHO = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qcz"
    "cdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8q"
    "Ljvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4L"
    "UMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rU"
    "PA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXd"
    "Q2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_BODY = (
    f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{ENCRYPT}]]>"
    "</Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
).encode()
POST_QUERY = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
              "timestamp": "1409659813", "nonce": "1372623149"}
POST_TIME = datetime.fromtimestamp(1409659813, UTC)


@pytest.fixture
def verifier() -> CallbackVerifier:
    return CallbackVerifier(TOKEN, AES_KEY, CORP_ID)


def test_official_url_verification_vector_echoes_the_plaintext(verifier):
    query = {"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
             "timestamp": "1409659589", "nonce": "263014780", "echostr": ECHO}
    now = datetime.fromtimestamp(1409659589, UTC)
    assert verifier.verify_url(query, now) == "1616140317555161061"


def test_official_message_vector_decodes_to_a_text_message(verifier):
    message = verifier.decode(POST_QUERY, POST_BODY, POST_TIME)
    assert message == TextMessage(key="msg:4561255354251345929", sender="mycreate",
                                  text="hello")


def test_a_forged_signature_is_refused_as_untrusted(verifier):
    forged = {**POST_QUERY, "msg_signature": "0" * 40}
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(forged, POST_BODY, POST_TIME)
    assert refused.value.status == 403


@pytest.mark.parametrize("skew", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_timestamp_outside_five_minutes_is_refused(verifier, skew):
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(POST_QUERY, POST_BODY, POST_TIME + skew)
    assert refused.value.status == 403


def test_a_timestamp_within_the_window_is_accepted(verifier):
    assert verifier.decode(POST_QUERY, POST_BODY, POST_TIME + timedelta(minutes=4)) is not None


def test_another_corps_message_is_refused(verifier):
    other = CallbackVerifier(TOKEN, AES_KEY, "wwsomeoneelse")
    with pytest.raises(CallbackRefused) as refused:
        other.decode(POST_QUERY, POST_BODY, POST_TIME)
    assert refused.value.status == 403


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b"<xml><Encrypt>",
    b"<xml><NoEncrypt/></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<xml><Encrypt>&lol2;</Encrypt></xml>",
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>',
])
def test_malformed_or_unsafe_xml_is_refused_as_bad_request(verifier, body):
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(POST_QUERY, body, POST_TIME)
    assert refused.value.status == 400


def test_an_oversized_body_is_refused_before_parsing(verifier):
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(POST_QUERY, b"<xml>" + b"x" * (CALLBACK_BODY_LONGEST + 1) + b"</xml>",
                        POST_TIME)
    assert refused.value.status == 400


@pytest.mark.parametrize(("length", "kept"), [(MESSAGE_LONGEST, True),
                                               (MESSAGE_LONGEST + 1, False), (25_000, False)])
def test_a_signed_message_of_any_deliverable_length_is_decoded(verifier, length, kept):
    """A 25,000-character text is a ~100 KB body: read, verified, and kept as its length
    only when longer than we read (its answer is 消息过长)."""
    now = datetime.now(UTC)
    xml = build_text_xml(CORP_ID, "lina", "长" * length, 7, 218, int(now.timestamp()))
    query, body = encrypt_callback(xml, TOKEN, AES_KEY, CORP_ID, str(int(now.timestamp())), "n1")
    assert len(body) > 40_000
    message = verifier.decode(query, body, now)
    expected = TextMessage("msg:7", "lina", "长" * length) if kept else \
        TextMessage("msg:7", "lina", "", overlong=length)
    assert message == expected


@pytest.mark.parametrize("query", [
    {},
    {"msg_signature": "abc", "timestamp": "soon", "nonce": "1"},
    {"timestamp": "1409659813", "nonce": "1372623149"},
    {**POST_QUERY, "timestamp": "\u00b2"},  # str.isdigit() says yes, int() says no
    {**POST_QUERY, "timestamp": "9" * 400},  # too large for the clock arithmetic
    {**POST_QUERY, "msg_signature": "\u00e9" * 40},  # compare_digest takes ASCII only
    {**POST_QUERY, "nonce": "n" * 1000},
])
def test_missing_or_malformed_query_is_refused(verifier, query):
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(query, POST_BODY, POST_TIME)
    assert refused.value.status == 400


def test_correctly_signed_garbage_ciphertext_is_refused_not_crashed(verifier):
    import hashlib

    garbage = "bm90IHJlYWxseSBjaXBoZXJ0ZXh0"
    signature = hashlib.sha1("".join(sorted([TOKEN, "1409659813", "1", garbage])).encode())
    query = {"msg_signature": signature.hexdigest(), "timestamp": "1409659813", "nonce": "1"}
    body = f"<xml><Encrypt>{garbage}</Encrypt></xml>".encode()
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(query, body, POST_TIME)
    assert refused.value.status == 400


def test_card_click_decodes_to_a_card_action():
    from xml.etree.ElementTree import fromstring

    from integrations.wecom.events import decode_event

    xml = (
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[lina]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[accept:12]]></EventKey>"
        "<TaskId><![CDATA[mt12-1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        "<ResponseCode><![CDATA[rc-1]]></ResponseCode><AgentID>1000002</AgentID></xml>"
    )
    action = decode_event(fromstring(xml))
    assert action == CardAction(key="card:lina:1700000000:mt12-1:accept:12", sender="lina",
                                card_id="mt12-1", action="accept:12", response_code="rc-1")


@pytest.mark.parametrize("event", ["enter_agent", "click", "LOCATION"])
def test_events_the_product_does_not_use_are_ignored(event):
    from xml.etree.ElementTree import fromstring

    from integrations.wecom.events import decode_event

    xml = (f"<xml><FromUserName>lina</FromUserName><CreateTime>1</CreateTime>"
           f"<MsgType>event</MsgType><Event>{event}</Event><AgentID>1</AgentID></xml>")
    assert decode_event(fromstring(xml)) is None


def test_the_url_check_echoes_only_a_plaintext_shaped_like_wecoms(verifier):
    """A message's ciphertext sent as echostr must not come back decrypted (even without
    the web layer's signature claim, e.g. with Redis down)."""
    now = POST_TIME
    for plaintext in ("<xml><Content>机密</Content></xml>", "9" * 65):
        query = encrypt_echo(plaintext, TOKEN, AES_KEY, CORP_ID, str(int(now.timestamp())), "n")
        with pytest.raises(CallbackRefused) as refused:
            verifier.verify_url(query, now)
        assert refused.value.status == 400
    query = encrypt_echo("1616140317555161061", TOKEN, AES_KEY, CORP_ID,
                         str(int(now.timestamp())), "n")
    assert verifier.verify_url(query, now) == "1616140317555161061"


# -- fields WeCom cannot send (issue 13, findings 2 and 3) ------------------------------------

def _signed(fields: dict[str, str]) -> tuple[dict, bytes]:
    """A correctly signed and encrypted callback whose plaintext holds exactly `fields`."""
    from integrations.wecom.sandbox.envelope import cdata, encrypt_callback

    xml = "<xml>" + "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items()) + "</xml>"
    return encrypt_callback(xml, TOKEN, AES_KEY, CORP_ID, POST_QUERY["timestamp"], "n1",
                            agent_id="1")


TEXT = {"ToUserName": CORP_ID, "FromUserName": "lina", "CreateTime": "1409659813",
        "MsgType": "text", "Content": "帮助", "MsgId": "42", "AgentID": "1000002"}
CLICK = {"ToUserName": CORP_ID, "FromUserName": "lina", "CreateTime": "1409659813",
         "MsgType": "event", "Event": "template_card_event", "EventKey": "accept:12",
         "TaskId": "mt12-1", "ResponseCode": "rc-1", "AgentID": "1000002"}
USER = {"ToUserName": CORP_ID, "FromUserName": "sys", "CreateTime": "1409659813",
        "MsgType": "event", "Event": "change_contact", "ChangeType": "update_user",
        "UserID": "lina", "Name": "李娜", "Position": "科员"}
PARTY = {"ToUserName": CORP_ID, "FromUserName": "sys", "CreateTime": "1409659813",
         "MsgType": "event", "Event": "change_contact", "ChangeType": "create_party",
         "Id": "7", "Name": "信息科", "ParentId": "1"}


@pytest.mark.parametrize(("base", "field", "value"), [
    (TEXT, "FromUserName", "u" * 65),  # finding 2: userids are at most 64 characters
    (TEXT, "FromUserName", "张伟"),
    (TEXT, "FromUserName", "li na"),
    (TEXT, "FromUserName", ""),
    (TEXT, "MsgId", "9" * 300),  # finding 3: a 64-bit number
    (TEXT, "MsgId", str(2**64)),
    (TEXT, "MsgId", "12a"),
    (TEXT, "MsgId", "\u00b2"),
    (TEXT, "CreateTime", "soon"),
    (TEXT, "AgentID", "x"),
    (TEXT, "MsgType", "t" * 65),
    (TEXT, "MsgType", "文本"),
    (CLICK, "Event", "template card"),
    (CLICK, "TaskId", "t" * 129),
    (CLICK, "TaskId", "mt12:1"),
    (CLICK, "EventKey", "k" * 1025),
    (CLICK, "EventKey", "键" * 342),  # 1,026 bytes
    (CLICK, "ResponseCode", "r" * 257),
    (CLICK, "ResponseCode", "码"),
    (USER, "ChangeType", "update user"),
    (USER, "UserID", "u" * 65),
    (USER, "NewUserID", "李娜"),
    (USER, "Name", "名" * 65),
    (USER, "Position", "职" * 129),
    (PARTY, "Id", "x"),
    (PARTY, "Id", str(2**32)),
    (PARTY, "ParentId", "9" * 70),
    (PARTY, "Name", "科" * 65),
])
def test_a_signed_message_with_a_value_wecom_cannot_send_is_refused(verifier, base, field,
                                                                    value):
    """Decision: 400, not 200-and-drop. WeCom retries a non-200 only a few times and each
    retry gets the same answer; the refusal names the field, never its value."""
    with pytest.raises(CallbackRefused) as refused:
        verifier.decode(*_signed({**base, field: value}), POST_TIME)
    assert refused.value.status == 400
    assert refused.value.reason == f"{field} is not what WeCom sends"


@pytest.mark.parametrize(("base", "field", "value"), [
    (TEXT, "FromUserName", "u" * 64),
    (TEXT, "FromUserName", "Li.Na-2_x@corp"),
    (TEXT, "MsgId", str(2**64 - 1)),
    (CLICK, "TaskId", "t" * 128),
    (CLICK, "EventKey", "k" * 1024),
    (CLICK, "ResponseCode", "r" * 256),
    (USER, "Name", "名" * 64),
    (USER, "Position", "职" * 128),
    (PARTY, "Id", str(2**32 - 1)),
])
def test_the_largest_values_wecom_can_send_are_accepted(verifier, base, field, value):
    assert verifier.decode(*_signed({**base, field: value}), POST_TIME) is not None


def test_what_wecom_can_send_fits_the_columns_it_is_stored_in():
    """The columns fit the platform (or the edge refuses), so no stored message can fail
    for its size on PostgreSQL while passing on SQLite."""
    from integrations.wecom import events
    from tasks.models import Card, Department, InboxMessage, OutboxMessage, Person
    from tasks.models.base import column_length

    assert column_length(InboxMessage.platform_key) == events.KEY_LONGEST
    for column in (Person.userid, OutboxMessage.recipient):
        assert column_length(column) >= 64  # a userid
    assert column_length(Person.name) >= 64 and column_length(Person.position) >= 128
    assert column_length(Department.name) >= 64
    assert column_length(Department.platform_id) >= len(str(2**32))
    assert column_length(Card.platform_card_id) >= 128  # a template card's task_id
    for column in (Card.update_handle, OutboxMessage.update_handle):
        assert column_length(column) >= 256  # a ResponseCode
    assert len(f"msg:{2**64 - 1}") <= events.KEY_LONGEST


def test_a_long_card_click_keeps_a_key_that_fits_and_stays_distinct(verifier):
    keys = set()
    for last in "ab":
        click = {**CLICK, "FromUserName": "u" * 64, "TaskId": "t" * 128,
                 "EventKey": "k" * 1000 + last}
        message = verifier.decode(*_signed(click), POST_TIME)
        assert isinstance(message, CardAction) and len(message.key) <= 200
        keys.add(message.key)
    assert len(keys) == 2


@pytest.mark.parametrize("key", ["accept:\u00b2", "accept:\u0661", "rate.\u00b2:12"])
def test_button_keys_with_non_ascii_digits_are_not_read_as_numbers(key):
    from tasks.presentation.cards import parse_button_key, split_action

    parsed = parse_button_key(key)
    assert parsed is None or split_action(parsed[0])[1] is None
