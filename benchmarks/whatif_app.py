"""What-if builds of the benchmark app: candidate optimisations, patched in at load time.

The product code is not changed; this WSGI module imports `benchmarks.bench_app` and
monkeypatches it according to `MASHANGBAN_BENCH_WHATIF` (comma-separated names), so the
gain of a proposed change can be measured with `python -m benchmarks.callback --whatif ...`
before anybody implements it:

* `no-pre-ping`: no `SELECT 1` round trip on each pool checkout (PostgreSQL);
* `no-redis`: no Redis round trip after the commit (no replay check, no worker wake-up);
* `doorbell`: a fire-and-forget PUBLISH on a connection with replies off instead;
* `batched`: group commit, one writer thread per process (run with `--worker-class gthread`);
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


class _Batcher:
    """Group commit: one writer thread per process stores what the request threads hand it,
    many messages per transaction and one Redis pipeline per batch (for gthread workers)."""

    def __init__(self) -> None:
        self.ready = threading.Condition()
        self.waiting: list[list[Any]] = []
        self.local = threading.local()
        writer = RUNTIME.inbox
        self.sql, self.begin, self.params = writer._sql, writer._begin, writer._parameters
        threading.Thread(target=self._run, daemon=True).start()

    def store(self, message: Any, *, now: Any) -> bool:
        item = [message, now, self.local_signature(), threading.Event(), (False, False)]
        with self.ready:
            self.waiting.append(item)
            self.ready.notify()
        item[3].wait(10)
        self.local.first_seen = item[4][1]
        return item[4][0]

    def local_signature(self) -> str:
        from flask import request

        return request.args["msg_signature"]

    def _run(self) -> None:
        while True:
            with self.ready:
                while not self.waiting:
                    self.ready.wait()
                batch, self.waiting = self.waiting, []
            for item, result in zip(batch, self._write(batch), strict=True):
                item[4] = result
                item[3].set()

    def _write(self, batch: list[list[Any]]) -> list[tuple[bool, bool]]:
        connection = RUNTIME.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if self.begin:
                cursor.execute(self.begin)
            stored = []
            for message, now, *_ in batch:
                cursor.execute(self.sql, self.params(message, now))
                stored.append(cursor.rowcount == 1)
            connection.commit()
        finally:
            connection.close()
        pipeline = RUNTIME.redis.pipeline(transaction=False)
        for item in batch:
            pipeline.set("mashangban:wecom:sig:" + item[2], "1", nx=True, ex=600)
        pipeline.set("mashangban:process:queued", "1", nx=True, ex=60)
        seen = pipeline.execute()[:-1]
        return [(s, bool(f)) for s, f in zip(stored, seen, strict=True)]


def batched() -> None:
    batcher = _Batcher()
    RUNTIME.__dict__["inbox"] = batcher
    wecom._after_commit = lambda rt, signature, *, wake: batcher.local.first_seen


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
    "batched": batched,
    "no-autocheckpoint": no_autocheckpoint,
    "no-db": no_db,
}

for _name in filter(None, os.environ.get("MASHANGBAN_BENCH_WHATIF", "").split(",")):
    VARIANTS[_name]()
