"""Where new work lands (首问负责制, 归口办理, 值班, 补位): one person, or a department's
intake offered to several, with the absent person a backup replaces and who is next."""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core.authority import Authority
from tasks.models import Department, Membership, Person
from tasks.routing import leave, roster


@dataclass(frozen=True)
class Assignee:
    """The answer for one target.

    `person` holds the task at once (a named person, or their backup while they are away);
    otherwise it is offered to `candidates` and the first to accept holds it. `escalation`
    lists who the task climbs to if nobody acts in time, nearest first.
    """

    person: Person | None = None
    department: Department | None = None
    candidates: tuple[Person, ...] = ()
    stand_in_for: Person | None = None
    escalation: tuple[Person, ...] = ()
    standby: tuple[Person, ...] = ()  # the first rungs of `escalation`: the 候班 officers
    inform: tuple[Person, ...] = ()  # told at once without holding it (带班领导, 即接即报)
    note: str = ""  # why it landed here, for the requester (归口办理：关键词「会议室」…)


def for_person(session: Session, authority: Authority, person: Person,
               now: datetime) -> Assignee:
    """A person addressed by name; while they are on leave, their backup takes it."""
    found = leave.stand_in(session, person, now)
    return Assignee(person=found.person, stand_in_for=found.absent,
                    escalation=tuple(authority.supervisors_of(found.person)))


def for_department(session: Session, authority: Authority, department: Department,
                   now: datetime, note: str = "") -> Assignee:
    """A department's intake: its duty officer on shift now, or else all its members."""
    on_duty = roster.on_duty(session, now, department.id)
    people = list(on_duty.duty) or _members(session, department)
    candidates = _present(session, people, now)
    escalation = [*on_duty.standby, *authority.supervisors_of_department(department)]
    return Assignee(department=department, candidates=candidates,
                    escalation=_unique(escalation), standby=_unique(list(on_duty.standby)),
                    note=note)


def for_emergency(session: Session, authority: Authority, now: datetime,
                  fallback: Department | None) -> Assignee:
    """突发事件: the office's duty officer now, the leader on duty informed ("即接即报").

    Without a duty officer on the roster it goes to the fallback department's intake. The
    standby officer and the supervisors are recorded as the next levels.
    """
    on_duty = roster.on_duty(session, now, None)
    if not on_duty.duty:
        if fallback is None:
            return Assignee(inform=on_duty.lead)
        routed = for_department(session, authority, fallback, now, "现在无人值班，交受理部门")
        return replace(routed, inform=on_duty.lead)
    candidates = _present(session, list(on_duty.duty), now)
    supervisors = [s for p in candidates for s in authority.supervisors_of(p)]
    return Assignee(candidates=candidates, escalation=_unique([*on_duty.standby, *supervisors]),
                    standby=_unique(list(on_duty.standby)), inform=on_duty.lead,
                    note="突发事件，即接即报")


def ladder(assignee: Assignee) -> dict[str, list[str]]:
    """An emergency's ladder by role (userids): the duty officers it was sent to, the
    standby officers, the supervisors above them and the leader on duty told at once.

    The roles decide who gets which notice (候班 or 督办) and who may take it over."""
    standby = {p.id for p in assignee.standby}
    sent_to = [assignee.person] if assignee.person else list(assignee.candidates)
    return {"duty": [p.userid for p in sent_to],
            "standby": [p.userid for p in assignee.standby],
            "supervisors": [p.userid for p in assignee.escalation if p.id not in standby],
            "lead": [p.userid for p in assignee.inform]}


def _members(session: Session, department: Department) -> list[Person]:
    return list(session.scalars(
        select(Person).join(Membership).where(Membership.department_id == department.id,
                                              Person.active).order_by(Person.id)))


def _present(session: Session, people: list[Person], now: datetime) -> tuple[Person, ...]:
    """Replace anyone on leave by their backup, once each."""
    return _unique([leave.stand_in(session, person, now).person for person in people])


def _unique(people: list[Person]) -> tuple[Person, ...]:
    return tuple({person.id: person for person in people}.values())
