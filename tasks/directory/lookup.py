"""Finding people and departments by what someone wrote: a name, a userid, an @mention."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.models import Department, Person, PersonIdentity, identity_filter, parse_ref


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
        select(Person).where(Person.active, (Person.name == text) | identity_filter([text]))
    ).all()
    if len(exact) == 1:
        return NameLookup(written, exact[0])
    if exact:
        return NameLookup(written, None, tuple(exact))
    similar = session.scalars(
        select(Person).where(Person.active, Person.name.contains(text)).limit(8)
    ).all()
    return NameLookup(written, None, tuple(similar))


def person_by_userid(session: Session, userid: str, platform: str | None = None
                     ) -> Person | None:
    """The active person answering to `userid` on `platform` (a message's sender: the
    platform it came from), through their identities. Without a platform, as when an
    admin writes a userid in a roster file, the first active person with that userid on
    any of their platforms; `wecom:lina` names the platform (`parse_ref`)."""
    if platform is None:
        platform, userid = parse_ref(userid)
    named = PersonIdentity.userid == userid
    if platform is not None:
        named = named & (PersonIdentity.platform == platform)
    query = select(Person).join(Person.identities).where(named, Person.active)
    return session.scalar(query.order_by(Person.id).limit(1))


def find_department(session: Session, written: str) -> Department | None:
    """An active department by its exact name (`@秘书科`), for offers and transfers to a unit."""
    text = written.strip().lstrip("@＠")
    found = session.scalars(
        select(Department).where(Department.active, Department.name == text)).all()
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Choice:
    """One entry of a person/department picker: what to send back (`ref`, which
    `find_person` or `find_department` resolves to exactly this entry) and what to show."""

    ref: str
    label: str
    kind: str  # person | department


def search(session: Session, written: str, *, limit: int = 20) -> list[Choice]:
    """People and departments whose name contains `written` (or whose userid it is), for
    the 转办 picker: people first, by name. A person is sent back as `platform:userid`, the
    one reference no namesake shares; a department by its name."""
    text = written.strip().lstrip("@＠")
    if not text:
        return []
    people = session.scalars(
        select(Person).where(Person.active, Person.name.contains(text) | identity_filter([text]))
        .order_by(Person.name, Person.id).limit(limit)).all()
    departments = session.scalars(
        select(Department).where(Department.active, Department.name.contains(text))
        .order_by(Department.name, Department.id).limit(limit)).all()
    found = [Choice(f"{p.platform}:{p.userid}",
                    f"{p.name}（{'、'.join(p.department_names) or '未分配部门'}）", "person")
             for p in people]
    found += [Choice(d.name, f"{d.name}（部门）", "department") for d in departments]
    return found[:limit]
