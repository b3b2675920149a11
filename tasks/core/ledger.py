"""The per-holder ledger of a task: who held it, from when to when, and whether they
accepted it, so time is counted against the person who consumed it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.models import Department, Holding, Person, Task


@dataclass(frozen=True)
class Stretch:
    """One line of the ledger as shown: who, for how long, and whom they stood in for."""

    holder: str
    held: timedelta
    accepted: bool
    stand_in_for: str | None


def begin(session: Session, task: Task, now: datetime, *, person: Person | None = None,
          department: Department | None = None, stand_in_for: Person | None = None) -> None:
    """Open a stretch for the task's new holder (or the department still to claim it)."""
    session.add(Holding(task_id=task.id, person=person, department=department,
                        stand_in_for=stand_in_for, started_at=now))


def claim(session: Session, task: Task, person: Person, now: datetime) -> None:
    """The holder accepts: a department's stretch becomes the claimant's own."""
    holding = current(session, task)
    if holding is None:
        begin(session, task, now, person=person)
        session.flush()
        holding = current(session, task)
    assert holding is not None
    holding.person = person
    holding.accepted_at = holding.accepted_at or now


def finish(session: Session, task: Task, now: datetime, how: str) -> None:
    holding = current(session, task)
    if holding is not None:
        holding.ended_at, holding.ended_by = now, how


def held_before(session: Session, task: Task, person: Person) -> bool:
    """Whether the task comes back to someone who already had it: a bounce (踢皮球)."""
    return session.scalar(select(Holding.id).where(
        Holding.task_id == task.id, Holding.person_id == person.id,
        Holding.ended_at.is_not(None)).limit(1)) is not None


def current(session: Session, task: Task) -> Holding | None:
    session.flush()
    return session.scalar(select(Holding).where(
        Holding.task_id == task.id, Holding.ended_at.is_(None)).order_by(Holding.id.desc())
        .limit(1))


def stretches(session: Session, task: Task, now: datetime) -> list[Stretch]:
    """The ledger in order, an open stretch counted up to `now`."""
    rows = session.scalars(select(Holding).where(Holding.task_id == task.id)
                           .order_by(Holding.id)).all()
    return [Stretch(
        holder=row.person.name if row.person else (row.department.name if row.department
                                                   else "待认领"),
        held=(row.ended_at or now) - row.started_at,
        accepted=row.accepted_at is not None,
        stand_in_for=row.stand_in_for.name if row.stand_in_for else None,
    ) for row in rows]
