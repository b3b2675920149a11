"""Workers that share a backlog: every message acts once, a sender's messages in the order
they were sent, nothing is lost when a worker dies holding a batch, and replies go out
while the backlog is still being worked through."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from tasks.handling import inbox
from tasks.models import InboxMessage, Person, Task
from workers.jobs.messages import process_messages

SENDERS = ("zhoujianguo", "liuyang", "wangfang", "chenjing", "yangfan", "zhaolei", "sunli",
           "huangtao")
EACH = 3  # messages per sender: 24 cards for 李娜, within her 30 a minute


def send_backlog(office, senders=SENDERS, each=EACH) -> None:
    """Every sender asks for `each` tasks, one after another, before any worker runs."""
    for number in range(1, each + 1):
        for sender in senders:
            office.say(sender, f"新建 {sender}的第{number}份材料 @李娜 3天内", work=False)


def unprocessed(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)
                              .where(InboxMessage.processed_at.is_(None)))


def created_in_order(office) -> dict[str, list[str]]:
    """Each sender's tasks, in the order they were created (task numbers)."""
    with office.rt.sessions() as session:
        rows = session.execute(select(Person.userid, Task.title)
                               .join(Person, Person.id == Task.requester_id)
                               .order_by(Task.id)).all()
    created: dict[str, list[str]] = {}
    for userid, title in rows:
        created.setdefault(userid, []).append(title)
    return created


def test_two_workers_share_a_backlog_each_message_once_and_in_order(office):
    send_backlog(office)
    start = Barrier(2)

    def worker(_: int) -> dict[str, int]:
        start.wait()
        return process_messages()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(worker, range(2)))
    office.work()  # the jobs the callbacks queued find nothing left

    assert sum(run["handled"] for run in runs) == len(SENDERS) * EACH
    assert unprocessed(office) == 0
    expected = [f"{{}}的第{n}份材料" for n in range(1, EACH + 1)]
    assert created_in_order(office) == {
        sender: [title.format(sender) for title in expected] for sender in SENDERS}
    for sender in SENDERS:  # one answer per request, in the order asked
        numbers = [reply for reply in office.replies(sender) if "#" in reply]
        assert len(numbers) == EACH, office.replies(sender)
    titles = [card.subtitle for card in office.cards("lina")]
    assert sorted(titles) == sorted({title for titles in created_in_order(office).values()
                                     for title in titles})


def test_a_worker_killed_holding_a_batch_loses_nothing(office):
    send_backlog(office, SENDERS[:3], 2)
    with office.rt.sessions.begin() as session:  # a worker claims a batch, then dies
        lost = inbox.claim(session, office.rt.clock(), "dead-worker")
    assert {row.id for row in lost}, "the dead worker held the senders' first messages"

    process_messages()
    assert unprocessed(office) == len(lost) * 2, "its rows and what follows them wait"

    office.rt.clock.advance(seconds=inbox.LEASE.total_seconds() + 1)  # the claim lapses
    process_messages()
    office.work()

    assert unprocessed(office) == 0
    for sender in SENDERS[:3]:
        assert created_in_order(office)[sender] == [f"{sender}的第1份材料",
                                                    f"{sender}的第2份材料"]
    with office.rt.sessions.begin() as session:  # the worker was only slow: too late now
        assert not inbox.process(session, lost[0].id, now=office.rt.clock(),
                                 claimed=lost[0], claimant="dead-worker")
    assert len(office.cards("lina")) == 6


def test_a_reply_goes_out_while_the_backlog_is_still_being_worked(office, monkeypatch):
    send_backlog(office)
    waiting_at_sends: list[int] = []
    channel = office.rt.channels[office.platform]
    send_text = channel.send_text

    def watched(*args, **kwargs):
        waiting_at_sends.append(unprocessed(office))
        return send_text(*args, **kwargs)

    monkeypatch.setattr(channel, "send_text", watched)
    process_messages()

    assert unprocessed(office) == 0
    assert waiting_at_sends[0] > 0, "the first reply waited for the whole backlog"
    assert len(waiting_at_sends) == len(SENDERS) * EACH
