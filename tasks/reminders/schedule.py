"""Reminders and escalation (docs/reminders.md, "马上就办、有请必复"): planned from the task's
state, stored as rows, and dispatched exactly once.

`plan` is pure: from a task's state, its policy snapshot, the calendar and the office's
rules it says which reminders should exist and when they fall due. `reschedule` makes the
stored rows match the plan in the transaction of the change, so a reminder for a state
that has passed is cancelled before it can fire. `dispatch_due` claims due rows (row locks
with SKIP LOCKED on PostgreSQL; SQLite has one writer at a time), checks each against a
fresh plan, merges what one person is due to receive, queues the messages and marks the
rows sent, all in one transaction.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.core import ledger, sla
from tasks.core.authority import Authority
from tasks.core.office_rules import OfficeRules
from tasks.messaging.channel import ChannelLimits
from tasks.messaging.outbox import queue_text
from tasks.models import OPEN_STATES, Holding, Person, Reminder, Task, TaskOffer
from tasks.reminders.texts import merged, reminder_text, reporter_text
from tasks.routing import leave

EMERGENCY_STEP = timedelta(minutes=2)  # duty officer → standby → supervisor, minutes apart
LADDER_RUNGS = ("standby", "supervisors")  # the ladder's roles told in turn (tasks.ladder)
FIRST_RESPONSE, PROGRESS, DUE_SOON, OVERDUE = "first_response", "progress", "due_soon", "overdue"
# 即将到期 (docs/reminders.md): the last fifth of the task's length, but at least 10 minutes
# (never more than half of a very short task) and at most one working day before the deadline.
DUE_SOON_SHARE = 5
DUE_SOON_AT_LEAST = 10  # minutes
# Far deadlines are measured over their last month only: their lead is a working day anyway.
_DUE_SOON_HORIZON = timedelta(days=31)


@dataclass(frozen=True)
class Planned:
    """One reminder the task's state calls for."""

    timer: str
    level: int
    cycle: str
    due_at: datetime
    audience: str  # holder | supervisors | holder+supervisors | …+assigner | escalation…

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.timer, self.level, self.cycle)


def plan(task: Task, pending_since: datetime, calendar: WorkCalendar, rules: OfficeRules,
         now: datetime) -> list[Planned]:
    """The reminders an open task should have; none for a closed or cancelled one."""
    if not task.is_open:
        return []
    policy = _policy(task)
    planned: list[Planned] = []
    if task.state == "pending" and task.first_response_due is not None:
        planned += _first_response(task, policy, pending_since, calendar)
    if task.state == "accepted" and task.progress_every:
        planned += _progress(task, calendar)
    if task.deadline is not None:
        planned += _deadline(task, policy, calendar, rules, now)
    return [_quiet(p, policy, calendar, rules) for p in planned]


def reschedule(session: Session, task: Task, calendar: WorkCalendar, rules: OfficeRules,
               now: datetime) -> None:
    """Make the stored reminders of `task` match its plan: cancel, move and add rows."""
    if not task.is_open:  # nothing to plan: one statement, however often a closed task changes
        session.execute(update(Reminder).where(
            Reminder.task_id == task.id, Reminder.state == "pending").values(state="cancelled"))
        return
    wanted = {p.key: p for p in _plan_for(session, task, calendar, rules, now)}
    stored = session.scalars(select(Reminder).where(Reminder.task_id == task.id)).all()
    for row in stored:
        key = (row.timer, row.level, row.cycle)
        if row.state == "sent":
            wanted.pop(key, None)  # each (timer, level, cycle) fires once, ever
        elif key in wanted and not _overtaken(wanted[key], row.due_at, now):
            planned = wanted.pop(key)
            row.state, row.due_at, row.audience = "pending", planned.due_at, planned.audience
        else:
            wanted.pop(key, None)
            if row.state == "pending":
                row.state = "cancelled"
    added = [{"task_id": task.id, "timer": planned.timer, "level": planned.level,
              "cycle": planned.cycle, "due_at": planned.due_at, "audience": planned.audience,
              "state": "pending", "created_at": now, "sent_at": None}
             for planned in wanted.values() if not _overtaken(planned, None, now)]
    if added:  # one statement for a new task's whole plan, not one round trip a reminder
        session.execute(insert(Reminder), added)


def _overtaken(planned: Planned, stored_due: datetime | None, now: datetime) -> bool:
    """Whether a change would plan a due-soon warning at or before the change itself.

    即将到期 warns ahead of time. A change that puts it in the past (a holder accepting
    inside the window, an extension approved inside the new one) comes from someone who
    has just seen the deadline, so no warning is planned rather than one sent at once.
    A row already due at its stored instant is left for the dispatcher.
    """
    return planned.timer == DUE_SOON and planned.due_at <= now and planned.due_at != stored_due


def replan_open(session: Session, calendar: WorkCalendar, rules: OfficeRules,
                now: datetime) -> int:
    """Replan every open task, after the calendar itself changed (a day declared off)."""
    tasks = session.scalars(select(Task).where(Task.state.in_(OPEN_STATES))).all()
    for task in tasks:
        reschedule(session, task, calendar, rules, now)
    return len(tasks)


def dispatch_due(session: Session, calendar: WorkCalendar | None, rules: OfficeRules,
                 now: datetime, *, limit: int = 500,
                 limits: Mapping[str, ChannelLimits] | None = None) -> int:
    """Send every reminder due now, merged per person; returns how many rows were sent.

    `limits` are the channels' limits by platform: a merged message is split to fit the
    text limit of its recipient's platform (none given: nothing is split).

    With `calendar` None the office calendar is read only once rows are claimed, so a poll
    that finds nothing due costs the claim's one indexed query.

    Rows due within the merge window are claimed too, when some are due now and the batch
    has room, and go out early when every person they are for already gets a message now,
    so one person receives one message, not a burst; 催办 never goes early, since it says
    the deadline has passed. A row whose state has passed is cancelled instead of sent;
    rows claimed but not sent stay pending.
    """
    claimed = _claim(session, limit, Reminder.due_at <= now)
    if claimed and len(claimed) < limit:
        claimed += _claim(session, limit - len(claimed), Reminder.due_at > now,
                          Reminder.due_at <= now + rules.merge_window,
                          Reminder.timer != OVERDUE)
    if not claimed:
        return 0
    calendar = calendar or load_calendar(session, rules.working_hours)
    batch = _Batch.load(session, rules, claimed, now)
    audiences: dict[int, list[Person]] = {}
    live: list[Reminder] = []
    for row in claimed:
        planned = batch.planned(row.task, calendar).get((row.timer, row.level, row.cycle))
        if planned is None:
            row.state = "cancelled"
            continue
        audiences[row.id] = batch.audience(row)
        live.append(row)
    due_now = {p.id for row in live if row.due_at <= now for p in audiences[row.id]}
    sending = [row for row in live if row.due_at <= now or (
        row.timer != OVERDUE and all(p.id in due_now for p in audiences[row.id]))]
    by_person: dict[int, tuple[Person, list[str]]] = {}
    for row in sending:
        text = reminder_text(row, calendar, now, batch.holder_names(row.task))
        reporter = batch.reporter(row)
        for person in audiences[row.id]:
            line = text if reporter is None or person.id != reporter.id else \
                reporter_text(row, batch.holder_names(row.task), batch.rung_names(row))
            by_person.setdefault(person.id, (person, []))[1].append(line)
        row.state, row.sent_at = "sent", now
    for person, texts in by_person.values():
        channel_limits = (limits or {}).get(person.address()[0])  # where it will be sent
        for text in merged(texts, channel_limits.text_bytes if channel_limits else None):
            queue_text(session, person, text, now=now)
    return len(sending)


def _claim(session: Session, limit: int, *conditions: ColumnElement[bool]) -> list[Reminder]:
    """Lock the tasks of the earliest pending rows matching `conditions`, then those rows,
    skipping what others hold.

    Only rows due now are claimed first: while reminders keep falling due there are always
    rows inside the merge window, and claiming those first would make every poll lock and
    re-plan a full batch it does not send (docs/performance.md, reminder dispatch).

    Tasks are locked before their reminders, the same order as a change to a task takes
    (it locks the task, then replans its reminders), so a dispatcher and a change never
    wait for each other in a cycle; a task being changed right now is left for the next
    poll. The rows are read again under the lock, so a row another dispatcher has just sent
    is not sent twice.
    """
    due = session.execute(
        select(Reminder.id, Reminder.task_id).where(Reminder.state == "pending", *conditions)
        .order_by(Reminder.due_at, Reminder.id).limit(limit)).all()
    if not due:
        return []
    task_ids = sorted({task_id for _, task_id in due})
    free = set(session.scalars(select(Task.id).where(Task.id.in_(task_ids))
                               .with_for_update(skip_locked=True)))
    ids = [row_id for row_id, task_id in due if task_id in free]
    if not ids:
        return []
    # By id only: with `state` in the filter SQLite walks the whole (state, due_at) index.
    locked = session.scalars(select(Reminder).where(Reminder.id.in_(ids))
                             .with_for_update(skip_locked=True)).all()
    return sorted((row for row in locked if row.state == "pending"),
                  key=lambda row: (row.due_at, row.id))


# ---- planning ------------------------------------------------------------------------


def _plan_for(session: Session, task: Task, calendar: WorkCalendar, rules: OfficeRules,
              now: datetime) -> list[Planned]:
    holding = ledger.current(session, task)
    since = holding.started_at if holding is not None else task.created_at
    try:
        return plan(task, since, calendar, rules, now)
    except CalendarDataMissing:
        return []  # the creation reply already said so; nothing is guessed


def _policy(task: Task) -> sla.Policy:
    if task.policy:
        return sla.Policy.from_dict(task.kind, task.policy)
    return sla.DEFAULTS_BY_KIND.get(task.kind, sla.DEFAULTS_BY_KIND["general"])


def _first_response(task: Task, policy: sla.Policy, since: datetime,
                    calendar: WorkCalendar) -> list[Planned]:
    """接办: the holder when due; then, half that time again, whoever is next.

    "Half that time" is counted in the limit's own unit: half of 2 working hours is one
    more working hour, not half of the weekend in between. Emergencies climb minute by
    minute: duty officer, standby, supervisors, day or night.
    """
    due = task.first_response_due
    assert due is not None
    cycle = since.isoformat()
    if task.kind == "emergency" and task.ladder:
        return [Planned(FIRST_RESPONSE, 0, cycle, due, "holder"),
                *_ladder_rungs(task.ladder, cycle, due)]
    if task.kind == "emergency":  # a task stored before the ladder had roles (0009)
        return [Planned(FIRST_RESPONSE, 0, cycle, due, "holder"),
                Planned(FIRST_RESPONSE, 1, cycle, due + EMERGENCY_STEP, "escalation:first"),
                Planned(FIRST_RESPONSE, 2, cycle, due + 2 * EMERGENCY_STEP, "escalation:rest")]
    later = _half_again(policy.first_response, since, due, calendar)
    next_level = "supervisors+backup" if task.holder_id is not None else "escalation"
    return [Planned(FIRST_RESPONSE, 0, cycle, due, "holder"),
            Planned(FIRST_RESPONSE, 1, cycle, later, next_level)]


def _ladder_rungs(ladder: dict[str, list[str]], cycle: str, due: datetime) -> list[Planned]:
    """The emergency's ladder, one rung every EMERGENCY_STEP: the standby officers (候班),
    then the supervisors (督办), each told in the wording of their role; a rung nobody
    stands on is skipped. The reporter hears at each rung that it climbed, in words of
    their own: a reporter who is also a supervisor gets the reporter's message."""
    rungs = [role for role in LADDER_RUNGS if ladder.get(role)]
    return [Planned(FIRST_RESPONSE, level, cycle, due + level * EMERGENCY_STEP,
                    f"ladder:{role}+reporter")
            for level, role in enumerate(rungs, start=1)]


def _half_again(limit: sla.Limit | None, since: datetime, due: datetime,
                calendar: WorkCalendar) -> datetime:
    if limit is not None and limit.unit in sla.WORKING_UNITS:
        half = max(calendar.working_minutes_between(since, due) // 2, 1)
        return calendar.add_working_minutes(due, half)
    return due + max((due - since) / 2, timedelta(minutes=1))


def _progress(task: Task, calendar: WorkCalendar) -> list[Planned]:
    """进展: each interval without a report reminds the holder; the next tells the supervisor."""
    every = task.progress_every or {}
    anchor = task.last_progress_at or task.accepted_at
    if anchor is None or not every.get("unit"):
        return []
    limit = sla.Limit(every.get("amount"), every["unit"])
    first = sla.due_after(limit, anchor, calendar)
    if first is None:
        return []
    second = sla.due_after(limit, first, calendar) or first
    cycle = anchor.isoformat()
    return [Planned(PROGRESS, 0, cycle, first, "holder"),
            Planned(PROGRESS, 1, cycle, second, "supervisors")]


def _deadline(task: Task, policy: sla.Policy, calendar: WorkCalendar, rules: OfficeRules,
              now: datetime) -> list[Planned]:
    """Due soon, then 催办 at the deadline and once per working day after it, climbing.

    The repeats count from when the first 催办 actually goes out, so a deadline in the
    evening's quiet hours does not make the first two arrive together the next morning.
    """
    deadline = task.deadline
    assert deadline is not None
    cycle = deadline.isoformat()
    planned = []
    soon = _due_soon(task, policy, calendar)
    if soon is not None and now < deadline:
        warning = _quiet(Planned(DUE_SOON, 0, cycle, soon, "holder"), policy, calendar, rules)
        if warning.due_at < deadline:  # held past the deadline, it would only repeat 催办
            planned.append(warning)
    first = _quiet(Planned(OVERDUE, 0, cycle, deadline, "holder+supervisors"), policy,
                   calendar, rules)
    planned.append(first)
    for level in range(1, rules.overdue_repeats + 1):
        audience = "holder+supervisors+assigner" if level >= 2 else "holder+supervisors"
        planned.append(Planned(OVERDUE, level, cycle,
                               _working_morning(first.due_at, level, calendar), audience))
    return planned


def _due_soon(task: Task, policy: sla.Policy, calendar: WorkCalendar) -> datetime | None:
    """即将到期: when the last fifth of the task's length begins, never before the holder
    has had their chance to answer (the first response given, or its limit run out).

    An accepted task counts from its acceptance, a waiting one from its first-response
    limit; a task whose limit to accept reaches its deadline (a 1-hour general task not
    yet accepted) has no due-soon warning: 待接办 and 催办 say it all.
    """
    deadline = task.deadline
    assert deadline is not None
    opens = _due_soon_window(task.created_at, deadline, policy, calendar)
    if opens is None:
        return None
    answered = task.accepted_at if task.state == "accepted" else task.first_response_due
    soon = max(opens, answered) if answered is not None else opens
    return soon if soon < deadline else None


def _due_soon_window(start: datetime, deadline: datetime, policy: sla.Policy,
                     calendar: WorkCalendar) -> datetime | None:
    """Where the last fifth of the time from `start` to `deadline` begins.

    Office work (kinds counted in working time or keeping quiet hours) is measured in
    working time on the office calendar, so nights, weekends and holidays neither lengthen
    the window nor put the warning on a day off; the round-the-clock kinds (领导来电, 突发)
    and a stretch with no working time in it at all are measured by the clock.
    """
    # The minute of creation counts whole: a task written at 15:00:07 is 15:00's task.
    start = max(start.replace(second=0, microsecond=0), deadline - _DUE_SOON_HORIZON)
    if policy.working_time or policy.quiet_hours:
        length = calendar.working_minutes_between(start, deadline)
        if length > 0:
            lead = _due_soon_lead(length, calendar.hours.minutes_per_day)
            return calendar.subtract_working_minutes(deadline, lead)
    length = (deadline - start) // timedelta(minutes=1)
    if length <= 0:
        return None
    return deadline - timedelta(minutes=_due_soon_lead(length, 24 * 60))


def _due_soon_lead(length: int, one_day: int) -> int:
    """Minutes of warning: a fifth of the length, at least 10 (at most half the length),
    at most one day's worth."""
    at_least = min(DUE_SOON_AT_LEAST, length // 2)
    return min(max(length // DUE_SOON_SHARE, at_least), one_day)


def _working_morning(after: datetime, count: int, calendar: WorkCalendar) -> datetime:
    """上班 time of the `count`-th working day after the day of `after`."""
    end = calendar.add_working_days(after, count).astimezone(SHANGHAI)
    start = calendar.hours.start
    return end.replace(hour=start.hour, minute=start.minute)


def _quiet(planned: Planned, policy: sla.Policy, calendar: WorkCalendar,
           rules: OfficeRules) -> Planned:
    """Non-urgent reminders falling in quiet hours (or on a day off, for working-time
    policies) wait for the next working morning; urgent, call and emergency ones never wait."""
    if not policy.quiet_hours:
        return planned
    local = planned.due_at.astimezone(SHANGHAI)
    clock = local.time().replace(tzinfo=None)
    if rules.quiet_start > rules.quiet_end:  # across midnight, as usual
        quiet = clock >= rules.quiet_start or clock < rules.quiet_end
    else:
        quiet = rules.quiet_start <= clock < rules.quiet_end
    day_off = policy.working_time and not calendar.is_working_day(local.date())
    if not (quiet or day_off):
        return planned
    day = local.date() if clock < rules.quiet_end and not day_off else \
        local.date() + timedelta(days=1)
    for _ in range(60):
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    start = calendar.hours.start
    morning = datetime(day.year, day.month, day.day, start.hour, start.minute, tzinfo=SHANGHAI)
    return Planned(planned.timer, planned.level, planned.cycle, morning, planned.audience)


# ---- dispatching ---------------------------------------------------------------------


class _Batch:
    """What one dispatch round needs, loaded once for all its rows.

    A round may send hundreds of reminders; loading each task's holding, leaves, supervisors
    and offers row by row would cost a handful of queries per reminder. Here each is one
    query per round, and supervisors are computed once per department.
    """

    def __init__(self, session: Session, rules: OfficeRules, now: datetime,
                 since: dict[int, datetime], stand_ins: dict[int, Person],
                 offers: dict[int, list[Person]], people: dict[str, Person],
                 tasks: list[Task]) -> None:
        self.session, self.rules, self.now = session, rules, now
        self.tasks = tasks  # held here: the session keeps loaded objects only weakly
        self.authority = Authority(session, rules)
        self.since, self.stand_ins, self.offers, self.people = since, stand_ins, offers, people
        self._approvers: dict[tuple[int | None, int | None], list[Person]] = {}

    @classmethod
    def load(cls, session: Session, rules: OfficeRules, rows: list[Reminder],
             now: datetime) -> "_Batch":
        task_ids = sorted({row.task_id for row in rows})
        tasks = session.scalars(select(Task).where(Task.id.in_(task_ids)).options(
            selectinload(Task.holder).selectinload(Person.memberships),
            selectinload(Task.requester), selectinload(Task.department))).all()
        since = {task.id: task.created_at for task in tasks}
        for task_id, started in session.execute(
                select(Holding.task_id, func.max(Holding.started_at)).where(
                    Holding.task_id.in_(task_ids), Holding.ended_at.is_(None))
                .group_by(Holding.task_id)):
            since[task_id] = started
        offers: dict[int, list[Person]] = {}
        for task_id, person in session.execute(
                select(TaskOffer.task_id, Person).join(Person, TaskOffer.person_id == Person.id)
                .where(TaskOffer.task_id.in_(task_ids), TaskOffer.withdrawn_at.is_(None))):
            offers.setdefault(task_id, []).append(person)
        userids = {u for task in tasks for u in [
            *(task.escalation or []), *(u for role in LADDER_RUNGS
                                        for u in (task.ladder or {}).get(role) or [])]}
        people = {p.userid: p for p in session.scalars(
            select(Person).where(Person.userid.in_(userids)))} if userids else {}
        return cls(session, rules, now, since, leave.stand_ins(session, now), offers, people,
                   list(tasks))

    def planned(self, task: Task, calendar: WorkCalendar) -> dict[tuple[str, int, str], Planned]:
        """What the task's state plans right now; a row outside it is stale."""
        try:
            planned = plan(task, self.since[task.id], calendar, self.rules, self.now)
        except CalendarDataMissing:
            return {}
        return {p.key: p for p in planned}

    def audience(self, row: Reminder) -> list[Person]:
        """Who receives it, resolved at send time: leave moves it to the backup (补位).

        The reporter named by a `reporter` part is told in their own words (`reporter`),
        so they are kept out of the other parts: one person, one message per row."""
        task = row.task
        reporter = self.reporter(row)
        people = [p for part in row.audience.split("+") if part != "reporter"
                  for p in self._part(task, part)]
        present = [p for p in (self.stand_ins.get(p.id, p) for p in people)
                   if reporter is None or p.id != reporter.id]
        if reporter is not None:
            present.append(reporter)
        return list({p.id: p for p in present if p.active}.values())

    def reporter(self, row: Reminder) -> Person | None:
        """The reporter of the emergency, when the row tells them too."""
        return row.task.requester if "reporter" in row.audience.split("+") else None

    def rung_names(self, row: Reminder) -> str:
        """The names on the rung the row climbs to, for the reporter's message."""
        parts = [part for part in row.audience.split("+") if part.startswith("ladder:")]
        people = [p for part in parts for p in self._part(row.task, part)]
        return "、".join(dict.fromkeys(p.name for p in people))

    def _part(self, task: Task, part: str) -> list[Person]:
        if part == "holder":
            return [task.holder] if task.holder else self.offers.get(task.id, [])
        if part == "supervisors":
            return self._nearest_supervisors(task)
        if part == "backup":  # the holder's stand-in while they are on leave
            found = self.stand_ins.get(task.holder_id) if task.holder_id else None
            return [found] if found is not None else []
        if part == "assigner":
            requester = task.requester
            above = requester.id in {p.id for p in self.authority.supervisors(task)}
            return [requester] if above or self.authority.is_leader(requester) else []
        if part.startswith("ladder:"):
            userids = (task.ladder or {}).get(part.removeprefix("ladder:")) or []
            return [self.people[u] for u in userids if u in self.people]
        if part.startswith("escalation"):
            chain = [self.people[u] for u in task.escalation or [] if u in self.people]
            return chain[:1] if part == "escalation:first" else \
                chain[1:] if part == "escalation:rest" else chain
        return []

    def holder_names(self, task: Task) -> str:
        """Who to contact about the task: its holder, or everyone it is offered to."""
        if task.holder is not None:
            return task.holder.name
        return "、".join(p.name for p in self.offers.get(task.id, [])) or "受理人员"

    def _nearest_supervisors(self, task: Task) -> list[Person]:
        key = (task.holder_id, None if task.holder_id else task.department_id)
        if key not in self._approvers:
            self._approvers[key] = self.authority.approvers(task)
        return self._approvers[key]
