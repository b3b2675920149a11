"""Leave with a backup (请假/补位, regulation para. 十): who stands in for whom, and when."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.errors import Refusal
from tasks.markup import plain_text
from tasks.models import OPEN_STATES, Leave, Person, Task

_MAX_HOPS = 5  # a backup on leave passes on to their own backup, this many times at most


@dataclass(frozen=True)
class StandIn:
    """Who actually receives work meant for `meant_for`; `absent` is set when that differs."""

    person: Person
    absent: Person | None = None
    until: datetime | None = None


def current_leave(session: Session, person: Person, now: datetime) -> Leave | None:
    return session.scalar(
        select(Leave).where(Leave.person_id == person.id, Leave.starts_at <= now,
                            Leave.ends_at > now, Leave.ended_at.is_(None))
        .order_by(Leave.id.desc()).limit(1))


def stand_in(session: Session, meant_for: Person, now: datetime) -> StandIn:
    """Follow backups while the person is away: new work, offers and reminders go there.

    A backup who is away too passes it on to their own backup; a loop, or an absence with
    no backup, leaves the work with the last person present in the chain (or the original).
    """
    person, seen, first_leave = meant_for, {meant_for.id}, None
    for _ in range(_MAX_HOPS):
        leave = current_leave(session, person, now)
        if leave is None or leave.backup is None or leave.backup.id in seen:
            break
        first_leave = first_leave or leave
        person = leave.backup
        seen.add(person.id)
    if person.id == meant_for.id:
        return StandIn(meant_for)
    return StandIn(person, meant_for, first_leave.ends_at if first_leave else None)


def stand_ins(session: Session, now: datetime) -> dict[int, Person]:
    """Everyone away now, mapped to who receives their work: `stand_in` for a whole batch."""
    away = session.scalars(select(Leave).where(
        Leave.starts_at <= now, Leave.ends_at > now, Leave.ended_at.is_(None))).all()
    backups = {leave.person_id: leave.backup for leave in away if leave.backup is not None}
    found: dict[int, Person] = {}
    for person_id, backup in backups.items():
        seen = {person_id}
        for _ in range(_MAX_HOPS):
            following = backups.get(backup.id)
            if following is None or following.id in seen or backup.id in seen:
                break
            seen.add(backup.id)
            backup = following
        if backup.id != person_id:
            found[person_id] = backup
    return found


def start(session: Session, person: Person, until: datetime, backup: Person | None,
          reason: str, *, now: datetime, by: Person | None) -> Leave:
    """Record a leave; without a backup it is refused to anyone who holds open work."""
    if until <= now:
        raise Refusal("请假结束时间应晚于现在。")
    if backup is not None and backup.id == person.id:
        raise Refusal("补位人不能是自己。")
    if backup is None and _holds_open_work(session, person):
        raise Refusal(f"{plain_text(person.name)} 手上还有未办结的任务，请假须指定补位人，"
                      "例如：请假 到12月3日 @王芳")
    end(session, person, now=now)
    leave = Leave(person=person, backup=backup, starts_at=now, ends_at=until, reason=reason,
                  created_by_id=by.id if by else None)
    session.add(leave)
    session.flush()
    return leave


def end(session: Session, person: Person, *, now: datetime) -> Leave | None:
    """End the current leave (销假): new work goes to the person again from now on."""
    leave = current_leave(session, person, now)
    if leave is not None:
        leave.ended_at = now
    return leave


def _holds_open_work(session: Session, person: Person) -> bool:
    return session.scalar(select(Task.id).where(
        Task.holder_id == person.id, Task.state.in_(OPEN_STATES)).limit(1)) is not None
