"""Keyed sends and the per-member limit, through the sandbox's WeCom protocol.

A sender killed after WeCom accepted a message but before it recorded the send leaves
the row in `sending`; five minutes later it is released and sent again. Every send to a
member is keyed: WeCom's duplicate check drops that resend. Group robots have no duplicate
check, so a group post is at-least-once. WeCom drops beyond 30 messages a minute to one
member, so the sender waits instead.

WeCom only: keyed sends rest on WeCom's duplicate check of message/send.
DingTalk has no duplicate check for robot messages: its sends are at-least-once by
design (docs/dingtalk.md), so a resend after a lost answer may show twice there.
"""

from datetime import timedelta

from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from tasks.messaging.outbox import (
    queue_group_markdown,
    queue_image,
    queue_markdown,
    queue_text,
)
from tasks.models import OutboxMessage
from workers.jobs.messages import process_messages
from workers.sweep import sweep


def outbox(office) -> list[OutboxMessage]:
    with office.rt.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


ROBOT = "robot-key-zonghe"


def send_killed_before_recording(office, markdown: bool = False, image: bool = False,
                                 group: bool = False) -> None:
    """Queue one row and send it; then undo the recording, as if the sender had died."""
    queue = queue_markdown if markdown else queue_text
    with office.rt.sessions.begin() as session:
        if image:
            queue_image(session, "lina", PNG, now=office.rt.clock())
        elif group:
            queue_group_markdown(session, ROBOT, "**本周小结**", now=office.rt.clock())
        else:
            queue(session, "lina", "提醒：#7 今天 17:00 到期", now=office.rt.clock())
    process_messages()
    replay_after_a_crash(office)


def replay_after_a_crash(office) -> None:
    """Undo the recording of the sent rows, as if their sender had died mid-send; then let
    the sweep release them and a worker send them again."""
    claimed_at = office.rt.clock()
    with office.rt.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(
            state="sending", next_attempt_at=claimed_at, sent_at=None, platform_msgid=None))
    office.rt.redis.flushdb()

    office.rt.clock.advance(minutes=6)  # past the release of rows stuck in `sending`
    assert sweep(office.rt) is True
    office.work()


def test_a_text_repeated_after_a_crash_reaches_the_chat_once(office):
    send_killed_before_recording(office)

    assert office.replies("lina") == ["提醒：#7 今天 17:00 到期"]
    sends = office.sent_calls("message")
    assert [(c.ok, c.duplicate) for c in sends] == [(True, False), (True, True)]
    [row] = outbox(office)
    assert row.state == "sent" and row.attempts == 2 and row.platform_msgid


def test_a_markdown_send_is_keyed_too(office):
    send_killed_before_recording(office, markdown=True)
    assert len(office.replies("lina")) == 1
    assert [c.duplicate for c in office.sent_calls("message")] == [False, True]


def test_a_picture_sent_again_after_a_crash_is_uploaded_once_and_reaches_the_chat_once(office):
    send_killed_before_recording(office, image=True)

    images = [m for m in office.transcript("lina") if m.kind == "image"]
    assert len(images) == 1
    assert len(office.sent_calls("upload")) == 1
    assert [c.duplicate for c in office.sent_calls("message")] == [False, True]
    [row] = outbox(office)
    assert row.state == "sent" and row.attempts == 2


def test_a_reply_repeated_after_a_crash_reaches_the_chat_once(office):
    office.say("lina", "帮助")
    replay_after_a_crash(office)

    [reply] = office.replies("lina")
    assert "指令一览" in reply
    assert [c.duplicate for c in office.sent_calls("message")] == [False, True]


def test_a_group_post_repeated_after_a_crash_appears_twice(office):
    """At-least-once: a group robot has no duplicate check, so nothing can drop the resend."""
    office.add_group(ROBOT, "综合科工作群")
    send_killed_before_recording(office, group=True)

    assert [p.text for p in office.group_posts(ROBOT)] == ["**本周小结**"] * 2
    [row] = outbox(office)
    assert row.state == "sent" and row.attempts == 2


def test_a_burst_to_one_member_is_spread_over_minutes_without_loss(office):
    texts = [f"第 {n} 条通知" for n in range(1, 36)]
    with office.rt.sessions.begin() as session:
        for text in texts:
            queue_text(session, "lina", text, now=office.rt.clock())
        queue_text(session, "zhangwei", "别人的消息不受影响", now=office.rt.clock())

    process_messages()

    assert office.replies("lina") == texts[:office.rt.channel.limits.per_member_per_minute]
    assert office.replies("zhangwei") == ["别人的消息不受影响"]
    waiting = [row for row in outbox(office) if row.state != "sent"]
    assert [row.body["text"] for row in waiting] == texts[30:]
    first_sent = min(row.sent_at for row in outbox(office) if row.sent_at)
    for row in waiting:  # back in the queue, not counted as an attempt, due when room is made
        assert row.state == "pending" and row.attempts == 0 and row.last_error is None
        assert row.next_attempt_at == first_sent + timedelta(seconds=60)
    # one later run is scheduled for them, at that instant (rounded up to the second)
    registry = ScheduledJobRegistry(queue=office.rt.queue)
    [job_id] = registry.get_job_ids()
    scheduled = registry.get_scheduled_time(job_id)
    due = waiting[0].next_attempt_at
    assert due <= scheduled < due + timedelta(seconds=1)

    office.rt.clock.advance(seconds=30)  # still inside the first minute: nothing more
    process_messages()
    assert len(office.replies("lina")) == 30

    office.rt.clock.advance(seconds=30)
    process_messages()

    assert office.replies("lina") == texts  # all of them, once each, in order
    rows = outbox(office)
    assert all(row.state == "sent" and row.attempts == 1 for row in rows)


def test_a_card_update_does_not_count_against_the_minute(office):
    office.say("zhangwei", "新建 核对名单 @李娜 3天内")
    with office.rt.sessions.begin() as session:
        for n in range(30):
            queue_text(session, "lina", f"通知 {n}", now=office.rt.clock())
    process_messages()
    office.click("lina", "接办")  # the card is redrawn although lina's minute is full

    card = office.cards("lina")[-1]
    assert card.disabled is True
    assert all(row.state == "sent" for row in outbox(office)
               if row.kind == "card_update")


def test_a_send_in_flight_at_another_sender_counts_towards_the_minute(office):
    with office.rt.sessions.begin() as session:
        rows = [queue_text(session, "lina", f"通知 {n}", now=office.rt.clock())
                for n in range(31)]
        session.flush()
        rows[0].state = "sending"  # another worker claimed it and is waiting for WeCom
        rows[0].attempts = 1

    process_messages()

    assert len(office.replies("lina")) == 29
    assert [row.state for row in outbox(office)][-1] == "pending"
