"""The durable inbox: storing what arrived exactly once, and acting on it exactly once."""

from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasks import flows
from tasks.inbound import Inbound, from_payload, to_payload
from tasks.models import InboxMessage
from tasks.outbox import queue_text
from tasks.replies import processing_failed

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def store(connection: Connection, platform: str, message: Inbound, *, now: datetime) -> bool:
    """Insert a received message unless its platform key is already there.

    A single Core statement rather than an ORM unit of work: this runs on the callback's
    hot path. Returns False for a duplicate delivery, which the caller treats as success.
    """
    insert = _INSERTS[connection.dialect.name]
    statement = insert(InboxMessage).values(
        platform=platform, platform_key=message.key, received_at=now,
        payload=to_payload(message),
    ).on_conflict_do_nothing(index_elements=["platform", "platform_key"])
    return connection.execute(statement).rowcount == 1


def unprocessed_ids(session: Session, *, limit: int = 100, received_before: datetime | None = None
                    ) -> list[int]:
    query = select(InboxMessage.id).where(InboxMessage.processed_at.is_(None))
    if received_before is not None:
        query = query.where(InboxMessage.received_at < received_before)
    return list(session.scalars(query.order_by(InboxMessage.id).limit(limit)))


def process(session: Session, inbox_id: int, *, now: datetime) -> bool:
    """Claim one inbox row and act on it in the caller's transaction.

    The claim is a conditional UPDATE, so of two workers that race for the same row the
    database lets exactly one through; the loser sees zero rows and does nothing.
    """
    if not _claim(session, inbox_id, now):
        return False
    row = session.get(InboxMessage, inbox_id)
    assert row is not None
    flows.handle(session, from_payload(row.payload), now=now)
    return True


def mark_failed(session: Session, inbox_id: int, error: str, *, now: datetime) -> None:
    """Give up on a row that made the domain fail, and tell its sender rather than go silent."""
    if not _claim(session, inbox_id, now):
        return
    row = session.get(InboxMessage, inbox_id)
    assert row is not None
    row.error = error[:2000]
    sender = row.payload.get("sender")
    if sender:
        queue_text(session, sender, processing_failed(), now=now)


def _claim(session: Session, inbox_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id, InboxMessage.processed_at.is_(None))
        .values(processed_at=now)
    )
    return claimed.rowcount == 1
