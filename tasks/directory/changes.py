"""Incremental directory changes from the platform: people and departments created,
changed or removed between two full syncs.

Every change is applied as an upsert, so a change that arrives twice, out of order, or
about someone a missed event never introduced still leaves the directory as the platform
has it; `mashangban sync-directory` remains the full reconciliation. People who leave are
deactivated, never deleted, and their open tasks are flagged to their supervisors.
"""

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core.office_rules import OfficeRules
from tasks.directory.identity import (
    identity,
    mobile_hash,
    person_for_member,
    person_with_identity,
)
from tasks.directory.sync import (
    flag_departed,
    leaves_platform,
    platform_departments,
    sync_memberships,
)
from tasks.messaging.channel import Channel
from tasks.messaging.inbound import DirectoryChange
from tasks.models import OPEN_STATES, Department, OutboxMessage, Person, Task

log = logging.getLogger(__name__)


def apply(session: Session, change: DirectoryChange, *, now: datetime,
          rules: OfficeRules) -> None:
    """Apply one change_contact event to the stored directory; unusable ones are ignored."""
    handlers = {
        "create_user": _upsert_person,
        "update_user": _upsert_person,
        "delete_user": _delete_person,
        "create_party": _upsert_department,
        "update_party": _upsert_department,
        "delete_party": _delete_department,
    }
    handler = handlers.get(change.change)
    subject = change.userid if change.change.endswith("_user") else change.department_id
    if handler is None or not subject:
        log.info("directory change ignored: %r about %r", change.change, subject)
        return
    handler(session, change, now, rules)
    session.flush()


def resolve(change: DirectoryChange, channel: Channel) -> DirectoryChange:
    """A change that carries only an id (`lookup`, as DingTalk's contact events do) made
    whole by asking the platform for the current record: a member found becomes an
    update_user with everything the directory says (create_user if the event said so), one
    not found (left) a delete_user; a department likewise update_party / delete_party.
    Applying what the platform says now keeps a replayed or late event harmless. A change
    without `lookup` is returned as it is. The channel's errors propagate, so the inbox
    row is retried later."""
    if not change.lookup:
        return change
    base = replace(change, lookup=False)
    if change.change.endswith("_user"):
        member = channel.fetch_member(change.userid)
        if member is None:
            return replace(base, change="delete_user")
        return replace(base, change="create_user" if change.change == "create_user"
                       else "update_user", name=member.name, position=member.position,
                       department_ids=member.department_ids,
                       leads_department_ids=member.leads_department_ids,
                       mobile=member.mobile or None, disabled=False)
    department = channel.fetch_department(change.department_id)
    if department is None:
        return replace(base, change="delete_party")
    return replace(base, change="create_party" if change.change == "create_party"
                   else "update_party", department_name=department.name,
                   parent_department_id=department.parent_platform_id or "")


# -- people ----------------------------------------------------------------------------------


def _person(session: Session, userid: str, platform: str) -> Person | None:
    """The person answering to `userid` on `platform`, the one the change came from."""
    return person_with_identity(session, platform, userid)


def _upsert_person(session: Session, change: DirectoryChange, now: datetime,
                   rules: OfficeRules) -> None:
    """create_user and update_user: whatever the platform says now, the record says too.

    A disabled account (禁用) is treated as someone who left: deactivated, their open work
    flagged; re-enabled, they are active again.
    """
    platform = change.platform
    person = _person(session, change.userid, platform)
    if change.new_userid and change.new_userid != change.userid:
        person = _rename(session, person, platform, change.userid, change.new_userid)
    if person is None:
        userid = change.new_userid or change.userid
        person = person_for_member(session, platform, userid, name=change.name or userid,
                                   mobile=change.mobile, now=now)
        session.flush()
        log.info("directory: %s joined", userid)
    elif mobile_hash(change.mobile) is not None:
        person.mobile_hash = mobile_hash(change.mobile)
    was_active = person.active
    if change.change == "create_user" or change.disabled is False:
        person.active = True
    main = person.platform == platform  # the main identity's directory names them
    if change.name and main:
        person.name = change.name
    if change.position is not None and main:
        person.position = change.position
    if change.department_ids is not None:
        leads = change.leads_department_ids
        if leads is None:  # departments kept keep their leader flag
            leads = tuple(m.department.platform_id for m in person.memberships
                          if m.is_leader and m.department.platform == platform)
        sync_memberships(person, change.department_ids, leads,
                         _departments(session, platform), platform=platform)
    elif change.leads_department_ids is not None:
        for membership in person.memberships:
            if membership.department.platform == platform:
                membership.is_leader = (membership.department.platform_id
                                        in change.leads_department_ids)
    if change.disabled and was_active:
        _leave(session, person, platform, now, rules)


def _rename(session: Session, person: Person | None, platform: str, old: str,
            new: str) -> Person | None:
    """The platform changed a userid: the same record (and its history) answers to the new one.

    If the new userid is already on record (a full sync saw it first), that record is the
    live one and the old one is left as it is. Messages still waiting to be sent and
    escalation chains follow the rename.
    """
    existing = _person(session, new, platform)
    if existing is not None and existing is not person:
        log.warning("directory: %s renamed to %s, which is already on record", old, new)
        return existing
    renamed = identity(session, platform, old)
    if person is None or renamed is None:
        return None
    renamed.userid = new
    if person.platform == platform and person.userid == old:
        person.userid = new
    session.flush()
    for message in session.scalars(select(OutboxMessage).where(
            OutboxMessage.platform == platform, OutboxMessage.recipient == old,
            OutboxMessage.state == "pending")):
        message.recipient = new
    for task in session.scalars(select(Task).where(Task.state.in_(OPEN_STATES))):
        if old in (task.escalation or []):
            task.escalation = [new if u == old else u for u in task.escalation]
        if any(old in userids for userids in (task.ladder or {}).values()):
            task.ladder = {role: [new if u == old else u for u in userids]
                           for role, userids in task.ladder.items()}
    log.info("directory: %s is now %s", old, new)
    return person


def _delete_person(session: Session, change: DirectoryChange, now: datetime,
                   rules: OfficeRules) -> None:
    """delete_user: deactivate (history stays readable) and flag their open tasks."""
    person = _person(session, change.userid, change.platform)
    if person is None:
        log.info("directory: %s left but was never on record", change.userid)
        return
    _leave(session, person, change.platform, now, rules)


def _leave(session: Session, person: Person, platform: str, now: datetime,
           rules: OfficeRules) -> None:
    """Gone from `platform`: someone still on another platform loses only this identity;
    anyone else has left."""
    if not leaves_platform(session, person, platform):
        _deactivate(session, person, now, rules)


def _deactivate(session: Session, person: Person, now: datetime, rules: OfficeRules) -> None:
    """The person can no longer be reached: keep their history, flag their open work."""
    person.active = False
    session.flush()
    flag_departed(session, person, now=now, rules=rules)


# -- departments -----------------------------------------------------------------------------


def _departments(session: Session, platform: str) -> dict[str, Department]:
    return platform_departments(session, platform)


def _upsert_department(session: Session, change: DirectoryChange, now: datetime,
                       rules: OfficeRules) -> None:
    """create_party and update_party; a parent we do not know is no parent (as in a sync)."""
    known = _departments(session, change.platform)
    department = known.get(change.department_id)
    if department is None:
        department = Department(platform=change.platform, platform_id=change.department_id,
                                name=change.department_name or change.department_id)
        session.add(department)
    department.active = True
    if change.department_name:
        department.name = change.department_name
    parent = change.parent_department_id
    if parent is not None:
        department.parent_platform_id = (
            parent if parent in known and parent != change.department_id else None)


def _delete_department(session: Session, change: DirectoryChange, now: datetime,
                       rules: OfficeRules) -> None:
    """delete_party: the platform only deletes empty departments; anyone still listed in it
    here (a missed event) is taken out of it, except people who left, whose record stays."""
    department = _departments(session, change.platform).get(change.department_id)
    if department is None:
        return
    department.active = False
    for membership in list(department.memberships):
        if membership.person.active:
            membership.person.memberships.remove(membership)
