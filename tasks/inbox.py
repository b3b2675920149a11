"""The durable inbox: storing what arrived exactly once, and acting on it exactly once."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasks import flows
from tasks.inbound import Inbound, from_payload, to_payload
from tasks.models import InboxMessage
from tasks.outbox import queue_text
from tasks.replies import processing_failed
from tasks.rules import OfficeRules

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_COLUMNS = ("platform", "platform_key", "received_at", "payload")


class InboxWriter:
    """Stores received messages, each exactly once, on the callback's hot path.

    It goes through the driver directly: SQLAlchemy's Connection layer costs twice what
    the insert itself costs (docs/performance.md). The statement, and the conversion of
    each value, are still SQLAlchemy's, compiled once for the engine's dialect, so what
    is written reads back exactly as the models expect.
    """

    def __init__(self, engine: Engine, platform: str):
        dialect = engine.dialect
        statement = _INSERTS[dialect.name](InboxMessage).on_conflict_do_nothing(
            index_elements=["platform", "platform_key"])
        compiled = statement.compile(dialect=dialect, column_keys=list(_COLUMNS))
        self._engine, self._platform, self._sql = engine, platform, str(compiled)
        self._positions = compiled.positiontup  # None for named parameter styles
        table = InboxMessage.__table__
        self._convert = {name: table.c[name].type.bind_processor(dialect)
                         for name in _COLUMNS if name != "payload"}
        # Drivers disagree on JSON parameters; JSON text is what every one of them accepts
        # (the statement casts it where the column needs a cast).
        self._convert["payload"] = json.dumps
        self._begin = "BEGIN IMMEDIATE" if dialect.name == "sqlite" else None

    def store(self, message: Inbound, *, now: datetime) -> bool:
        """Insert unless the platform key is known; False for a duplicate delivery."""
        values = self._parameters(message, now)
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            if self._begin:  # the engine's own connections queue for the write lock likewise
                cursor.execute(self._begin)
            cursor.execute(self._sql, values)
            inserted = cursor.rowcount == 1
            connection.commit()
            return inserted
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def _parameters(self, message: Inbound, now: datetime) -> Any:
        raw = {"platform": self._platform, "platform_key": message.key, "received_at": now,
               "payload": to_payload(message)}
        bound = {name: convert(raw[name]) if convert else raw[name]
                 for name, convert in self._convert.items()}
        return tuple(bound[name] for name in self._positions) if self._positions else bound


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
    flows.handle(session, from_payload(row.payload), now=now, rules=rules)
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
        queue_text(session, sender, processing_failed(), now=now)


def _claim(session: Session, inbox_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id, InboxMessage.processed_at.is_(None))
        .values(processed_at=now)
    )
    return claimed.rowcount == 1
