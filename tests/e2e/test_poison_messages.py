"""Messages no handling can succeed with: refused at the door, or set aside without holding
up anyone else (issue 13, findings 2 and 3).

Callbacks are signed and encrypted here exactly as WeCom does, with the office's clock.

WeCom only: it builds WeCom's signed, encrypted callbacks by hand to send what the
sandbox's chat would not.
"""

import uuid

import pytest
import requests
from sqlalchemy import func, select

from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback
from tasks.handling import flows
from tasks.messaging.inbound import TextMessage
from tasks.models import InboxMessage, OutboxMessage
from tests.conftest import TEST_WECOM
from workers.sweep import sweep

TOKEN = TEST_WECOM["MASHANGBAN_WECOM_TOKEN"]
AES_KEY = TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"]
CORP_ID = TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"]
LONG_SENDER = "u" * 70  # WeCom userids are at most 64 characters


def post_text(office, sender: str, text: str, msg_id: int):
    """`sender` writes `text`, as WeCom's signed and encrypted callback for message `msg_id`."""
    now = int(office.rt.clock.epoch())
    xml = build_text_xml(CORP_ID, sender, text, msg_id, 1000002, now)
    params, body = encrypt_callback(xml, TOKEN, AES_KEY, CORP_ID, str(now), uuid.uuid4().hex[:10])
    return requests.post(office.wecom.sandbox.state.config.callback_url, params=params, data=body,
                         timeout=10)


def inbox_rows(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0


def test_a_sender_wecom_cannot_have_is_refused_and_everyone_else_is_answered(office):
    """Finding 2: a signed message from a 70-character FromUserName stopped all processing
    on PostgreSQL. It is now refused at the callback and never stored."""
    answer = post_text(office, LONG_SENDER, "帮助", msg_id=1)
    office.work()

    assert answer.status_code == 400
    assert inbox_rows(office) == 0
    office.say("lina", "帮助")
    office.say("zhangwei", "新建 核对名单 @李娜 3天内")
    assert "指令一览" in office.last_reply("lina")
    assert "#1" in office.last_reply("zhangwei")


def test_a_message_id_wecom_cannot_send_gets_a_definite_answer(office):
    """Finding 3: a 300-digit MsgId was answered 503 (storage failed) on every retry. It is
    refused plainly, every time, and the messages after it are answered."""
    huge = int("9" * 300)
    first = post_text(office, "lina", "帮助", msg_id=huge)
    retry = post_text(office, "lina", "帮助", msg_id=huge)

    assert (first.status_code, retry.status_code) == (400, 400)
    assert inbox_rows(office) == 0
    assert post_text(office, "lina", "帮助", msg_id=2**64 - 1).status_code == 200
    office.work()
    assert "指令一览" in office.last_reply("lina")


def test_a_stored_message_that_fails_does_not_hold_up_the_messages_after_it(office):
    """Finding 2 inside the worker: a row stored before the callback checked senders (or any
    row whose handling fails) no longer stops every later job on it."""
    office.rt.inbox.store(TextMessage(key="msg:1", sender=LONG_SENDER, text="帮助"),
                          now=office.rt.clock())
    office.say("lina", "帮助")
    office.say("zhangwei", "新建 核对名单 @李娜 3天内")

    assert "指令一览" in office.last_reply("lina")
    assert "#1" in office.last_reply("zhangwei")
    with office.rt.sessions() as session:  # nor is anything queued for a sender nobody is
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == LONG_SENDER)) == 0


# -- retried, parked, reported ---------------------------------------------------------------

FAILED_REPLY = "抱歉，系统暂时无法处理你刚才的消息，已记录问题，请稍后再试。"


@pytest.fixture
def bug():
    """A bug in handling that only 李娜's messages run into; `bug.undo()` is the fix (a
    patch of its own: undoing the test's `monkeypatch` would undo the admin's settings)."""
    real = flows.handle
    monkeypatch = pytest.MonkeyPatch()

    def handle(session, message, **options):
        if message.sender == "lina":
            raise RuntimeError("a bug only lina's messages reach")
        return real(session, message, **options)

    monkeypatch.setattr(flows, "handle", handle)
    yield monkeypatch
    monkeypatch.undo()


def row(office, inbox_id: int = 1) -> InboxMessage:
    with office.rt.sessions() as session:
        found = session.get(InboxMessage, inbox_id)
        assert found is not None
        return found


def retry_when_due(office, **wait: float) -> bool:
    """Let `wait` pass; the sweep signals if anything is due, and the worker runs."""
    office.rt.clock.advance(**wait)
    signalled = sweep(office.rt)
    office.work()
    return signalled


def test_a_failing_message_is_retried_with_backoff_then_parked_and_told_once(office, bug):
    office.say("lina", "帮助")
    office.say("zhangwei", "帮助")  # the message after it is answered at once

    assert "指令一览" in office.last_reply("zhangwei")
    assert office.replies("lina") == []
    assert row(office).attempts == 1 and row(office).parked_at is None
    assert retry_when_due(office, seconds=6) is False, "waiting out its 10 s backoff"
    assert row(office).attempts == 1

    assert retry_when_due(office, seconds=10) is True
    assert row(office).attempts == 2 and office.replies("lina") == []
    assert retry_when_due(office, seconds=30) is False, "waiting out its 1 min backoff"

    assert retry_when_due(office, seconds=40) is True
    parked = row(office)
    assert parked.attempts == 3 and parked.parked_at is not None
    assert parked.error.startswith("RuntimeError")
    assert office.replies("lina") == [FAILED_REPLY]
    [notice] = office.replies("xuming")
    assert "第 1 条消息（发送人 lina）处理 3 次均失败（RuntimeError）" in notice
    assert "mashangban inbox retry 1" in notice and "帮助" not in notice

    assert retry_when_due(office, minutes=10) is False, "a parked row waits for an admin"
    assert office.replies("lina") == [FAILED_REPLY]
    assert len(office.replies("xuming")) == 1


def park(office, userid: str = "lina", text: str = "帮助") -> None:
    office.say(userid, text)
    retry_when_due(office, seconds=16)
    retry_when_due(office, seconds=66)


def test_an_admin_lists_parked_messages_without_their_text(office, bug, admin):
    park(office, text="新建 机密事项 @张伟 3天内")

    code, output = admin("inbox", "failed")

    assert code == 0
    header, line, *_ = output.splitlines()
    number, platform, received, sender, attempts, error = (c.strip() for c in line.split("\t"))
    assert (number, platform, sender, attempts, error) == ("1", "wecom", "lina", "3",
                                                           "RuntimeError")
    assert received.startswith("2026-11-24 09:00")  # the office's clock, Asia/Shanghai
    assert "机密事项" not in output


def test_a_message_put_back_after_the_fix_is_answered(office, bug, admin):
    park(office)
    bug.undo()  # the fix is deployed

    code, output = admin("inbox", "retry", "1")
    office.work()

    assert code == 0 and "第 1 条消息已放回" in output
    assert "指令一览" in office.last_reply("lina")
    assert row(office).processed_at is not None
    assert admin("inbox", "failed") == (0, "没有搁置的消息。\n")


def test_a_message_put_back_too_soon_is_parked_again_without_a_second_apology(office, bug,
                                                                              admin):
    park(office)

    assert admin("inbox", "retry", "1")[0] == 0
    office.work()

    again = row(office)
    assert again.parked_at is not None and again.attempts == 4
    assert office.replies("lina") == [FAILED_REPLY]


def test_a_dropped_message_is_never_tried_again(office, bug, admin):
    park(office)

    code, output = admin("inbox", "drop", "1")

    assert code == 0 and "第 1 条消息已放弃" in output
    assert admin("inbox", "failed") == (0, "没有搁置的消息。\n")
    assert retry_when_due(office, minutes=30) is False
    assert row(office).processed_at is not None and row(office).attempts == 3
    code, output = admin("inbox", "retry", "1")
    assert code == 2 and "没有搁置的第 1 条消息" in output


@pytest.mark.parametrize("command", ["retry", "drop"])
def test_only_parked_messages_can_be_put_back_or_dropped(office, admin, command):
    office.say("lina", "帮助")  # handled: nothing to retry or drop

    for inbox_id in ("1", "99"):
        code, output = admin("inbox", command, inbox_id)
        assert code == 2 and f"没有搁置的第 {inbox_id} 条消息" in output
    assert row(office).processed_at is not None


def test_a_stored_message_from_an_impossible_sender_is_parked_without_a_reply(office):
    """The sender of finding 2 cannot be answered (no outbox row holds them): parked after
    its attempts, the admins told, and no attempt to reply fails in its turn."""
    office.rt.inbox.store(TextMessage(key="msg:1", sender=LONG_SENDER, text="帮助"),
                          now=office.rt.clock())
    for wait in (6, 16, 66):  # stored without a signal: the sweep finds it, then its retries
        assert retry_when_due(office, seconds=wait) is True

    parked = row(office)
    assert parked.parked_at is not None and parked.attempts == 3
    assert parked.error.startswith("Unaddressable")
    assert "发送人 uuuu" in office.last_reply("xuming")
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == LONG_SENDER)) == 0
