"""The durable inbox on the callback's hot path: store what arrived, exactly once.

This module is all a web process loads of the domain to answer a callback (with the
inbound types and the models), so it imports nothing that acts on a message.
"""

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from tasks.messaging.inbound import Inbound, to_payload
from tasks.models import InboxMessage
from tasks.models.base import column_length

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_COLUMNS = ("platform", "platform_key", "received_at", "payload", "sender")
# How long a callback waits for SQLite's write lock before answering "try again" (503,
# which the platform retries): well inside WeCom's 5 s, and far above a worker's longest
# transaction (milliseconds), so it is reached only when the database is stuck.
BUSY_WAIT = 2.0
_POLL = 0.001  # seconds between tries for the lock: a free moment is taken within ~1 ms


class Busy(RuntimeError):
    """SQLite's write lock stayed taken for BUSY_WAIT: the callback answers 503."""


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

    def __init__(self, engine: Engine, platform: str, *, busy_wait: float = BUSY_WAIT):
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
        self._sqlite, self._busy_wait = dialect.name == "sqlite", busy_wait
        key_length = column_length(InboxMessage.platform_key)
        sender_length = column_length(InboxMessage.sender)
        assert key_length is not None and sender_length is not None, "bounded columns"
        self._key_length, self._sender_length = key_length, sender_length

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
            if self._sqlite:  # the engine's own connections queue for the write lock likewise
                self._take_write_lock(cursor)
            cursor.execute(self._sql, values)
            inserted = cursor.rowcount == 1
            connection.commit()
            return inserted
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def _take_write_lock(self, cursor: Any) -> None:
        """BEGIN IMMEDIATE, trying every millisecond for at most `busy_wait` seconds.

        SQLite's own busy handler sleeps ever longer between tries (up to 100 ms), so
        behind a worker that commits and begins again in a tight loop a waiting callback
        kept missing the free moments: seconds at p99 (docs/performance.md). Trying every
        millisecond takes the lock in the first gap between two worker transactions.
        """
        pooled_wait = cursor.execute("PRAGMA busy_timeout").fetchone()[0]  # the engine's own
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            deadline = time.monotonic() + self._busy_wait
            while True:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except Exception as error:  # the driver's OperationalError: locked
                    if "locked" not in str(error) and "busy" not in str(error):
                        raise
                    if time.monotonic() >= deadline:
                        raise Busy(f"the write lock stayed taken {self._busy_wait} s") \
                            from error
                    time.sleep(_POLL)
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(pooled_wait)}")  # for the pool's next user

    def _parameters(self, message: Inbound, now: datetime) -> Any:
        raw = {"platform": self._platform, "platform_key": message.key, "received_at": now,
               "payload": to_payload(message), "sender": message.sender[:self._sender_length]}
        bound = {name: convert(raw[name]) if convert else raw[name]
                 for name, convert in self._convert.items()}
        return tuple(bound[name] for name in self._positions) if self._positions else bound
