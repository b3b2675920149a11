"""Incremental directory changes from the platform: people and departments created,
changed or removed between two full syncs.

Every change is applied as an upsert, so a change that arrives twice, out of order, or
about someone a missed event never introduced still leaves the directory as the platform
has it; `mashangban sync-directory` remains the full reconciliation. People who leave are
deactivated, never deleted, and their open tasks are flagged to their supervisors.
"""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core.office_rules import OfficeRules
from tasks.directory.sync import flag_departed, sync_memberships
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


# -- people ----------------------------------------------------------------------------------


def _person(session: Session, userid: str, platform: str) -> Person | None:
    """The record of `userid` on `platform`, the one the change came from."""
    return session.scalar(select(Person).where(Person.platform == platform,
                                               Person.userid == userid))


def _upsert_person(session: Session, change: DirectoryChange, now: datetime,
                   rules: OfficeRules) -> None:
    """create_user and update_user: whatever the platform says now, the record says too.

    A disabled account (禁用) is treated as someone who left: deactivated, their open work
    flagged; re-enabled, they are active again.
    """
    person = _person(session, change.userid, change.platform)
    if change.new_userid and change.new_userid != change.userid:
        person = _rename(session, person, change.platform, change.userid, change.new_userid)
    if person is None:
        userid = change.new_userid or change.userid
        person = Person(platform=change.platform, userid=userid, name=change.name or userid,
                        position="", active=True)
        session.add(person)
        log.info("directory: %s joined", userid)
    was_active = person.active
    if change.change == "create_user" or change.disabled is False:
        person.active = True
    if change.name:
        person.name = change.name
    if change.position is not None:
        person.position = change.position
    if change.department_ids is not None:
        leads = change.leads_department_ids
        if leads is None:  # departments kept keep their leader flag
            leads = tuple(m.department.platform_id for m in person.memberships if m.is_leader)
        sync_memberships(person, change.department_ids, leads, _departments(session))
    elif change.leads_department_ids is not None:
        for membership in person.memberships:
            membership.is_leader = (membership.department.platform_id
                                    in change.leads_department_ids)
    if change.disabled and was_active:
        _deactivate(session, person, now, rules)


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
    if person is None:
        return None
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
    _deactivate(session, person, now, rules)


def _deactivate(session: Session, person: Person, now: datetime, rules: OfficeRules) -> None:
    """The person can no longer be reached: keep their history, flag their open work."""
    person.active = False
    session.flush()
    flag_departed(session, person, now=now, rules=rules)


# -- departments -----------------------------------------------------------------------------


def _departments(session: Session) -> dict[str, Department]:
    return {d.platform_id: d for d in session.scalars(select(Department))}


def _upsert_department(session: Session, change: DirectoryChange, now: datetime,
                       rules: OfficeRules) -> None:
    """create_party and update_party; a parent we do not know is no parent (as in a sync)."""
    known = _departments(session)
    department = known.get(change.department_id)
    if department is None:
        department = Department(platform_id=change.department_id,
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
    department = _departments(session).get(change.department_id)
    if department is None:
        return
    department.active = False
    for membership in list(department.memberships):
        if membership.person.active:
            membership.person.memberships.remove(membership)
