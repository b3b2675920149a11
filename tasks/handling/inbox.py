"""Acting on stored inbox rows: each claimed once, handled in the caller's transaction."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tasks.core.office_rules import OfficeRules
from tasks.handling import flows
from tasks.messaging.inbound import from_payload
from tasks.messaging.outbox import queue_text
from tasks.models import InboxMessage
from tasks.models.base import rows_updated
from tasks.presentation.replies import processing_failed


def unprocessed_ids(session: Session, *, limit: int = 100) -> list[int]:
    query = select(InboxMessage.id).where(InboxMessage.processed_at.is_(None))
    return list(session.scalars(query.order_by(InboxMessage.id).limit(limit)))


def process(session: Session, inbox_id: int, *, now: datetime,
            rules: OfficeRules | None = None) -> bool:
    """Claim one inbox row and act on it in the caller's transaction.

    The claim is a conditional UPDATE, so of two workers that race for the same row the
    database lets exactly one through; the loser sees zero rows and does nothing.
    """
    if not _claim(session, inbox_id, now):
        return False
    row = session.get(InboxMessage, inbox_id)
    assert row is not None
    message = replace(from_payload(row.payload), platform=row.platform)
    flows.handle(session, message, now=now, rules=rules)
    return True


def mark_failed(session: Session, inbox_id: int, error: str, *, now: datetime) -> None:
    """Give up on a row that made the domain fail, and tell its sender rather than go silent."""
    if not _claim(session, inbox_id, now):
        return
    row = session.get(InboxMessage, inbox_id)
    assert row is not None
    row.error = error[:2000]
    sender = row.payload.get("sender")
    if sender and row.payload.get("type") != "directory_change":  # the platform, not a person
        queue_text(session, sender, processing_failed(), now=now, platform=row.platform)


def _claim(session: Session, inbox_id: int, now: datetime) -> bool:
    claimed = rows_updated(session,
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id, InboxMessage.processed_at.is_(None))
        .values(processed_at=now)
    )
    return claimed == 1
