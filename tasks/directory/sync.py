"""Loading a platform's directory snapshot, and what happens to the open work of someone
who left."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasks.core.authority import Authority
from tasks.core.office_rules import OfficeRules
from tasks.markup import plain_text
from tasks.messaging.channel import DirectorySnapshot
from tasks.messaging.outbox import queue_text
from tasks.models import (
    DEFAULT_PLATFORM,
    OPEN_STATES,
    Department,
    Membership,
    Person,
    Task,
    TaskFlag,
)

log = logging.getLogger(__name__)

HOLDER_LEFT = "holder_left"
PROGRESS_BATCH = 100  # people per progress line of a full sync


@dataclass(frozen=True)
class SyncReport:
    departments: int
    people: int
    deactivated: int
    flagged: int = 0  # open tasks of people who left, flagged to their supervisors


def apply_snapshot(
    session: Session,
    snapshot: DirectorySnapshot,
    *,
    now: datetime | None = None,
    rules: OfficeRules | None = None,
    progress: Callable[[str], None] | None = None,
    platform: str = DEFAULT_PLATFORM,
) -> SyncReport:
    """Make the stored directory match the platform's, keeping people who left as inactive.

    `platform` is where the snapshot came from: its people are that platform's users, and
    only they can be found gone (another platform's people are left alone). Running it
    twice with the same snapshot changes nothing the second time. The open
    tasks of each person found gone are flagged to their supervisors (see
    `flag_departed`). `progress`, if given, is told how far the sync has got.
    """
    report = progress or (lambda _line: None)
    departments = _sync_departments(session, snapshot)
    report(f"部门 {len(snapshot.departments)}/{len(snapshot.departments)}")
    seen: set[str] = set()
    total = len(snapshot.members)
    for done, member in enumerate(snapshot.members, start=1):
        person = session.scalar(select(Person).where(Person.platform == platform,
                                                     Person.userid == member.userid))
        if person is None:
            person = Person(platform=platform, userid=member.userid, name=member.name)
            session.add(person)
        person.name, person.position, person.active = member.name, member.position, True
        sync_memberships(person, member.department_ids, member.leads_department_ids,
                         departments)
        seen.add(member.userid)
        if done % PROGRESS_BATCH == 0 or done == total:
            report(f"人员 {done}/{total}")
    gone = session.scalars(select(Person).where(Person.active, Person.platform == platform,
                                                Person.userid.not_in(seen))).all()
    for person in gone:
        person.active = False
    session.flush()
    flagged = 0
    for person in gone:
        flagged += flag_departed(session, person, now=now or datetime.now(UTC),
                                 rules=rules or OfficeRules())
    if gone:
        report(f"停用 {len(gone)} 人，提醒在办任务 {flagged} 项")
    return SyncReport(len(snapshot.departments), len(snapshot.members), len(gone), flagged)


def flag_departed(session: Session, person: Person, *, now: datetime,
                  rules: OfficeRules) -> int:
    """Flag each open task held by `person`, who left, to its supervisors; returns how many.

    Each task is flagged once (`TaskFlag` task/holder_left/userid), however often the
    departure is reported. Nobody to supervise it means the admins are told instead.
    The person's record and history stay as they are.
    """
    tasks = session.scalars(select(Task).where(
        Task.holder_id == person.id, Task.state.in_(OPEN_STATES)).order_by(Task.id)).all()
    authority = Authority(session, rules)
    flagged = 0
    for task in tasks:
        key = person.userid[:64]
        if session.scalar(select(TaskFlag.id).where(
                TaskFlag.task_id == task.id, TaskFlag.flag == HOLDER_LEFT, TaskFlag.key == key)):
            continue
        told = [p for p in authority.supervisors(task) if p.id != person.id and p.active]
        if not told:
            told = list(session.scalars(select(Person).where(
                Person.active, Person.userid.in_(sorted(rules.admins))).order_by(Person.id)))
        try:
            with session.begin_nested():
                session.add(TaskFlag(task_id=task.id, flag=HOLDER_LEFT, key=key, raised_at=now,
                                     detail={"holder": person.name, "userid": person.userid,
                                             "told": [p.userid for p in told]}))
        except IntegrityError:  # another worker raised it at the same moment
            continue
        for supervisor in told:
            queue_text(session, supervisor, _holder_left_text(task, person), now=now, task=task)
        if not told:
            log.warning("task %s: holder %s left and nobody supervises it", task.id,
                        person.userid)
        flagged += 1
    return flagged


def _holder_left_text(task: Task, person: Person) -> str:
    return (f"任务 #{task.id}「{plain_text(task.title)}」的承办人 {plain_text(person.name)} "
            "已离开通讯录，请尽快转办。"
            f"发送「转办 #{task.id} @姓名 原因」。")


def _sync_departments(session: Session, snapshot: DirectorySnapshot) -> dict[str, Department]:
    known = {d.platform_id: d for d in session.scalars(select(Department))}
    for item in snapshot.departments:
        department = known.get(item.platform_id)
        if department is None:
            department = Department(platform_id=item.platform_id, name=item.name)
            session.add(department)
            known[item.platform_id] = department
        department.name = item.name
        department.parent_platform_id = item.parent_platform_id
        department.active = True
    listed = {d.platform_id for d in snapshot.departments}
    for platform_id, department in known.items():
        department.active = platform_id in listed
    session.flush()
    return known


def sync_memberships(
    person: Person,
    department_ids: tuple[str, ...],
    leads: tuple[str, ...],
    departments: dict[str, Department],
) -> None:
    """Put `person` in exactly these departments (those on record), leading `leads`."""
    wanted = {pid: pid in leads for pid in department_ids if pid in departments}
    for membership in list(person.memberships):
        platform_id = membership.department.platform_id
        if platform_id not in wanted:
            person.memberships.remove(membership)
        else:
            membership.is_leader = wanted.pop(platform_id)
    for platform_id, is_leader in wanted.items():
        person.memberships.append(
            Membership(department=departments[platform_id], is_leader=is_leader)
        )
