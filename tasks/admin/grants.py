"""Local supervision grants (督办授权): who supervises a department's tasks besides its
platform leaders. Names are resolved as the command line always has: a name or userid
for the person, a department's name or platform id."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.admin.names import Unknown, department_named, person_named
from tasks.models import Department, Person, SupervisorGrant

__all__ = ["Unknown", "find_grant", "grant", "grants", "revoke"]


def grants(session: Session) -> list[tuple[SupervisorGrant, Person, Department]]:
    """Every grant, by department then person."""
    rows = session.execute(
        select(SupervisorGrant, Person, Department).join(SupervisorGrant.person)
        .join(SupervisorGrant.department).order_by(Department.name, Person.name)).all()
    return [(grant, person, department) for grant, person, department in rows]


def grant(session: Session, person_text: str, department_text: str, *, by: Actor,
          now: datetime) -> tuple[Person, Department, bool]:
    """Let a person supervise a department; the bool says whether it is new (a grant that
    exists already changes nothing). Unknown names the problem."""
    person = person_named(session, person_text)
    department = department_named(session, department_text)
    if find_grant(session, person.id, department.id) is not None:
        return person, department, False
    session.add(SupervisorGrant(person=person, department=department, granted_at=now))
    session.flush()
    record(session, by, "grant", "grant", f"{person.name}（{person.userid}）",
           before="无", after=f"督办 {department.name}", now=now)
    return person, department, True


def revoke(session: Session, person_text: str, department_text: str, *, by: Actor,
           now: datetime) -> tuple[Person, Department]:
    """Take a grant away; Unknown if there is none (leaders come from the platform)."""
    person = person_named(session, person_text, granted_only=True)
    department = department_named(session, department_text, any_state=True)
    found = find_grant(session, person.id, department.id)
    if found is None:
        raise Unknown(f"{person.name} 没有 {department.name} 的督办授权"
                      "（部门负责人由通讯录决定，不能在此撤销）")
    session.delete(found)
    session.flush()
    record(session, by, "grant", "revoke", f"{person.name}（{person.userid}）",
           before=f"督办 {department.name}", after="已撤销", now=now)
    return person, department


def find_grant(session: Session, person_id: int, department_id: int
               ) -> SupervisorGrant | None:
    return session.scalar(select(SupervisorGrant).where(
        SupervisorGrant.person_id == person_id, SupervisorGrant.department_id == department_id))
