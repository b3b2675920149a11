"""Local supervision grants (督办授权): who supervises a department's tasks besides its
platform leaders. Names are resolved as the command line always has: a name or userid
for the person, a department's name or platform id."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.directory.lookup import find_department, find_person
from tasks.models import Department, Person, SupervisorGrant


class Unknown(ValueError):
    """A name or department that cannot be resolved; the message is shown as is."""


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


def person_named(session: Session, written: str, *, granted_only: bool = False) -> Person:
    """The one active person `written` names; for a revoke, also someone who has left."""
    found = find_person(session, written)
    if found.person is not None:
        return found.person
    text = written.strip().lstrip("@＠")
    if not text:
        raise Unknown("请写姓名或用户ID")
    if granted_only and not found.candidates:
        former = session.scalars(select(Person).join(SupervisorGrant).where(
            (Person.name == text) | (Person.userid == text))).unique().all()
        if len(former) == 1:
            return former[0]
    if found.candidates:
        options = "、".join(f"{p.name}（{p.userid}，{'/'.join(p.department_names) or '无部门'}）"
                            for p in found.candidates)
        raise Unknown(f"「{text}」不唯一，可能是：{options}。请写用户ID。")
    raise Unknown(f"通讯录中没有「{text}」（请先 mashangban sync-directory）")


def department_named(session: Session, written: str, *, any_state: bool = False
                     ) -> Department:
    """The department `written` names, by exact name or platform id."""
    text = written.strip().lstrip("@＠")
    if not text:
        raise Unknown("请写部门名称或部门ID")
    department = find_department(session, text)
    if department is not None:
        return department
    query = select(Department).where(
        (Department.platform_id == text) | (Department.name == text))
    if not any_state:
        query = query.where(Department.active)
    matches = session.scalars(query).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = "、".join(f"{d.name}（{d.platform_id}）" for d in matches)
        raise Unknown(f"部门「{text}」不唯一：{ids}。请写部门ID。")
    raise Unknown(f"没有名为「{text}」的部门")


def find_grant(session: Session, person_id: int, department_id: int
               ) -> SupervisorGrant | None:
    return session.scalar(select(SupervisorGrant).where(
        SupervisorGrant.person_id == person_id, SupervisorGrant.department_id == department_id))
