"""Benchmark: database statements per message in the worker, and the per-member rate check's
cost as recent sends grow.

1. Statements: a backlog of `--messages` new-task requests (`新建 … @某人`, each from its own
   sender to its own holder) is stored through the callback's `InboxWriter`, then the
   worker's `process_inbox` and `send_outbox` run in this process while a SQLAlchemy
   event listener counts every statement sent to the database (BEGIN, COMMIT and
   SAVEPOINT included). Reported per message: statements to process it, and to send
   what it produced (a reply to the sender and a card to the holder), with the time
   each phase took. The channel is an in-memory one that accepts every send.

2. Rate check: `tasks.messaging.delivery._room_at` for one row, timed after 0 … 40,000
   other rows were sent in the last minutes (to other people, as in a busy office), with
   and without `ix_outbox_recipient_recent`.

    .venv/bin/python -m benchmarks.worker_rounds                      # SQLite
    .venv/bin/python -m benchmarks.worker_rounds --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_w_rounds

A PostgreSQL database named in `--database-url` is dropped and created afresh (its name
must start with `bench_`). Run it with PYTHONPATH pointing at another checkout to measure
that code (the "before" figures in docs/performance.md came from the commit before
workers claimed in batches).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url

from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DirectoryDepartment,
    DirectoryMember,
    DirectorySnapshot,
)
from tasks.messaging.inbound import TextMessage
from tasks.messaging.inbox import InboxWriter
from tasks.models import OutboxMessage
from workers import db as workers_db
from workers.runtime import Runtime
from workers.settings import load_settings

ROOMY = ChannelLimits(per_member_per_minute=1000, per_group_per_minute=1000, text_bytes=4096,
                      markdown_bytes=4096, group_markdown_bytes=4096, card_fields=6,
                      card_title_chars=200, card_subtitle_chars=500, card_label_chars=20,
                      card_value_chars=200, card_button_chars=20,
                      media_lifetime=timedelta(days=2), longest_send=timedelta(0),
                      duplicate_window=timedelta(0))
TEST_WECOM = {"MASHANGBAN_WECOM_CORP_ID": "wwbench000000001", "MASHANGBAN_WECOM_AGENT_ID": "1",
              "MASHANGBAN_WECOM_SECRET": "bench", "MASHANGBAN_WECOM_TOKEN": "bench",
              "MASHANGBAN_WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}


@dataclass
class NullChannel:
    """Accepts every send at once: only the database's share of the work is measured."""

    directory: DirectorySnapshot = field(default_factory=DirectorySnapshot)
    limits: ChannelLimits = ROOMY
    sent: int = 0

    def _delivered(self, handle: bool = False) -> Delivery:
        self.sent += 1
        return Delivery(message_id=str(self.sent),
                        update_handle=f"h{self.sent}" if handle else None)

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        return self._delivered()

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        return self._delivered(handle=True)

    def update_card(self, to: str, card: Card, handle: str) -> None:
        self.sent += 1

    def fetch_directory(self) -> DirectorySnapshot:
        return self.directory

    def __getattr__(self, name: str) -> Any:  # images and groups: not in this benchmark
        raise AttributeError(name)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker_rounds",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--workers", default="",
                        help="e.g. 1,2: also time the backlog by that many processes")
    parser.add_argument("--recent", default="0,1000,10000,40000",
                        help="rows sent in the last minutes, for the rate check")
    return parser.parse_args(argv)


@contextmanager
def database(url: str) -> Iterator[str]:
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'rounds.db'}"
        return
    name = make_url(url).database
    if not name or not name.startswith("bench_"):
        raise SystemExit(f"refusing to recreate database {name!r}: name it bench_…")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


class Counter:
    """Counts the statements an engine sends (each execute, and each commit/rollback)."""

    def __init__(self, engine: Engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._one)
        event.listen(engine, "commit", self._one)
        event.listen(engine, "rollback", self._one)

    def _one(self, *_: Any, **__: Any) -> None:
        self.count += 1


def people(count: int) -> DirectorySnapshot:
    department = DirectoryDepartment("1", "办公室", None)
    return DirectorySnapshot((department,), tuple(
        DirectoryMember(f"u{i:05d}", f"测试{i:05d}", ("1",)) for i in range(count)))


def prepared(url: str, redis_url: str, var: str, messages: int
             ) -> tuple[Runtime, NullChannel]:
    """A fresh schema, a directory of 2 × `messages` people and a backlog of `messages`
    new-task requests, each from its own sender to its own holder, stored by the callback's
    writer."""
    settings = load_settings({**TEST_WECOM, "MASHANGBAN_VAR_DIR": var,
                              "MASHANGBAN_DATABASE_URL": url,
                              "MASHANGBAN_REDIS_URL": redis_url}, env_file="/nonexistent")
    engine = workers_db.make_engine(url)
    workers_db.upgrade(url)
    channel = NullChannel(people(2 * messages))
    rt = Runtime(settings, channel_override=channel, _engine=engine)
    rt.redis.flushdb()
    with rt.sessions.begin() as session:
        apply_snapshot(session, channel.directory, platform="wecom")
    writer = InboxWriter(engine, "wecom")
    now = rt.clock()
    for i in range(messages):
        holder = f"测试{messages + i:05d}"
        writer.store(TextMessage(f"m{i}", f"u{i:05d}", f"新建 材料{i} @{holder} 3天内",
                                 "wecom"), now=now)
    return rt, channel


def statements(url: str, redis_url: str, messages: int) -> dict[str, float]:
    """Process then send a backlog of `messages`; statements and ms per message."""
    from workers.jobs import messages as jobs

    with tempfile.TemporaryDirectory() as var:
        rt, channel = prepared(url, redis_url, var, messages)
        counter = Counter(rt.engine)
        started = time.perf_counter()
        handled = jobs.process_inbox(rt)
        processing = counter.count, time.perf_counter() - started
        counter.count, started = 0, time.perf_counter()
        jobs.send_outbox(rt)
        sending = counter.count, time.perf_counter() - started
        rt.redis.flushdb()
        rt.engine.dispose()
    assert handled == messages, f"handled {handled} of {messages}"
    return {"processing statements": processing[0] / messages,
            "processing ms": processing[1] * 1000 / messages,
            "sends": channel.sent / messages,
            "sending statements": sending[0] / messages,
            "sending ms": sending[1] * 1000 / messages}


def _work(settings: Any, url: str, start: Any) -> None:
    """One worker process: the worker's job, run until nothing is left."""
    from workers import runtime
    from workers.jobs import messages as jobs

    rt = Runtime(settings, channel_override=NullChannel(),
                 _engine=workers_db.make_engine(url))
    runtime.install(rt)
    start.wait()
    jobs.process_messages()


def throughput(url: str, redis_url: str, messages: int, workers: int) -> dict[str, float]:
    """Messages per second from a backlog of `messages` to every reply and card sent, by
    `workers` processes running the worker's job side by side."""
    import multiprocessing

    from sqlalchemy import func, select

    from tasks.models import InboxMessage

    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as var:
        rt, _ = prepared(url, redis_url, var, messages)
        rt.engine.dispose()
        start = context.Barrier(workers + 1)
        processes = [context.Process(target=_work, args=(rt.settings, url, start))
                     for _ in range(workers)]
        for process in processes:
            process.start()
        start.wait()
        began = time.perf_counter()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - began
        with rt.sessions() as session:
            left = session.scalar(select(func.count()).select_from(InboxMessage)
                                  .where(InboxMessage.processed_at.is_(None)))
            sent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.state == "sent"))
            queued = session.scalar(select(func.count()).select_from(OutboxMessage))
        rt.redis.flushdb()
        rt.engine.dispose()
    return {"messages/s": messages / elapsed, "unprocessed": left, "sent": sent,
            "queued": queued}


def rate_check(url: str, recent: list[int]) -> list[tuple[int, float, float]]:
    """(recent sends, ms with the index, ms without) for one row's `_room_at`."""
    from tasks.messaging import delivery

    engine = workers_db.make_engine(url)
    sessions = workers_db.make_sessions(engine)
    results, done = [], 0
    now = time_now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    probe = OutboxMessage(id=10**9, created_at=now, platform="wecom", recipient="u00000",
                          kind="text", body={"text": "x"}, state="sending", attempts=1,
                          next_attempt_at=now)
    for target in recent:
        rows = [{"created_at": time_now - timedelta(seconds=1 + i % 300), "platform": "wecom",
                 "recipient": f"r{i % 5000}", "kind": "text", "body": {"text": "x"},
                 "state": "sent", "attempts": 1,
                 "next_attempt_at": time_now - timedelta(seconds=1 + i % 300),
                 "sent_at": time_now - timedelta(seconds=1 + i % 300)}
                for i in range(done, target)]
        with sessions.begin() as session:
            for start in range(0, len(rows), 2000):
                session.execute(insert(OutboxMessage), rows[start:start + 2000])
        done = target
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        timings = []
        for index in (True, False):
            if not index:
                with engine.begin() as connection:
                    connection.execute(text("DROP INDEX ix_outbox_recipient_recent"))
            with sessions() as session:
                runs = []
                for _ in range(50):
                    started = time.perf_counter()
                    delivery._room_at(session, probe, now, ROOMY)
                    runs.append(time.perf_counter() - started)
            timings.append(statistics.median(runs) * 1000)
        with engine.begin() as connection:
            connection.execute(text("CREATE INDEX ix_outbox_recipient_recent ON outbox "
                                    "(platform, recipient, next_attempt_at)"))
        results.append((target, *timings))
    engine.dispose()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args.database_url) as url:
        figures = statements(url, args.redis_url, args.messages)
    print(f"{make_url(url).get_backend_name()}, {args.messages} messages:")
    for name, value in figures.items():
        print(f"  {name} per message: {value:.1f}")
    for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
        with database(args.database_url) as url:
            timed = throughput(url, args.redis_url, args.messages, workers)
        print(f"{workers} worker process(es): {timed['messages/s']:.1f} messages/s "
              f"(unprocessed {timed['unprocessed']}, rows sent {timed['sent']} of "
              f"{timed['queued']})")
    if not args.recent:
        return 0
    with database(args.database_url) as url:
        workers_db.upgrade(url)
        try:
            rows = rate_check(url, [int(r) for r in args.recent.split(",")])
        except Exception as error:  # an older schema has no such index to drop
            print(f"rate check: {type(error).__name__}: {str(error).splitlines()[0]}")
            return 0
    print("| recent sends | rate check with index (ms) | without (ms) |")
    for target, with_index, without in rows:
        print(f"| {target:,} | {with_index:.2f} | {without:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
