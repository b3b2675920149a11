"""Each recipient gets each message once, whatever happens between a sender and WeCom.

Two faults used to deliver a reply twice (issue 13, finding 5): WeCom answering after the
client had given up (the row was retried while the first request still landed), and a
worker killed after WeCom accepted a message but before the outcome was recorded (the row,
left `sending`, was sent again once released). Every send is now keyed: it carries WeCom's
duplicate check, so a resend of a row is the same request and WeCom drops it; a row whose
text another row has for the same person also carries a mark of its own, so the two stay
two messages.

The sandbox holds a call (`/sandbox/control/stall`) to play the slow WeCom; the worker is
a real `mashangban worker` process killed with SIGKILL. Real time, like the processes; the
test moves the clock forward instead of waiting.

WeCom only: the exactly-once guarantee rests on WeCom's duplicate check of message/send,
and the client's timeout and token cache are the WeCom adapter's.
DingTalk has no duplicate check for robot messages: its sends are at-least-once by
design (docs/dingtalk.md), so a resend after a lost answer may show twice there.
"""

import pytest
from sqlalchemy import select

from tasks.messaging import delivery
from tasks.messaging.outbox import queue_text
from tasks.models import OutboxMessage
from tests.clocks import ShiftedClock
from tests.e2e.processes import eventually
from workers.jobs.messages import process_messages, send_outbox
from workers.sweep import STALE_SENDING, sweep

GIVE_UP = 0.5  # seconds: the client timeout in the stalled tests, so they do not wait 10 s


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: the worker processes read the system clock, so the sandbox must too."""
    return ShiftedClock()


def outbox(office) -> list[OutboxMessage]:
    with office.rt.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def marks(office) -> list[tuple[bool, bool]]:
    """(stalled, dropped as a duplicate) for each message sent."""
    return [(c.stalled, c.duplicate) for c in office.sent_calls("message")]


def test_a_reply_wecom_answers_after_the_client_gave_up_reaches_the_chat_once(office):
    office.rt.channel.api.timeout = GIVE_UP
    office.stall("message")

    office.say("lina", "帮助")  # the send times out; WeCom is still working on it
    [row] = outbox(office)
    assert row.state == "pending" and "Timeout" in row.last_error
    assert office.release() == 1  # ... and then delivers it
    assert len(office.replies("lina")) == 1

    office.rt.clock.advance(seconds=delivery.RETRY_DELAYS[0] + 1)
    send_outbox(office.rt)  # the retry

    [reply] = office.replies("lina")
    assert "指令一览" in reply
    [row] = outbox(office)
    assert (row.state, row.attempts) == ("sent", 2)
    assert marks(office) == [(True, False), (False, True)], "WeCom dropped the retry"


def test_a_card_wecom_answers_after_the_client_gave_up_is_shown_once_and_stays_usable(office):
    office.rt.channel.api.timeout = GIVE_UP
    office.stall("message", times=2)  # the card and the confirmation

    office.say("zhangwei", "新建 核对名单 @李娜 3天内")
    assert [row.state for row in outbox(office)] == ["pending", "pending"]
    assert office.release() == 2
    office.rt.clock.advance(seconds=delivery.RETRY_DELAYS[0] + 1)
    send_outbox(office.rt)

    assert len(office.cards("lina")) == 1
    assert len(office.replies("zhangwei")) == 1
    assert all(row.state == "sent" for row in outbox(office)), [
        (row.kind, row.state, row.last_error) for row in outbox(office)]
    # By command: the card is redrawn with the code it came with, which the sandbox returns
    # again with the dropped duplicate (WeCom does not document what that answer carries).
    office.say("lina", "接办 #1")
    [card] = office.cards("lina")
    assert card.disabled is True and card.status == "已由李娜接办"


def test_a_token_fetch_wecom_never_answers_is_given_up_like_any_call(office):
    """The client timeout bounds every call of a send, gettoken too, so a row is never
    released while its sender still waits (wechatpy fetches tokens with no timeout)."""
    office.rt.channel.api.timeout = GIVE_UP
    office.rt.redis.delete(*office.rt.redis.keys("mashangban:wecom*"))  # no cached token
    office.stall("token", seconds=600)

    office.say("lina", "帮助")

    [row] = outbox(office)
    assert row.state == "pending" and "Timeout" in row.last_error
    office.release()
    office.rt.clock.advance(seconds=delivery.RETRY_DELAYS[0] + 1)
    send_outbox(office.rt)
    assert len(office.replies("lina")) == 1


@pytest.mark.timeout(300)
def test_a_worker_killed_after_wecom_accepted_a_reply_resends_it_and_it_arrives_once(
        office, workers):
    office.stall("message")
    office.say("lina", "帮助", work=False)
    child = workers.start()
    eventually(lambda: office.held() == 1, "the worker's reply reaching WeCom")

    workers.kill(child)  # mid-send: WeCom has the request, the outcome is never recorded
    assert office.release() == 1  # WeCom delivers it
    [row] = outbox(office)
    assert row.state == "sending"
    assert len(office.replies("lina")) == 1

    office.rt.clock.advance(seconds=STALE_SENDING.total_seconds() + 10)
    assert sweep(office.rt) is True  # releases the row and wakes a sender
    office.work()

    [reply] = office.replies("lina")
    assert "指令一览" in reply
    [row] = outbox(office)
    assert (row.state, row.attempts) == ("sent", 2)
    assert marks(office) == [(True, False), (False, True)], "WeCom dropped the resend"


def test_two_replies_with_the_same_text_both_arrive(office):
    """A resend must look like its row's first send, never like another row's: the same
    answer twice (one after the other, or queued together) is two messages."""
    office.say("lina", "我的")
    office.say("lina", "我的")
    with office.rt.sessions.begin() as session:
        for _ in range(2):
            queue_text(session, "lina", "请于今天17:00前报送周报", now=office.rt.clock())
    process_messages()

    replies = office.replies("lina")
    assert len(replies) == 4
    assert replies[0] == replies[1] and "没有待办任务" in replies[0]
    assert replies[2:] == ["请于今天17:00前报送周报"] * 2
    assert not any(c.duplicate for c in office.sent_calls("message"))


def test_a_card_update_resent_after_a_crash_leaves_the_card_as_one_update_left_it(office):
    office.say("zhangwei", "新建 核对名单 @李娜 3天内")
    office.click("lina", "接办")
    updated = office.cards("lina")
    assert [(c.disabled, c.status) for c in updated] == [(True, "已由李娜接办")]
    with office.rt.sessions.begin() as session:  # the sender died before recording it
        [row] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "card_update")).all()
        row.state, row.next_attempt_at = "sending", office.rt.clock()

    office.rt.clock.advance(seconds=STALE_SENDING.total_seconds() + 10)
    assert sweep(office.rt) is True
    office.work()

    assert office.cards("lina") == updated
    assert len(office.sent_calls("card_update")) == 2
