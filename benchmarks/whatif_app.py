"""What-if builds of the benchmark app: candidate optimisations, patched in at load time.

The product code is not changed; this WSGI module imports `benchmarks.bench_app` and
monkeypatches it according to `MASHANGBAN_BENCH_WHATIF` (comma-separated names), so the
gain of a proposed change can be measured with `python -m benchmarks.callback --whatif ...`
before anybody implements it:

* `no-pre-ping`: no `SELECT 1` round trip on each pool checkout (PostgreSQL);
* `no-redis`: no Redis round trip after the commit (no replay check, no worker wake-up);
* `doorbell`: a fire-and-forget PUBLISH on a connection with replies off instead;
* `no-autocheckpoint`: the web process never checkpoints SQLite's WAL;
* `no-db`: no database work at all (upper bound, stores nothing: the inbox check fails).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from benchmarks.bench_app import app
from webapp import wecom
from workers.runtime import Runtime

RUNTIME: Runtime = app.extensions["mashangban"]


class _NoInbox:
    """Stores nothing and says every message was new."""

    def store(self, message: Any, *, now: Any) -> bool:
        return True


def no_db() -> None:
    RUNTIME.__dict__["inbox"] = _NoInbox()


def no_pre_ping() -> None:
    RUNTIME.engine.pool._pre_ping = False


def doorbell() -> None:
    """Fire-and-forget PUBLISH on a connection with replies off, and no Redis replay check."""
    connection = RUNTIME.redis.connection_pool.make_connection()
    connection.connect()
    connection.send_command("CLIENT", "REPLY", "OFF")
    lock = threading.Lock()

    def ring(rt: Any, signature: str, *, wake: bool) -> bool:
        if wake:
            with lock:
                connection.send_command("PUBLISH", "mashangban:doorbell", "1")
        return True

    wecom._after_commit = ring


def no_autocheckpoint() -> None:
    from sqlalchemy import event

    def no_checkpoint(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    RUNTIME.engine.dispose()
    event.listen(RUNTIME.engine, "connect", no_checkpoint)


def no_redis() -> None:
    wecom._after_commit = lambda rt, signature, *, wake: True


VARIANTS: dict[str, Callable[[], None]] = {
    "no-pre-ping": no_pre_ping,
    "no-redis": no_redis,
    "doorbell": doorbell,
    "no-autocheckpoint": no_autocheckpoint,
    "no-db": no_db,
}

for _name in filter(None, os.environ.get("MASHANGBAN_BENCH_WHATIF", "").split(",")):
    VARIANTS[_name]()
