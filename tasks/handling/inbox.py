"""Acting on stored inbox rows: each claimed once, handled in the caller's transaction; a
row whose handling fails is tried again after a wait, then parked for an admin.

A failing row never holds up the rows after it: the worker records the failure in a
transaction of its own (`record_failure`) and goes on. Only rows that are due are taken:
not handled, not parked, and past their wait (`next_attempt_at`).
"""

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from tasks.core.office_rules import OfficeRules
from tasks.handling import flows
from tasks.messaging.inbound import DirectoryChange, from_payload
from tasks.messaging.outbox import can_address, queue_text
from tasks.models import InboxMessage, Person, identity_filter
from tasks.models.base import rows_updated
from tasks.presentation.replies import message_parked, processing_failed

log = logging.getLogger(__name__)
ERROR_LONGEST = 500  # the type and first line of the last failure are enough to triage
ADMIN_QUIET = timedelta(minutes=10)  # one notice to the admins per burst of parked rows
# How long a worker's claim on a batch holds: far longer than a batch takes (a batch of
# 20 takes well under a second; a directory lookup a few seconds), so a live worker never
# loses its rows, and short enough that a killed worker's rows wait a minute at most.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing message is tried, and how long it waits between tries.

    `backoff[i]` is the wait after failure i + 1; the failure after the last wait parks
    the row. A failure is either a moment's trouble (a deadlock, a database restart), which
    a retry within the minute cures, or a bug, which fails the same way every time: three
    attempts within about 70 seconds cover the first without keeping the sender of the
    second waiting long for their answer.
    """

    backoff: tuple[timedelta, ...] = (timedelta(seconds=10), timedelta(minutes=1))

    @property
    def attempts(self) -> int:
        return len(self.backoff) + 1


RETRY = RetryPolicy()


@dataclass(frozen=True)
class Failure:
    """A recorded failed attempt: `retry_at` is when the row is due again, None once parked."""

    attempts: int
    retry_at: datetime | None

    @property
    def parked(self) -> bool:
        return self.retry_at is None


@dataclass(frozen=True)
class ParkedMessage:
    """A parked row as an admin lists it: who and when, never what it said."""

    id: int
    platform: str
    received_at: datetime
    sender: str
    error_type: str
    attempts: int


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """The rows to act on now, oldest first."""
    query = select(InboxMessage.id).where(_due(now))
    return list(session.scalars(query.order_by(InboxMessage.id).limit(limit)))


@dataclass(frozen=True)
class Claimed:
    """A claimed row with what acting on it needs, read by the claim itself."""

    id: int
    platform: str
    payload: Any


def claim(session: Session, now: datetime, claimant: str, limit: int = 20,
          lease: timedelta = LEASE) -> list[Claimed]:
    """Claim up to `limit` due rows for `claimant`, oldest first: one read that locks
    them and one write that marks them, whose answer carries what handling them needs.

    Workers share the inbox: on PostgreSQL the rows another claimer is taking are skipped
    (`SKIP LOCKED`), never waited for; on SQLite claimers take turns (BEGIN IMMEDIATE).
    A row is claimed only when no earlier row of its sender still waits for its first
    attempt (`_sender_head`), so one sender's messages are handled in the order they
    arrived, never two at once. A row whose claim lapsed (its worker died) is due again.
    """
    heads = list(session.scalars(
        select(InboxMessage.id).where(_due(now), _unclaimed(now), _sender_head())
        .order_by(InboxMessage.id).limit(limit).with_for_update(skip_locked=True)))
    if not heads:
        return []
    claimed = session.execute(
        update(InboxMessage).where(InboxMessage.id.in_(heads))
        .values(claimed_by=claimant, claimed_until=now + lease)
        .returning(InboxMessage.id, InboxMessage.platform, InboxMessage.payload)
        .execution_options(synchronize_session=False))
    return sorted((Claimed(*row) for row in claimed), key=lambda row: row.id)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(InboxMessage.claimed_until.is_(None), InboxMessage.claimed_until < now)


def _sender_head() -> ColumnElement[bool]:
    """No earlier row of the same sender is waiting for its first attempt (claimed or not).

    A row that failed and waits for its retry does not hold its sender's later messages
    back (a failing row never holds up the rows after it), so a retried message may be
    handled after later ones; every other message of a sender follows the one before.
    """
    earlier = aliased(InboxMessage)
    return ~exists().where(
        earlier.platform == InboxMessage.platform, earlier.sender == InboxMessage.sender,
        earlier.id < InboxMessage.id, earlier.processed_at.is_(None),
        earlier.parked_at.is_(None), earlier.next_attempt_at.is_(None))


def waiting_since(cutoff: datetime) -> ColumnElement[bool]:
    """Rows that should have been acted on before `cutoff`: received (or due again) earlier
    and neither handled nor parked. The sweep signals for these, and only these."""
    return and_(InboxMessage.processed_at.is_(None), InboxMessage.parked_at.is_(None),
                or_(and_(InboxMessage.next_attempt_at.is_(None),
                         InboxMessage.received_at < cutoff),
                    InboxMessage.next_attempt_at < cutoff))


def process(session: Session, inbox_id: int, *, now: datetime,
            rules: OfficeRules | None = None,
            resolved: DirectoryChange | None = None,
            claimed: Claimed | None = None, claimant: str | None = None) -> bool:
    """Mark one due inbox row handled and act on it, both in the caller's transaction.

    The mark is a conditional UPDATE, so of two workers that race for the same row the
    database lets exactly one through; the loser sees zero rows and does nothing: a
    message acts once whatever the claims did. A row waiting for its retry or parked is
    not taken. With `claimant`, the row is taken only while that claim holds it (a
    worker whose claim lapsed leaves the row to the one that claimed it since);
    `claimed` carries the row as the claim read it, saving a second read.
    """
    mine = [InboxMessage.claimed_by == claimant] if claimant is not None else []
    taken = rows_updated(session, update(InboxMessage)
                         .where(InboxMessage.id == inbox_id, _due(now), *mine)
                         .values(processed_at=now)
                         .execution_options(synchronize_session=False))
    if taken != 1:
        return False
    if claimed is None:
        row = session.get(InboxMessage, inbox_id)
        assert row is not None
        claimed = Claimed(row.id, row.platform, row.payload)
    message = replace(from_payload(claimed.payload), platform=claimed.platform)
    if isinstance(message, DirectoryChange) and message.lookup:
        if resolved is None or resolved.key != message.key:
            raise LookupMissing(message)  # the caller's transaction, claim included, rolls back
        message = resolved
    flows.handle(session, message, now=now, rules=rules)
    return True


class LookupMissing(RuntimeError):
    """The row is a change that carries only an id (`DirectoryChange.lookup`): the worker
    asks the platform for the record, outside any transaction so that no lock is held
    while it answers, and processes the row again with it (`resolved`)."""

    def __init__(self, change: DirectoryChange):
        super().__init__(f"directory change {change.key} needs its record looked up")
        self.change = change


def record_failure(session: Session, inbox_id: int, error: BaseException, *, now: datetime,
                   rules: OfficeRules | None = None,
                   policy: RetryPolicy = RETRY) -> Failure | None:
    """Count a failed attempt at a row, in a transaction of its own; None if the row is no
    longer waiting (another worker handled or parked it meanwhile).

    Before the last attempt the row waits (`policy.backoff`). At the last it is parked, and
    its sender is told once (`processing_failed`) and the admins are told. Nothing here
    depends on what the message says: the row's own columns get bounded values, and the
    notices are queued in a savepoint, for recipients an outbox row can hold, so whatever
    made the handling fail cannot make this fail too. A row an admin put back fails
    straight to parked again, without telling its sender a second time.
    """
    row = session.get(InboxMessage, inbox_id, with_for_update=True)
    if row is None or row.processed_at is not None or row.parked_at is not None:
        return None
    row.attempts = (row.attempts or 0) + 1
    row.error = describe(error)
    row.claimed_by = row.claimed_until = None  # due again at its retry, by any worker
    if row.attempts < policy.attempts:
        row.next_attempt_at = now + policy.backoff[row.attempts - 1]
        return Failure(row.attempts, row.next_attempt_at)
    row.next_attempt_at, row.parked_at = None, now
    session.flush()  # the parking stands even if a notice cannot be queued
    _tell_of_parking(session, row, now, rules or OfficeRules(),
                     first=row.attempts == policy.attempts)
    return Failure(row.attempts, None)


def describe(error: BaseException) -> str:
    """The exception's type and the first line of its message: what triage needs, without
    the statement parameters some drivers append (they may quote the message)."""
    first_line = next(iter(str(error).splitlines()), "")
    return f"{type(error).__name__}: {first_line}"[:ERROR_LONGEST]


def parked(session: Session) -> list[ParkedMessage]:
    """Every parked row, oldest first."""
    rows = session.scalars(select(InboxMessage).where(
        InboxMessage.parked_at.is_not(None), InboxMessage.processed_at.is_(None))
        .order_by(InboxMessage.id))
    return [ParkedMessage(row.id, row.platform, row.received_at, _shown_sender(row.payload),
                          error_type(row.error), row.attempts) for row in rows]


def retry(session: Session, inbox_id: int) -> bool:
    """Put a parked row back for one more attempt (a failure parks it again at once);
    False if no such row is parked."""
    return rows_updated(session, update(InboxMessage).where(
        InboxMessage.id == inbox_id, InboxMessage.parked_at.is_not(None),
        InboxMessage.processed_at.is_(None)).values(parked_at=None, next_attempt_at=None)) == 1


def drop(session: Session, inbox_id: int, *, now: datetime) -> bool:
    """Give up on a parked row for good: done without being handled (parked_at and error
    stay as its record); False if no such row is parked."""
    return rows_updated(session, update(InboxMessage).where(
        InboxMessage.id == inbox_id, InboxMessage.parked_at.is_not(None),
        InboxMessage.processed_at.is_(None)).values(processed_at=now)) == 1


def error_type(error: str | None) -> str:
    """The exception type of a recorded failure (`describe`)."""
    return (error or "").partition(":")[0] or "未知"


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(InboxMessage.processed_at.is_(None), InboxMessage.parked_at.is_(None),
                or_(InboxMessage.next_attempt_at.is_(None),
                    InboxMessage.next_attempt_at <= now))


def _tell_of_parking(session: Session, row: InboxMessage, now: datetime, rules: OfficeRules,
                     *, first: bool) -> None:
    """The sender's one 处理失败 and the admins' notice, or neither if they cannot be queued."""
    try:
        with session.begin_nested():
            sender = _person_sender(row.payload)
            if first and sender is not None:
                queue_text(session, sender, processing_failed(), now=now,
                           platform=row.platform)
            if not _parked_recently(session, row.id, now):
                _tell_admins(session, row, now, rules)
    except Exception as error:  # the row is parked all the same; the CLI lists it
        log.warning("inbox message %s parked, but its notices failed: %s", row.id,
                    type(error).__name__)


def _tell_admins(session: Session, row: InboxMessage, now: datetime,
                 rules: OfficeRules) -> None:
    admins = session.scalars(select(Person).where(
        Person.active, identity_filter(sorted(rules.admins))).order_by(Person.id)).all()
    if not admins:
        log.warning("inbox message %s parked and no admin (MASHANGBAN_ADMINS) to tell", row.id)
    text = message_parked(row.id, _shown_sender(row.payload), error_type(row.error),
                          row.attempts)
    for admin in admins:
        queue_text(session, admin, text, now=now)


def _parked_recently(session: Session, inbox_id: int, now: datetime) -> bool:
    """Another row was parked in the last few minutes: the admins were told then, and
    `mashangban inbox failed` lists this one too (a bug that fails every message must not
    bury them in notices)."""
    return bool(session.scalar(select(exists().where(
        InboxMessage.id != inbox_id, InboxMessage.parked_at >= now - ADMIN_QUIET))))


def _person_sender(payload: Any) -> str | None:
    """The person who sent a message, if a reply can be queued for them at all."""
    if not isinstance(payload, dict) or payload.get("type") == "directory_change":
        return None  # a directory change comes from the platform, not a person
    sender = payload.get("sender")
    return sender if isinstance(sender, str) and sender and can_address(sender) else None


def _shown_sender(payload: Any) -> str:
    """The sender as an admin reads it: a userid, cut short if it is impossibly long."""
    if isinstance(payload, dict) and payload.get("type") == "directory_change":
        return "通讯录变更"
    sender = payload.get("sender") if isinstance(payload, dict) else None
    if not isinstance(sender, str) or not sender:
        return "未知"
    return sender if len(sender) <= 64 else sender[:63] + "…"
