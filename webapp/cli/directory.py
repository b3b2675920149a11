"""Admin commands of `mashangban` for the directory: local supervision grants.

    mashangban grant supervisor PERSON DEPARTMENT   PERSON supervises DEPARTMENT's tasks
    mashangban grant revoke PERSON DEPARTMENT       take that grant away
    mashangban grant list                           every grant

Supervisors of a task are the platform's leaders (负责人) of the holder's departments and
of those above them, plus whoever is granted one of those departments here. PERSON is a
name or a userid; DEPARTMENT a department's name or platform id.
"""

import argparse
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.directory.lookup import find_department, find_person
from tasks.models import Department, Person, SupervisorGrant
from webapp.cli import common


class _Unknown(Exception):
    """A name or department the command cannot resolve; the message is shown as is."""


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    grant = commands.add_parser("grant", help="local supervision grants (督办授权)",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    group = grant.add_subparsers(title="grant commands")
    for name, help_text, run in (
        ("supervisor", "let PERSON supervise DEPARTMENT's tasks", _grant),
        ("revoke", "take a supervision grant away", _revoke),
    ):
        sub = command(group, name, help_text, run)
        sub.add_argument("person", help="name or userid")
        sub.add_argument("department", help="department name or platform id")
    command(group, "list", "list the supervision grants", _list)


def _grant(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            person = _person(session, args.person)
            department = _department(session, args.department)
            if _find_grant(session, person.id, department.id) is not None:
                print(f"{person.name} 已有 {department.name} 的督办授权，未作改动。")
                return 0
            session.add(SupervisorGrant(person=person, department=department,
                                        granted_at=datetime.now(UTC)))
            print(f"已授权 {person.name}（{person.userid}）督办 {department.name} "
                  "及其下属部门的任务。")
    except _Unknown as error:
        return common.fail(str(error))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            person = _person(session, args.person, granted_only=True)
            department = _department(session, args.department, any_state=True)
            grant = _find_grant(session, person.id, department.id)
            if grant is None:
                raise _Unknown(f"{person.name} 没有 {department.name} 的督办授权"
                               "（部门负责人由企业微信通讯录决定，不能在此撤销）")
            session.delete(grant)
            print(f"已撤销 {person.name}（{person.userid}）对 {department.name} 的督办授权。")
    except _Unknown as error:
        return common.fail(str(error))
    return 0


def _list(_args: argparse.Namespace) -> int:
    with common.sessions().begin() as session:
        rows = session.execute(
            select(SupervisorGrant, Person, Department).join(SupervisorGrant.person)
            .join(SupervisorGrant.department).order_by(Department.name, Person.name)).all()
        if not rows:
            print("没有督办授权（科室负责人之外）。授权：mashangban grant supervisor 姓名 部门")
            return 0
        print(f"{'部门':<12}\t{'督办人':<12}\t{'用户ID':<16}\t授权时间")
        for grant, person, department in rows:
            left = "（已离开）" if not person.active else ""
            closed = "（已撤销部门）" if not department.active else ""
            when = grant.granted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            print(f"{department.name + closed:<12}\t{person.name + left:<12}\t"
                  f"{person.userid:<16}\t{when}")
    return 0


def _person(session: Session, written: str, *, granted_only: bool = False) -> Person:
    """The one active person `written` names; for a revoke, also someone who has left."""
    found = find_person(session, written)
    if found.person is not None:
        return found.person
    text = written.strip().lstrip("@＠")
    if granted_only and not found.candidates:
        former = session.scalars(select(Person).join(SupervisorGrant).where(
            (Person.name == text) | (Person.userid == text))).unique().all()
        if len(former) == 1:
            return former[0]
    if found.candidates:
        options = "、".join(f"{p.name}（{p.userid}，{'/'.join(p.department_names) or '无部门'}）"
                            for p in found.candidates)
        raise _Unknown(f"「{text}」不唯一，可能是：{options}。请写用户ID。")
    raise _Unknown(f"通讯录中没有「{text}」（请先 mashangban sync-directory）")


def _department(session: Session, written: str, *, any_state: bool = False) -> Department:
    """The department `written` names, by exact name or platform id."""
    text = written.strip().lstrip("@＠")
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
        raise _Unknown(f"部门「{text}」不唯一：{ids}。请写部门ID。")
    raise _Unknown(f"没有名为「{text}」的部门")


def _find_grant(session: Session, person_id: int, department_id: int
                ) -> SupervisorGrant | None:
    return session.scalar(select(SupervisorGrant).where(
        SupervisorGrant.person_id == person_id, SupervisorGrant.department_id == department_id))
