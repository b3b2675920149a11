"""On SQLite the callback's insert waits a bounded time for the write lock: a worker
holding it too long makes the callback answer "try again" (the platform retries), and the
message is stored once the lock is free."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tasks.messaging.inbound import TextMessage
from tasks.messaging.inbox import Busy, InboxWriter
from tasks.models import InboxMessage

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def test_an_insert_behind_a_held_write_lock_gives_up_then_stores(db):
    if db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers do not share one lock")
    writer = InboxWriter(db, "wecom", busy_wait=0.05)
    message = TextMessage("msg:locked-1", "zhangwei", "帮助", "wecom")
    holder = db.raw_connection()
    try:
        holder.cursor().execute("BEGIN IMMEDIATE")  # a worker's write transaction
        with pytest.raises(Busy):
            writer.store(message, now=NOW)
    finally:
        holder.rollback()
        holder.close()

    assert writer.store(message, now=NOW) is True
    with db.connect() as connection:
        stored = connection.execute(select(InboxMessage.sender, func.count())
                                    .group_by(InboxMessage.sender)).all()
    assert stored == [("zhangwei", 1)]
