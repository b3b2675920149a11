"""One person on several platforms: finding people by a platform identity, recognising a
directory's member as someone another platform already knows, and linking or unlinking an
identity by hand.

A person answers to each of their identities ((platform, userid), unique across people);
`people.platform`/`userid` stay their main identity. A directory member with no identity on
its platform yet joins the one active person of another platform who has the same mobile
number (compared as a SHA-256 of the normalised number; no number is stored); otherwise
they are a new person. When mobiles are unknown an admin links them
(`mashangban person link`).
"""

import hashlib
import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.models import OPEN_STATES, Membership, Person, PersonIdentity, Task

log = logging.getLogger(__name__)

_NOT_DIGITS = re.compile(r"[\s\-()（）.]")


class IdentityRefusal(ValueError):
    """A link or unlink that cannot be done; the message says why, in one line."""


def normalise_mobile(mobile: str) -> str:
    """`+86 138-0013-8000`, `86 13800138000` and `13800138000` are one number.

    Separators go; China's country code (+86, 0086, or 86 before 11 digits) goes, since
    one directory writes it and another does not; other country codes keep their `+`."""
    text = _NOT_DIGITS.sub("", mobile.strip())
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def mobile_hash(mobile: str | None) -> str | None:
    """The SHA-256 (hex) of the normalised mobile, or None when there is none."""
    text = normalise_mobile(mobile or "")
    if not text.lstrip("+"):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def identity(session: Session, platform: str, userid: str) -> PersonIdentity | None:
    """The identity (platform, userid), whoever it belongs to."""
    return session.scalar(select(PersonIdentity).where(
        PersonIdentity.platform == platform, PersonIdentity.userid == userid))


def person_with_identity(session: Session, platform: str, userid: str) -> Person | None:
    """The person (active or not) who answers to `userid` on `platform`."""
    found = identity(session, platform, userid)
    return found.person if found is not None else None


def match_by_mobile(session: Session, platform: str, hashed: str | None) -> Person | None:
    """The one active person with this mobile hash who has no identity on `platform` yet
    (someone another platform knows); None if there is none or more than one."""
    if hashed is None:
        return None
    on_platform = select(PersonIdentity.person_id).where(PersonIdentity.platform == platform)
    found = session.scalars(select(Person).where(
        Person.active, Person.mobile_hash == hashed, Person.id.not_in(on_platform))
        .limit(2)).all()
    return found[0] if len(found) == 1 else None


def person_for_member(session: Session, platform: str, userid: str, *, name: str,
                      mobile: str | None, now: datetime) -> Person:
    """The person a directory member of `platform` is: the one with that identity, else the
    one another platform knows by the same mobile (linked now), else a new person."""
    hashed = mobile_hash(mobile)
    person = person_with_identity(session, platform, userid)
    if person is None:
        person = match_by_mobile(session, platform, hashed)
        if person is not None:
            attach(session, person, platform, userid, how="mobile", now=now)
            log.info("directory: %s on %s is person %s (same mobile)", userid, platform,
                     person.id)
    if person is None:
        person = Person(platform=platform, userid=userid, name=name, position="",
                        active=True)
        session.add(person)
    if hashed is not None:
        person.mobile_hash = hashed
    return person


def attach(session: Session, person: Person, platform: str, userid: str, *, how: str,
           now: datetime) -> PersonIdentity:
    """Give `person` the identity (platform, userid), which nobody holds."""
    added = PersonIdentity(platform=platform, userid=userid, linked_by=how, linked_at=now)
    person.identities.append(added)
    session.flush()
    return added


def drop_identity(session: Session, person: Person, platform: str) -> None:
    """`person` is no longer on `platform` but is on another: the identity and their
    departments there go; if it was their main identity, another becomes the main one."""
    gone = person.identity_on(platform)
    if gone is None:
        return
    person.identities.remove(gone)
    for membership in list(person.memberships):
        if membership.department.platform == platform:
            person.memberships.remove(membership)
    if person.reply_platform == platform:
        person.reply_platform = None
    session.flush()
    if person.platform == platform:
        _promote(session, person)


def _promote(session: Session, person: Person) -> None:
    """Make the person's first remaining identity their main one. A departed record that
    still holds that main identity (a person the identity was once merged away from) gives
    it up first, keeping the unique (platform, userid) of people."""
    main = person.identities[0]
    stale = session.scalar(select(Person).where(
        Person.platform == main.platform, Person.userid == main.userid, Person.id != person.id))
    if stale is not None:
        stale.userid = f"~{stale.id}"[:64]  # its history stays; nobody can write as it
        session.flush()
    person.platform, person.userid = main.platform, main.userid
    session.flush()


def link(session: Session, person: Person, platform: str, userid: str, *,
         now: datetime) -> str:
    """An admin says (platform, userid) is `person`: attach it, moving it from the person
    the directory made of it (who must hold no open task; their departments there move
    along and their record, history kept, is deactivated). Returns what was done."""
    if person.identity_on(platform) is not None:
        held = person.identity_on(platform)
        assert held is not None
        if held.userid == userid:
            return "unchanged"
        raise IdentityRefusal(f"{person.name} 在 {platform} 已有身份 {held.userid}，"
                              f"请先 mashangban person unlink {platform}:{held.userid}")
    found = identity(session, platform, userid)
    if found is not None:
        other = found.person
        if len(other.identities) > 1:
            raise IdentityRefusal(f"{platform}:{userid} 已属于 {other.name}（还有其他身份），"
                                  f"请先 mashangban person unlink {platform}:{userid}")
        holding = session.scalar(select(Task.id).where(
            Task.holder_id == other.id, Task.state.in_(OPEN_STATES)).limit(1))
        if holding is not None:
            raise IdentityRefusal(f"{platform}:{userid}（{other.name}）还在办任务 #{holding}，"
                                  "请先转办再关联")
        other.identities.remove(found)
        for membership in list(other.memberships):
            other.memberships.remove(membership)
            if not any(m.department_id == membership.department_id
                       for m in person.memberships):
                person.memberships.append(Membership(
                    department=membership.department, is_leader=membership.is_leader))
        other.active = False
        if other.mobile_hash and not person.mobile_hash:
            person.mobile_hash = other.mobile_hash
        session.flush()
    attach(session, person, platform, userid, how="admin", now=now)
    log.info("identity %s:%s linked to person %s by an admin", platform, userid, person.id)
    return "linked"


def unlink(session: Session, found: PersonIdentity, *, now: datetime) -> Person:
    """An admin says (platform, userid) is not the person it belongs to: it becomes a
    person of its own (the departed record whose main identity it is, reactivated, or a
    new one with the same name), taking the person's departments on that platform."""
    person = found.person
    if len(person.identities) == 1:
        raise IdentityRefusal(f"{found.platform}:{found.userid} 是 {person.name} 唯一的身份，"
                              "无需解除")
    platform, userid = found.platform, found.userid
    moved = [(m.department, m.is_leader) for m in person.memberships
             if m.department.platform == platform]
    drop_identity(session, person, platform)
    owner = session.scalar(select(Person).where(Person.platform == platform,
                                                Person.userid == userid))
    if owner is None:
        owner = Person(platform=platform, userid=userid, name=person.name,
                       position=person.position, active=True)
        session.add(owner)
        session.flush()  # seeds its main identity
    else:
        owner.active = True
        owner.identities.append(PersonIdentity(platform=platform, userid=userid,
                                               linked_by="admin", linked_at=now))
    for department, is_leader in moved:
        owner.memberships.append(Membership(department=department, is_leader=is_leader))
    session.flush()
    log.info("identity %s:%s unlinked from person %s by an admin", platform, userid,
             person.id)
    return owner
