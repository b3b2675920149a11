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
from tasks.directory.identity import drop_identity, person_for_member
from tasks.markup import plain_text
from tasks.messaging.channel import DirectorySnapshot
from tasks.messaging.outbox import queue_text
from tasks.models import (
    DEFAULT_PLATFORM,
    OPEN_STATES,
    Department,
    Membership,
    Person,
    PersonIdentity,
    Task,
    TaskFlag,
    identity_filter,
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

    `platform` is where the snapshot came from: its members are that platform's identities
    (a member first seen there joins the person another platform knows by the same mobile,
    `tasks.directory.identity`), and only its departments and identities can be found gone
    (another platform's are left alone). Someone gone from it who is still on another
    platform loses only this identity; someone on no other platform is deactivated and
    their open tasks flagged to their supervisors (see `flag_departed`). Running it twice
    with the same snapshot changes nothing the second time. `progress`, if given, is told
    how far the sync has got.
    """
    report = progress or (lambda _line: None)
    now = now or datetime.now(UTC)
    departments = _sync_departments(session, snapshot, platform)
    report(f"部门 {len(snapshot.departments)}/{len(snapshot.departments)}")
    seen: set[str] = set()
    total = len(snapshot.members)
    for done, member in enumerate(snapshot.members, start=1):
        person = person_for_member(session, platform, member.userid, name=member.name,
                                   mobile=member.mobile, now=now)
        if person.platform == platform:  # the main identity's directory names them
            person.name, person.position = member.name, member.position
        person.active = True
        sync_memberships(person, member.department_ids, member.leads_department_ids,
                         departments, platform=platform)
        seen.add(member.userid)
        if done % PROGRESS_BATCH == 0 or done == total:
            report(f"人员 {done}/{total}")
    session.flush()
    absent = session.scalars(select(Person).join(Person.identities).where(
        Person.active, PersonIdentity.platform == platform,
        PersonIdentity.userid.not_in(seen))).unique().all()
    gone = [person for person in absent if not leaves_platform(session, person, platform)]
    for person in gone:
        person.active = False
    session.flush()
    flagged = 0
    for person in gone:
        flagged += flag_departed(session, person, now=now, rules=rules or OfficeRules())
    if gone:
        report(f"停用 {len(gone)} 人，提醒在办任务 {flagged} 项")
    return SyncReport(len(snapshot.departments), len(snapshot.members), len(gone), flagged)


def leaves_platform(session: Session, person: Person, platform: str) -> bool:
    """`person` is gone from `platform`'s directory: True if they are still on another
    platform (then only the identity on `platform` goes), False if they are on no other
    one and so have left (the caller deactivates them)."""
    if all(i.platform == platform for i in person.identities):
        return False
    drop_identity(session, person, platform)
    return True


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
                Person.active, identity_filter(sorted(rules.admins))).order_by(Person.id)))
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


def _sync_departments(session: Session, snapshot: DirectorySnapshot,
                      platform: str) -> dict[str, Department]:
    """`platform`'s departments as the snapshot has them; other platforms' stay as they are."""
    known = platform_departments(session, platform)
    for item in snapshot.departments:
        department = known.get(item.platform_id)
        if department is None:
            department = Department(platform=platform, platform_id=item.platform_id,
                                    name=item.name)
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


def platform_departments(session: Session, platform: str) -> dict[str, Department]:
    """`platform`'s departments by their platform ids."""
    return {d.platform_id: d for d in session.scalars(
        select(Department).where(Department.platform == platform))}


def sync_memberships(
    person: Person,
    department_ids: tuple[str, ...],
    leads: tuple[str, ...],
    departments: dict[str, Department],
    *,
    platform: str = DEFAULT_PLATFORM,
) -> None:
    """Put `person` in exactly these departments of `platform` (those on record), leading
    `leads`; their departments on other platforms stay."""
    wanted = {pid: pid in leads for pid in department_ids if pid in departments}
    for membership in list(person.memberships):
        if membership.department.platform != platform:
            continue
        platform_id = membership.department.platform_id
        if platform_id not in wanted:
            person.memberships.remove(membership)
        else:
            membership.is_leader = wanted.pop(platform_id)
    for platform_id, is_leader in wanted.items():
        person.memberships.append(
            Membership(department=departments[platform_id], is_leader=is_leader)
        )
