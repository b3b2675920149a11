"""The directory as the domain uses it: loading a platform snapshot and resolving names."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.channel import DirectorySnapshot
from tasks.models import Department, Membership, Person


@dataclass(frozen=True)
class SyncReport:
    departments: int
    people: int
    deactivated: int


def apply_snapshot(session: Session, snapshot: DirectorySnapshot) -> SyncReport:
    """Make the stored directory match the platform's, keeping people who left as inactive.

    Running it twice with the same snapshot changes nothing the second time.
    """
    departments = _sync_departments(session, snapshot)
    seen: set[str] = set()
    for member in snapshot.members:
        person = session.scalar(select(Person).where(Person.userid == member.userid))
        if person is None:
            person = Person(userid=member.userid, name=member.name)
            session.add(person)
        person.name, person.position, person.active = member.name, member.position, True
        _sync_memberships(session, person, member.department_ids, member.leads_department_ids,
                          departments)
        seen.add(member.userid)
    gone = session.scalars(select(Person).where(Person.active, Person.userid.not_in(seen))).all()
    for person in gone:
        person.active = False
    session.flush()
    return SyncReport(len(snapshot.departments), len(snapshot.members), len(gone))


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


def _sync_memberships(
    session: Session,
    person: Person,
    department_ids: tuple[str, ...],
    leads: tuple[str, ...],
    departments: dict[str, Department],
) -> None:
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


@dataclass(frozen=True)
class NameLookup:
    """The outcome of looking up a written name: one person, or the candidates to choose from."""

    written: str
    person: Person | None
    candidates: tuple[Person, ...] = ()


def find_person(session: Session, written: str) -> NameLookup:
    """Resolve `张伟` or a userid to one active person.

    An exact name or userid wins; otherwise names containing the text are offered as
    candidates, so `王` lists every 王 rather than guessing.
    """
    text = written.strip().lstrip("@＠")
    exact = session.scalars(
        select(Person).where(Person.active, (Person.name == text) | (Person.userid == text))
    ).all()
    if len(exact) == 1:
        return NameLookup(written, exact[0])
    if exact:
        return NameLookup(written, None, tuple(exact))
    similar = session.scalars(
        select(Person).where(Person.active, Person.name.contains(text)).limit(8)
    ).all()
    return NameLookup(written, None, tuple(similar))


def person_by_userid(session: Session, userid: str) -> Person | None:
    return session.scalar(select(Person).where(Person.userid == userid, Person.active))


def find_department(session: Session, written: str) -> Department | None:
    """An active department by its exact name (`@秘书科`), for offers and transfers to a unit."""
    text = written.strip().lstrip("@＠")
    found = session.scalars(
        select(Department).where(Department.active, Department.name == text)).all()
    return found[0] if len(found) == 1 else None
