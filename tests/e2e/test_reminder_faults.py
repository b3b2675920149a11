"""Reminders survive faults: a worker killed mid-dispatch, Redis flushed, dispatchers racing.

The promise: the schedule is durable, it lives in the database, so a Redis flush or a
worker crash loses nothing and sends nothing twice. Each test makes a known set of
reminder rows fall due (tasks are created through the chat, then the due instant of chosen
pending rows is moved to now: their (timer, level, cycle) keys stay the ones the plan
wants, so the dispatcher sends them), and then checks, from the sandbox's chat transcripts
and the outbox, that each reminder reached each of its recipients exactly once and every
row ended `sent`. Run on whichever database the suite runs on (SQLite by default,
PostgreSQL with MASHANGBAN_TEST_DATABASE_URL).

The real `mashangban worker` processes read the system clock, so this module runs on real
time (as tests/e2e/test_processes.py does); waiting for them is polling with a deadline.

WeCom only: people join through WeCom's change_contact callback, one test hooks the WeCom
sandbox's gettoken, and "sent nothing twice" after a killed worker rests on WeCom's
duplicate check. DingTalk has no duplicate check for robot messages: its sends are at-least-once by
design (docs/dingtalk.md), so a resend after a lost answer may show twice there.
"""

import multiprocessing
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from tasks.models import OutboxMessage, Reminder, Task
from tests.clocks import ShiftedClock
from tests.e2e.processes import Workers, eventually
from workers.db import make_engine
from workers.jobs.messages import process_messages
from workers.jobs.reminders import dispatch_reminders
from workers.sweep import sweep

TAGS = "待接办|接办超时|突发事件·候班|突发事件·督办|进展提醒|进展超时|即将到期|催办|提醒"
TAGGED = re.compile(rf"【({TAGS})】任务 #(\d+)")
NTH = re.compile(r"（第(\d+)次催办）")


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: the worker processes read the system clock, so the sandbox must too."""
    return ShiftedClock()


# ---- the office's data ----------------------------------------------------------------------


def add_people(office, count: int) -> list[str]:
    """New members of 秘书科, joined through WeCom's change_contact callback."""
    userids = [f"tester{n:02d}" for n in range(count)]
    for n, userid in enumerate(userids):
        answer = office.change_contact("create_user", userid=userid, name=f"测试员{n:02d}",
                                       department=[2])
        assert answer == {"ok": True, "status": 200}
    return userids


def holders(office) -> dict[int, str]:
    with office.rt.sessions() as session:
        return {task.id: task.holder.userid for task in session.scalars(select(Task))}


def make_due(office, task_ids: list[int], *, timers: tuple[tuple[str, int], ...] | None = None
             ) -> list[int]:
    """Move the pending reminders of these tasks (all, or these (timer, level)) to now."""
    now = datetime.now(UTC)
    with office.rt.sessions.begin() as session:
        rows = session.scalars(select(Reminder).where(
            Reminder.state == "pending", Reminder.task_id.in_(task_ids))).all()
        chosen = [r for r in rows if timers is None or (r.timer, r.level) in timers]
        for row in chosen:
            row.due_at = now
        return sorted(r.id for r in chosen)


def row_states(office, ids: list[int]) -> Counter:
    with office.rt.sessions() as session:
        return Counter(session.scalars(select(Reminder.state).where(Reminder.id.in_(ids))))


def reminder_outbox(office) -> list[OutboxMessage]:
    """The reminder messages queued: texts made of reminder lines."""
    with office.rt.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "text").order_by(OutboxMessage.id))
        return [row for row in rows if reminder_lines(row.body["text"])]


def reminder_lines(text: str) -> list[tuple[int, str, int]]:
    """(task, tag, nth 催办) for every reminder in one message, merged or not."""
    lines = []
    for line in text.splitlines():
        tagged, nth = TAGGED.search(line), NTH.search(line)
        if tagged:
            lines.append((int(tagged.group(2)), tagged.group(1), int(nth.group(1)) if nth else 1))
    return lines


def received(office, userids: list[str]) -> dict[str, list[str]]:
    """The reminder messages each person's chat shows."""
    return {u: [t for t in office.replies(u) if t.startswith(("【", "你有"))
                and reminder_lines(t)] for u in userids}


def assert_each_outbox_message_delivered_once(office, userids: list[str]) -> None:
    chats = received(office, userids)
    queued: dict[str, Counter] = {u: Counter() for u in userids}
    for row in reminder_outbox(office):
        assert row.state == "sent", f"outbox row {row.id} ended {row.state}: {row.last_error}"
        queued.setdefault(row.recipient, Counter())[row.body["text"]] += 1
    for userid in userids:
        assert Counter(chats[userid]) == queued[userid], (
            f"{userid}'s chat does not show each queued reminder message exactly once")


def delivered_lines(office, userids: list[str]) -> Counter:
    """(recipient, task, tag, nth) over every reminder message in the chats."""
    lines: Counter = Counter()
    for userid, texts in received(office, userids).items():
        for text in texts:
            for line in reminder_lines(text):
                lines[(userid, *line)] += 1
    return lines


# ---- a worker killed mid-dispatch ------------------------------------------------------------

HOLDERS, TASKS_EACH, GROUPS = 40, 5, 8  # 200 reminders due, in 8 waves of 25


# In each round one more wave of 待接办 reminders (5 people × 5 tasks) falls due, a worker
# starts, and it is killed at one of these moments:
#   booted     RQ is listening; the reminder thread's first poll is due any moment
#   dispatched the wave's rows are marked sent (the dispatch transaction committed)
#   sending    a reminder message queued in this round has been claimed for sending
#   half-sent  half of the reminder messages queued in this round have reached WeCom
MOMENTS = ("booted", "dispatched", "sending", "half-sent")


def _booted(child) -> bool:
    return "Listening on" in child.log_path.read_text()


def _moment_reached(office, workers: Workers, child, moment: str, wave: list[int],
                    before: int) -> bool:
    if child.poll() is not None:
        raise AssertionError(f"the worker exited by itself:\n{workers.logs()}")
    if moment == "booted":
        return _booted(child)
    if moment == "dispatched":
        return row_states(office, wave)["sent"] > 0
    queued = [r for r in reminder_outbox(office) if r.id > before]
    if moment == "sending":
        return any(r.state in ("sending", "sent") for r in queued)
    return bool(queued) and 2 * sum(r.state == "sent" for r in queued) >= len(queued)


@pytest.mark.timeout(600)
def test_a_worker_killed_at_any_moment_loses_no_reminder_and_sends_none_twice(office, workers):
    people = add_people(office, HOLDERS)
    for n, userid in enumerate(people):  # each writes to the next five: 5 tasks each
        named = " ".join(f"@{people[(n + k) % HOLDERS]}" for k in range(1, TASKS_EACH + 1))
        office.say(userid, f"新建 核对第{n}号来文 {named} 3天内")
    by_holder: dict[str, list[int]] = {}
    for task_id, userid in holders(office).items():
        by_holder.setdefault(userid, []).append(task_id)
    assert sorted(len(v) for v in by_holder.values()) == [TASKS_EACH] * HOLDERS

    due: list[int] = []  # the rows made due so far, wave after wave (MOMENTS)
    happened = []
    for wave in range(GROUPS):
        group = people[wave * 5:(wave + 1) * 5]
        due += make_due(office, [t for u in group for t in by_holder[u]],
                        timers=(("first_response", 0),))
        moment = MOMENTS[wave % len(MOMENTS)]
        before = max((r.id for r in reminder_outbox(office)), default=0)
        child = workers.start()
        eventually(partial(_moment_reached, office, workers, child, moment, due[-25:], before),
                   f"wave {wave}: the moment '{moment}'", timeout=60, every=0.02)
        workers.kill(child)
        with office.rt.sessions.begin() as session:
            # A sender killed between claiming a message and recording it leaves the row
            # `sending`; the sweep releases it after 5 minutes. Age it instead of waiting.
            stuck = session.scalars(select(OutboxMessage).where(
                OutboxMessage.state == "sending")).all()
            for row in stuck:
                row.next_attempt_at -= timedelta(minutes=6)
        happened.append((moment, dict(row_states(office, due)), len(stuck)))

    final = workers.start()
    eventually(lambda: row_states(office, due)["sent"] == len(due) and all(
        r.state == "sent" for r in reminder_outbox(office)),
        f"every reminder sent after the kills {happened}", timeout=120)
    assert final.poll() is None, workers.logs()

    dropped = sum(1 for c in office.sent_calls("message") if c.duplicate)
    assert dropped <= sum(released for _, _, released in happened), (
        "WeCom's duplicate check only ever dropped resends of messages left `sending` by a "
        f"killed worker (kills: {happened})")
    assert len(due) == HOLDERS * TASKS_EACH
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.state == "sent")) == len(due), "only the rows made due were sent"
    assert_each_outbox_message_delivered_once(office, people)
    expected = Counter({(u, t, "待接办", 1): 1 for u, ts in by_holder.items() for t in ts})
    assert delivered_lines(office, people) == expected, (
        f"each 待接办 reminder reaches its holder exactly once (kills: {happened})")


# ---- Redis flushed ---------------------------------------------------------------------------

SEEDED_HOLDERS = "@lina @wangfang @majun @yangfan @zhaolei @huangtao @zhengxue @xuming"
SEEDED = ["lina", "wangfang", "majun", "yangfan", "zhaolei", "huangtao", "zhengxue", "xuming"]


def test_reminders_due_while_redis_is_flushed_are_sent_once(office):
    """In-process, step by step: the job the dispatcher queued is flushed away; the
    sweep finds the messages in the database and sends them, once."""
    for batch in range(3):
        office.say("zhoujianguo", f"新建 核对第{batch}批来文 {SEEDED_HOLDERS} 3天内")
    due = make_due(office, list(holders(office)), timers=(("first_response", 0),))
    office.rt.redis.flushdb()

    assert dispatch_reminders(office.rt) == len(due) == 24  # the database is the schedule
    office.rt.redis.flushdb()  # the send job it queued is gone
    office.work()
    assert delivered_lines(office, SEEDED) == Counter(), "nothing ran the lost job yet"

    office.rt.clock.advance(seconds=10)  # past the sweep's grace period
    assert sweep(office.rt) is True
    office.work()
    assert dispatch_reminders(office.rt) == 0, "nothing is dispatched twice"
    office.work()

    assert row_states(office, due) == Counter(sent=len(due))
    assert_each_outbox_message_delivered_once(office, SEEDED)
    expected = Counter({(u, t, "待接办", 1): 1 for t, u in holders(office).items()})
    assert delivered_lines(office, SEEDED) == expected


@pytest.mark.timeout(300)
def test_a_worker_keeps_sending_reminders_through_redis_flushes(office, workers):
    """A real worker runs while Redis is flushed over and over as reminders fall due."""
    for batch in range(3):
        office.say("zhoujianguo", f"新建 核对第{batch}批来文 {SEEDED_HOLDERS} 3天内")
    child = workers.start()
    eventually(lambda: _booted(child), "the worker listening")

    flushing, flushes = threading.Event(), Counter()

    def flush_until_stopped() -> None:
        while not flushing.is_set():
            office.rt.redis.flushdb()
            flushes["n"] += 1
            flushing.wait(0.01)

    flusher = threading.Thread(target=flush_until_stopped, daemon=True)
    flusher.start()
    try:
        due = make_due(office, list(holders(office)), timers=(("first_response", 0),))
        eventually(lambda: row_states(office, due)["sent"] == len(due),
                   "the reminders dispatched while Redis is being flushed", every=0.05)
        assert child.poll() is None, f"the worker died under the flushes:\n{workers.logs()}"
    finally:
        flushing.set()
        flusher.join()

    try:
        eventually(lambda: all(r.state == "sent" for r in reminder_outbox(office)),
                   "the reminder messages sent once Redis is left alone (the sweep)", timeout=90)
    except AssertionError as error:
        waiting = [(r.id, r.recipient, r.state, r.attempts, r.next_attempt_at, r.last_error)
                   for r in reminder_outbox(office) if r.state != "sent"]
        hint = ("BUG (shown deterministically by test_a_flush_during_a_token_refresh_"
                "leaves_no_reminder_stuck): a flush while the worker held the token lock made "
                "redis LockNotOwnedError escape the send, leaving the row `sending` for 5 min; "
                if "LockNotOwnedError" in workers.logs() else "")
        raise AssertionError(f"{hint}{error}; {flushes['n']} flushes; unsent: {waiting}"
                             f"\n{workers.logs()}") from None
    assert child.poll() is None, workers.logs()
    assert flushes["n"] > 10
    assert row_states(office, due) == Counter(sent=len(due))
    assert_each_outbox_message_delivered_once(office, SEEDED)
    expected = Counter({(u, t, "待接办", 1): 1 for t, u in holders(office).items()})
    assert delivered_lines(office, SEEDED) == expected


def test_a_flush_during_a_token_refresh_leaves_no_reminder_stuck(office):
    """Redis is flushed while a sender refreshes the access token under its Redis lock
    (the flush also emptied the token cache, so the next send must refresh): the reminder
    must still go out with the sweep's next round, not wait 5 minutes in `sending`."""
    office.say("zhangwei", "新建 核对来文 @李娜 3天内")
    [due] = make_due(office, [1], timers=(("first_response", 0),))
    app = office.wecom.sandbox.app
    plain = app.wsgi_app

    def flush_on_gettoken(environ, start_response):  # noqa: ANN001, ANN202
        if environ.get("PATH_INFO", "").endswith("/gettoken"):
            office.rt.redis.flushdb()  # the flush lands while the token lock is held
        return plain(environ, start_response)

    office.rt.redis.flushdb()  # the cached token is gone: the next send fetches one
    app.wsgi_app = flush_on_gettoken
    try:
        assert dispatch_reminders(office.rt) == 1
        office.work()
    finally:
        app.wsgi_app = plain
    office.rt.clock.advance(seconds=10)  # the sweep's next round
    sweep(office.rt)
    office.work()

    [row] = reminder_outbox(office)
    assert row.state == "sent", (
        f"BUG integrations/wecom/api.py:52 refresh_token + tasks/delivery.py:71 deliver: the "
        f"flush removed the token lock, so releasing it raised redis LockNotOwnedError, which "
        f"is no DeliveryError and escaped deliver(); the claimed outbox row stays "
        f"'{row.state}' until the sweep releases stale sends after 5 minutes "
        f"(docs/architecture.md promises a flush delays work by about 15 s)")
    assert row_states(office, [due]) == Counter(sent=1)
    assert delivered_lines(office, ["lina"]) == Counter({("lina", 1, "待接办", 1): 1})


# ---- two dispatchers racing ------------------------------------------------------------------

ROUNDS = 6
# Four holders in four sections, so each section head hears of one task per round.
RACED = {"lina": "zhangwei", "yangfan": "chenjing", "huangtao": "sunli", "zhengxue": "wuqiang"}


def _dispatch_after_barrier(database_url: str, now: str, barrier) -> int | str:  # noqa: ANN001
    """One dispatcher process: wait for the other, then dispatch what is due."""
    from sqlalchemy.orm import sessionmaker

    from tasks.calendar.office import load_calendar
    from tasks.core.office_rules import OfficeRules
    from tasks.reminders import schedule

    engine = make_engine(database_url)
    sessions, rules = sessionmaker(engine), OfficeRules()
    barrier.wait(timeout=60)
    try:
        with sessions.begin() as session:
            calendar = load_calendar(session, rules.working_hours)
            return schedule.dispatch_due(session, calendar, rules, datetime.fromisoformat(now))
    except Exception as error:  # reported to the test, which fails with it
        return f"{type(error).__name__}: {error}"
    finally:
        engine.dispose()


def expected_lines(office, row_ids: list[int]) -> Counter:
    """Who hears of each reminder of a task from a leader to one of RACED: 待接办 and
    即将到期 the holder; 接办超时 the section head; 催办 the holder and the section head,
    from the 3rd one on also the leader who assigned it (docs/reminders.md)."""
    tags = {"first_response": ("待接办", "接办超时"), "due_soon": ("即将到期",) * 2}
    lines: Counter = Counter()
    with office.rt.sessions() as session:
        for row in session.scalars(select(Reminder).where(Reminder.id.in_(row_ids))):
            holder, assigner = row.task.holder.userid, row.task.requester.userid
            head = RACED[holder]
            if row.timer == "overdue":
                people = (holder, head) + ((assigner,) if row.level >= 2 else ())
                for person in people:
                    lines[(person, row.task_id, "催办", row.level + 1)] += 1
            else:
                tag = tags[row.timer][row.level]
                lines[(head if row.level else holder, row.task_id, tag, 1)] += 1
    return lines


@pytest.mark.timeout(300)
def test_two_dispatchers_racing_send_each_reminder_once(office, database_url):
    recipients = [*RACED, *RACED.values(), "zhoujianguo", "liuyang"]
    context = multiprocessing.get_context("spawn")
    expected: Counter = Counter()
    with context.Pool(2) as pool:
        for number in range(ROUNDS):
            leader = ("zhoujianguo", "liuyang")[number % 2]
            office.say(leader, f"新建 核对第{number}批来文 @李娜 @杨帆 @黄涛 @郑雪 3天内")
            tasks = [t for t, u in holders(office).items() if u in RACED and t > 4 * number]
            due = make_due(office, tasks)
            with office.rt.sessions() as session:
                timers = {(r.timer, r.level) for r in session.scalars(
                    select(Reminder).where(Reminder.id.in_(due)))}
            assert {("first_response", 0), ("first_response", 1), ("overdue", 0),
                    ("overdue", 3)} <= timers
            barrier = context.Manager().Barrier(2)
            now = datetime.now(UTC).isoformat()
            sent = pool.starmap(_dispatch_after_barrier,
                                [(database_url, now, barrier), (database_url, now, barrier)])
            assert all(isinstance(n, int) for n in sent), f"a dispatcher failed: {sent}"
            assert sum(sent) == len(due), f"each row is sent by one of them: {sent}"
            assert row_states(office, due) == Counter(sent=len(due))

            expected += expected_lines(office, due)
            queued: Counter = Counter()
            for row in reminder_outbox(office):
                for line in reminder_lines(row.body["text"]):
                    queued[(row.recipient, *line)] += 1
            assert queued == expected, (
                f"round {number}: the outbox holds each reminder once per recipient ({sent})")

    process_messages()  # the dispatcher processes queued no send job; send here
    assert_each_outbox_message_delivered_once(office, recipients)
    assert delivered_lines(office, recipients) == expected


@pytest.mark.timeout(300)
def test_two_dispatchers_racing_over_a_backlog_send_each_reminder_once(office, database_url):
    """200 待接办 reminders due at once (a backlog after an outage), two dispatchers."""
    people = add_people(office, HOLDERS)
    for n, userid in enumerate(people):
        named = " ".join(f"@{people[(n + k) % HOLDERS]}" for k in range(1, TASKS_EACH + 1))
        office.say(userid, f"新建 核对第{n}号来文 {named} 3天内")
    due = make_due(office, list(holders(office)), timers=(("first_response", 0),))
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        barrier = context.Manager().Barrier(2)
        now = datetime.now(UTC).isoformat()
        sent = pool.starmap(_dispatch_after_barrier,
                            [(database_url, now, barrier), (database_url, now, barrier)])
    assert all(isinstance(n, int) for n in sent), f"a dispatcher failed: {sent}"
    assert sum(sent) == len(due) == HOLDERS * TASKS_EACH, sent
    assert row_states(office, due) == Counter(sent=len(due))

    process_messages()
    assert_each_outbox_message_delivered_once(office, people)
    expected = Counter({(u, t, "待接办", 1): 1 for t, u in holders(office).items()})
    assert delivered_lines(office, people) == expected, sent
