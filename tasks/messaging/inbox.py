"""The durable inbox on the callback's hot path: store what arrived, exactly once.

This module is all a web process loads of the domain to answer a callback (with the
inbound types and the models), so it imports nothing that acts on a message.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from tasks.messaging.inbound import Inbound, to_payload
from tasks.models import InboxMessage
from tasks.models.base import column_length

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_COLUMNS = ("platform", "platform_key", "received_at", "payload")


class Unstorable(ValueError):
    """A message whose key no inbox row can hold: no retry can store it, so the callback
    answers it with a definite refusal (400), never "try again" (503)."""


class InboxWriter:
    """Stores received messages, each exactly once, on the callback's hot path.

    It goes through the driver directly: SQLAlchemy's Connection layer costs twice what
    the insert itself costs (docs/performance.md). The statement, and the conversion of
    each value, are still SQLAlchemy's, compiled once for the engine's dialect, so what
    is written reads back exactly as the models expect.
    """

    def __init__(self, engine: Engine, platform: str):
        dialect = engine.dialect
        insert: Any = _INSERTS[dialect.name]  # both dialects' inserts have ON CONFLICT
        statement = insert(InboxMessage).on_conflict_do_nothing(
            index_elements=["platform", "platform_key"])
        compiled = statement.compile(dialect=dialect, column_keys=list(_COLUMNS))
        self._engine, self._platform, self._sql = engine, platform, str(compiled)
        self._positions = compiled.positiontup  # None for named parameter styles
        table = InboxMessage.__table__
        self._convert: dict[str, Callable[[Any], Any] | None] = {
            name: table.c[name].type.bind_processor(dialect)
            for name in _COLUMNS if name != "payload"}
        # Drivers disagree on JSON parameters; JSON text is what every one of them accepts
        # (the statement casts it where the column needs a cast).
        self._convert["payload"] = json.dumps
        self._begin = "BEGIN IMMEDIATE" if dialect.name == "sqlite" else None
        key_length = column_length(InboxMessage.platform_key)
        assert key_length is not None, "the inbox key column is bounded"
        self._key_length = key_length

    def store(self, message: Inbound, *, now: datetime) -> bool:
        """Insert unless the platform key is known; False for a duplicate delivery.

        A key longer than its column raises `Unstorable` before the database is asked,
        on SQLite (which would store it) as on PostgreSQL (which would refuse it).
        """
        if len(message.key) > self._key_length:
            raise Unstorable(f"a key of {len(message.key)} characters cannot be stored")
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
