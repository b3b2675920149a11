"""The morning digest (早间待办提醒, docs/reports.md): at the start of each working day, one
message to each person with open work, saying what is overdue, what is due today and what
waits for them to accept it. Someone with nothing open gets nothing.

Each task appears once, in the first section that fits: overdue (its deadline has passed),
due today (its deadline falls later today), waiting (not yet accepted: held and pending,
or offered to them to claim). Accepted work due later is counted in one line.

Someone on leave gets no digest: their open work is listed in their backup's (补位), marked
with whom it is covered for, as their reminders go to the backup too.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.language import format_time_left
from tasks.markup import markdown_text
from tasks.messaging.outbox import queue_markdown
from tasks.models import OPEN_STATES, STATE_LABELS, Person, Task, TaskOffer
from tasks.presentation import replies
from tasks.reports.figures import Period, claim_run, clip, day_label
from tasks.routing import leave

SHOWN_PER_SECTION = 5  # with titles clipped, three full sections fit one text message
TITLE_CHARS = 12


@dataclass
class Digest:
    """One person's open work, sorted into the digest's sections."""

    person: Person
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    waiting: list[Task] = field(default_factory=list)
    offered_ids: set[int] = field(default_factory=set)  # waiting tasks offered, not held
    covering: dict[int, str] = field(default_factory=dict)  # task id → who is on leave
    seen: set[int] = field(default_factory=set)  # a task offered twice is listed once
    later: int = 0  # accepted, due another day or without a deadline

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.waiting) + self.later


def queue_digests(session: Session, period: Period, calendar: WorkCalendar,
                  now: datetime) -> int | None:
    """Queue the digest of `period`'s day; None if it already went out.

    The run record and the messages are written in the caller's transaction, together.
    """
    run = claim_run(session, period, now)
    if run is None:
        return None
    digests = build_digests(session, now)
    for digest in digests:
        queue_markdown(session, digest.person, digest_text(digest, now, calendar), now=now)
    run.messages = len(digests)
    return len(digests)


def build_digests(session: Session, now: datetime) -> list[Digest]:
    """Everyone with open work (held, or offered to them to claim), in directory order."""
    today = now.astimezone(SHANGHAI).date()
    away = leave.stand_ins(session, now)
    by_person: dict[int, Digest] = {}

    def add(person: Person, task: Task, *, offered: bool) -> None:
        present = away.get(person.id, person)
        if not present.active:  # a backup who has left: the work stays on the person's own
            present = person
        digest = by_person.setdefault(present.id, Digest(present))
        if present.id != person.id:
            digest.covering.setdefault(task.id, person.name)
        _sort_into(digest, task, today, now, offered=offered)

    held = session.scalars(select(Task).where(Task.state.in_(OPEN_STATES),
                                              Task.holder_id.is_not(None))).all()
    for task in held:
        if task.holder is not None and task.holder.active:
            add(task.holder, task, offered=False)
    for task, person in _open_offers(session):
        if person.active:
            add(person, task, offered=True)
    for digest in by_person.values():
        for section in (digest.overdue, digest.due_today):
            section.sort(key=lambda t: (t.deadline, t.id))
        digest.waiting.sort(key=_waiting_order)
    return [by_person[pid] for pid in sorted(by_person)]


def _open_offers(session: Session) -> Sequence[tuple[Task, Person]]:
    rows = session.execute(
        select(Task, Person).join(TaskOffer, TaskOffer.task_id == Task.id)
        .join(Person, Person.id == TaskOffer.person_id)
        .where(TaskOffer.withdrawn_at.is_(None), Task.holder_id.is_(None),
               Task.state.in_(OPEN_STATES))).all()
    return [(task, person) for task, person in rows]


def _sort_into(digest: Digest, task: Task, today: date, now: datetime, *,
               offered: bool) -> None:
    if task.id in digest.seen:
        return
    digest.seen.add(task.id)
    if task.deadline is not None and task.deadline < now:
        digest.overdue.append(task)
    elif task.deadline is not None and task.deadline.astimezone(SHANGHAI).date() == today:
        digest.due_today.append(task)
    elif task.state == "pending":
        digest.waiting.append(task)
    else:
        digest.later += 1
        return
    if offered:
        digest.offered_ids.add(task.id)


def _waiting_order(task: Task) -> tuple[bool, datetime, int]:
    due = task.first_response_due or task.deadline
    return (due is None, due or task.created_at, task.id)


def digest_text(digest: Digest, now: datetime, calendar: WorkCalendar) -> str:
    """The markdown message; sections longer than five say how many more there are."""
    today = now.astimezone(SHANGHAI).date()
    lines = [f"**今日待办提醒**（{day_label(today)}）",
             f"{markdown_text(digest.person.name)}，你有 {digest.total} 项任务未办结："]
    sections = (("已超期", digest.overdue, _deadline_line),
                ("今日到期", digest.due_today, _deadline_line),
                ("等你接办", digest.waiting, _waiting_line))
    for title, tasks, line in sections:
        if not tasks:
            continue
        lines.append(f"**{title} {len(tasks)} 项**")
        lines += [line(digest, task, now, calendar) for task in tasks[:SHOWN_PER_SECTION]]
        if len(tasks) > SHOWN_PER_SECTION:
            lines.append(f"> …另有 {len(tasks) - SHOWN_PER_SECTION} 项")
    if digest.later:
        lines.append(f"另有 {digest.later} 项在办，未到期。")
    lines.append("发送「我的」查看全部；接办 #编号，进展 #编号 说明，办结 #编号 结果。")
    return "\n".join(lines)


def _state(digest: Digest, task: Task) -> str:
    state = "待认领" if task.id in digest.offered_ids else STATE_LABELS[task.state]
    covered = digest.covering.get(task.id)
    return f"{state}（代{markdown_text(covered)}）" if covered else state


def _deadline_line(digest: Digest, task: Task, now: datetime, calendar: WorkCalendar) -> str:
    return (f"> #{task.id} {markdown_text(clip(task.title, TITLE_CHARS))}｜{_state(digest, task)}｜"
            f"{replies.deadline_text(task, now, calendar)}")


def _waiting_line(digest: Digest, task: Task, now: datetime, calendar: WorkCalendar) -> str:
    """A task waiting to be accepted: how long is left to accept it, if that is set."""
    head = f"> #{task.id} {markdown_text(clip(task.title, TITLE_CHARS))}｜{_state(digest, task)}｜"
    if task.first_response_due is not None:
        return head + f"接办时限{format_time_left(task.first_response_due, now, calendar)}"
    return head + replies.deadline_text(task, now, calendar)
