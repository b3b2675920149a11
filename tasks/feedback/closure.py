"""The closure record (办结记录): a close's figures, frozen in the transaction of the close.

Supervisors and the assessment (平时考核记载) read these rows rather than recomputing from
the task, whose deadline, holder and counters keep moving after a 重办. How each figure is
computed is described in docs/reports.md, section "The closure record".
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasks.feedback import rollup
from tasks.models import Closure, Holding, Person, Reminder, Task, TaskEvent


def record(session: Session, task: Task, closed_by: Person, now: datetime) -> Closure:
    """Write the Closure row of the close that just happened (call after the task closed
    and its ledger stretch was finished, before the transaction commits)."""
    session.flush()
    events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                             .order_by(TaskEvent.id)).all()
    started = round_start(task, events)
    answered = first_response(events, started, now)
    original = task.original_deadline or task.deadline
    closure = Closure(
        task_id=task.id, round=task.reopen_count, closed_at=now, closed_by_id=closed_by.id,
        holder_id=task.holder_id, department_id=_department_id(task), result=task.result or "",
        first_response_minutes=minutes_between(started, answered),
        close_minutes=minutes_between(started, now),
        deadline=task.deadline, original_deadline=original,
        on_time_original=on_time(now, original), on_time_extended=on_time(now, task.deadline),
        transfers=task.transfer_count, bounces=task.bounce_count,
        reminders_received=_sent_reminders(session, task),
        chases_received=sum(1 for e in events if e.action == "chased" and e.actor_id),
        holder_times=holder_times(session, task, now),
    )
    session.add(closure)
    session.flush()
    rollup.count_closure(session, closure)  # the dashboard's day, in this transaction
    return closure


def round_start(task: Task, events: Sequence[TaskEvent]) -> datetime:
    """When the round being closed began: creation, or the latest 重办 for a reopened task.

    A reopened task must be accepted again, so its response and close times are counted
    from the reopen; counting from creation would charge the first round's time twice.
    """
    reopens = [e.at for e in events if e.action == "reopened"]
    return reopens[-1] if task.reopen_count and reopens else task.created_at


def first_response(events: Sequence[TaskEvent], started: datetime, closed_at: datetime
                   ) -> datetime:
    """The first 接办 of the round; a task closed without pressing 接办 was answered by the
    close itself (the decision table in docs/architecture.md counts it accepted then)."""
    accepts = [e.at for e in events if e.action == "accepted" and e.at >= started]
    return accepts[0] if accepts else closed_at


def on_time(closed_at: datetime, deadline: datetime | None) -> bool | None:
    """Closed by the deadline (inclusive); None when there was no deadline to keep."""
    return None if deadline is None else closed_at <= deadline


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole wall-clock minutes, rounded down and never negative."""
    return max(0, int((end - start).total_seconds() // 60))


def holder_times(session: Session, task: Task, now: datetime) -> list[dict[str, Any]]:
    """Time in each pair of hands over the task's whole history, from the ledger.

    One entry per person (or, for an offer nobody claimed, per department), in the order
    they first held it; an open stretch counts up to `now`.
    """
    rows = session.scalars(select(Holding).where(Holding.task_id == task.id)
                           .order_by(Holding.id)).all()
    entries: dict[tuple[int | None, str], dict[str, Any]] = {}
    for row in rows:
        name = row.person.name if row.person else (row.department.name if row.department
                                                   else "待认领")
        key = (row.person_id, "" if row.person_id else name)
        entry = entries.setdefault(key, {"person_id": row.person_id, "name": name,
                                         "seconds": 0, "accepted": False,
                                         "stand_in_for_id": None})
        entry["seconds"] += max(0, int(((row.ended_at or now) - row.started_at)
                                       .total_seconds()))
        entry["accepted"] = entry["accepted"] or row.accepted_at is not None
        entry["stand_in_for_id"] = entry["stand_in_for_id"] or row.stand_in_for_id
    return list(entries.values())


def closures_of(session: Session, task: Task) -> list[Closure]:
    return list(session.scalars(select(Closure).where(Closure.task_id == task.id)
                                .order_by(Closure.round)))


def _sent_reminders(session: Session, task: Task) -> int:
    return session.scalar(select(func.count(Reminder.id)).where(
        Reminder.task_id == task.id, Reminder.state == "sent")) or 0


def _department_id(task: Task) -> int | None:
    """The department the close counts for: the holder's first one, else the one offered."""
    if task.holder is not None and task.holder.memberships:
        return task.holder.memberships[0].department_id
    return task.department_id
