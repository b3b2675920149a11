"""Resolving what an admin wrote (a person's name or userid, a department's name or
platform id) to one record, as the command line always has, with a Chinese message that
names the choices when it is ambiguous."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.directory.lookup import find_department, find_person
from tasks.models import Department, Person, SupervisorGrant


class Unknown(ValueError):
    """A name or department that cannot be resolved; the message is shown as is."""


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
