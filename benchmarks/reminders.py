"""Benchmark: the reminder dispatcher with 1,000 and with 1,000,000 pending reminders.

Each number of pending reminders (rows in state `pending`, due between a day and a year
ahead, as a year of planned reminders would be) gets a database of its own, and:

* **the cost of one dispatch round**: one transaction exactly as the worker's reminder
  thread runs it (`workers.jobs.reminders.dispatch_reminders`: load the calendar,
  `tasks.reminders.dispatch_due` with the worker's batch size, commit) when nothing, 100
  or 500 rows are due. Rounds take turns between the databases, so that other load on the
  machine hits both alike; medians and p90 over the rounds. The target is the cost at
  the largest pending count within 1.5x of the cost at the smallest.
* **the lag while 1,000 reminders fall due per second**: rows due from a few seconds
  ahead, evenly at that rate for 10 s; one or two worker-like processes run the product's
  `ReminderThread` (a poll every 0.5 s). A row's lag is the commit of the transaction that
  queued its outbox message minus the instant it was inserted as due, both on the real
  clock. Target: p99 under 1 s. On SQLite another connection meanwhile takes the write
  lock every half second, as the web's inbox insert does, and its waits are reported.

Every due row is the 催办 (overdue, level 0) of its own open, accepted task, so the
dispatcher's fresh plan keeps it; the benchmark checks that each ends `sent`. The round's
queries on the reminders table are explained inside a real round: EXPLAIN (ANALYZE,
BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite. PostgreSQL is analysed after each
bulk load and before each block of rounds, as autovacuum would; SQLite is not, as in
production.

    .venv/bin/python -m benchmarks.reminders [--write-docs]
    .venv/bin/python -m benchmarks.reminders --write-docs \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mashangban_bench

SQLite runs on fresh files in a temporary directory. On PostgreSQL the benchmark works in
schemas of its own (`bench_reminders_1000` ..., created afresh and dropped at the end) of
the given database, so it never touches the tables of another run or of the test suite.
Redis is an embedded server in the temporary directory: the reminder thread raises the
workers' wake-up flag after a round that queued messages.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
OUTER = ("<!-- reminder-benchmark -->", "<!-- /reminder-benchmark -->")
PG_SCHEMA = "bench_reminders"
REMINDERS_PER_PENDING_TASK = 100  # far-future rows share tasks; each due row has its own
PENDING_CHUNK = 100_000  # rows per bulk insert
SECTIONS, STAFF_PER_SECTION = 4, 10
TARGET_RATIO, TARGET_P99_S = 1.5, 1.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reminders",
        description="Cost of a reminder dispatch round and the lag from due to queued send, "
                    "with few and with many pending reminders.")
    parser.add_argument("--database-url",
                        help="PostgreSQL URL of a database for benchmarks (the benchmark "
                             f"uses schemas {PG_SCHEMA}_N); default: fresh SQLite files")
    parser.add_argument("--pending", default="1000,1000000",
                        help="pending reminder counts to measure at, ascending "
                             "(default %(default)s)")
    parser.add_argument("--due", default="0,100,500",
                        help="rows due in a measured round (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=15,
                        help="measured rounds per due count (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="unmeasured rounds before them (default %(default)s)")
    parser.add_argument("--rate", type=int, default=1000,
                        help="reminders falling due per second in the lag run "
                             "(default %(default)s)")
    parser.add_argument("--seconds", type=int, default=10,
                        help="length of the lag run's stream of due rows (default %(default)s)")
    parser.add_argument("--processes", default="1,2",
                        help="dispatcher process counts for the lag run; empty: no lag run "
                             "(default %(default)s)")
    parser.add_argument("--lead", type=float, default=8.0,
                        help="seconds between the start of the lag run's insert and the first "
                             "due instant (default %(default)s)")
    parser.add_argument("--drain", type=float, default=300.0,
                        help="seconds to wait after the stream for stragglers "
                             "(default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default %(default)s)")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the results into docs/performance.md between the "
                             "reminder-benchmark markers")
    args = parser.parse_args(argv)
    args.pending = _numbers(args.pending)
    args.due = _numbers(args.due)
    args.processes = _numbers(args.processes)
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url: a PostgreSQL URL (SQLite needs none)")
    if args.pending != sorted(args.pending) or len(args.pending) < 2:
        parser.error("--pending needs at least two counts, ascending")
    return args


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.replace("_", "").split(",") if part.strip()]


# ---- database --------------------------------------------------------------------------


def create_database(args: argparse.Namespace, tmp: Path, pending: int) -> str:
    """A migrated, empty database for one pending count; the URL the product is given."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from workers.db import make_engine, upgrade

    if not args.database_url:
        url = f"sqlite:///{tmp / f'reminders-{pending}.db'}"
    else:
        engine = make_engine(args.database_url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema(pending)} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema(pending)}"))
        engine.dispose()
        url = make_url(args.database_url).update_query_dict(
            {"options": f"-csearch_path={schema(pending)}"}).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_schemas(args: argparse.Namespace) -> None:
    """Remove the PostgreSQL schemas of the run (SQLite files go with the temp directory)."""
    from sqlalchemy import text

    from workers.db import make_engine

    if args.database_url:
        engine = make_engine(args.database_url)
        with engine.begin() as connection:
            for pending in args.pending:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema(pending)} CASCADE"))
        engine.dispose()


def schema(pending: int) -> str:
    return f"{PG_SCHEMA}_{pending}"


def bulk_insert(engine: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany on SQLite.

    Values are converted by the columns' own types for the dialect (UTC instants, JSON),
    so the stored form is the one the ORM writes and reads.
    """
    if not rows:
        return
    dialect = engine.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    tuples = ([value if process is None else process(value)
               for process, value in zip(processors, (row[n] for n in names), strict=True)]
              for row in rows)
    if dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for values in tuples:
                    copy.write_row(values)
            raw.commit()
        finally:
            raw.close()
        return
    marks = ", ".join("?" for _ in names)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
            [tuple(values) for values in tuples])


# ---- the office and its tasks -----------------------------------------------------------


def seed_directory(sessions: Any) -> list[tuple[int, int]]:
    """An office with a director and sections of a head and staff; (staff id, section id)."""
    from sqlalchemy import select

    from tasks.directory.sync import apply_snapshot
    from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot
    from tasks.models import Membership, Person

    departments = [DirectoryDepartment("1", "办公室", None, ("director",))]
    members = [DirectoryMember("director", "主任", ("1",), ("1",))]
    for number in range(1, SECTIONS + 1):
        section = str(number + 1)
        departments.append(DirectoryDepartment(section, f"第{number}科", "1", (f"head{number}",)))
        members.append(DirectoryMember(f"head{number}", f"科长{number}", (section,), (section,)))
        members += [DirectoryMember(f"staff{number}_{n}", f"科员{number}-{n}", (section,))
                    for n in range(1, STAFF_PER_SECTION + 1)]
    with sessions.begin() as session:
        apply_snapshot(session, DirectorySnapshot(tuple(departments), tuple(members)),
                       now=datetime.now(UTC))
    with sessions() as session:
        return [(person, section) for person, section in session.execute(
            select(Person.id, Membership.department_id).join(
                Membership, Membership.person_id == Person.id).where(
                Person.userid.like("staff%")).order_by(Person.id))]


@dataclass
class Office:
    """One database with its office and pending reminders; writes tasks and reminders
    straight into the tables, in the product's shapes."""

    pending: int
    url: str
    engine: Any
    sessions: Any
    staff: list[tuple[int, int]]
    director: int
    random: random.Random
    probe: Probe
    next_task: int = 1
    policy: dict[str, Any] = field(init=False)  # the general kind's, as tasks copy it

    def __post_init__(self) -> None:
        from tasks.core import sla

        self.policy = sla.DEFAULTS_BY_KIND["general"].to_dict()

    @classmethod
    def create(cls, args: argparse.Namespace, tmp: Path, pending: int) -> Office:
        """A fresh database with the office's directory and no reminders yet."""
        from sqlalchemy import select

        from tasks.models import Person
        from workers.db import make_engine, make_sessions

        url = create_database(args, tmp, pending)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        staff = seed_directory(sessions)
        with sessions() as session:
            director = session.scalar(select(Person.id).where(Person.userid == "director"))
        return cls(pending, url, engine, sessions, staff, director, random.Random(args.seed),
                   Probe(engine))

    def add_tasks(self, deadlines: list[datetime], now: datetime) -> range:
        """One open, accepted general task per deadline, with its holding; their ids."""
        from tasks.models import Holding, Task

        ids = range(self.next_task, self.next_task + len(deadlines))
        self.next_task = ids.stop
        tasks, holdings = [], []
        for task_id, deadline in zip(ids, deadlines, strict=True):
            holder, section = self.random.choice(self.staff)
            created = min(deadline, now) - timedelta(days=9)
            accepted = created + timedelta(minutes=20)
            tasks.append({
                "id": task_id, "title": f"基准任务 {task_id}", "kind": "general",
                "state": "accepted", "requester_id": self.director, "holder_id": holder,
                "department_id": section, "first_responder_id": holder,
                "policy": self.policy, "first_response_due": created + timedelta(hours=2),
                "progress_every": {"amount": 10, "unit": "natural_days"},
                "deadline": deadline, "deadline_explicit": True, "created_at": created,
                "accepted_at": accepted, "escalation": [], "transfer_count": 0,
                "bounce_count": 0, "reopen_count": 0, "updated_at": accepted,
            })
            holdings.append({"task_id": task_id, "person_id": holder, "started_at": accepted,
                             "accepted_at": accepted})
        bulk_insert(self.engine, Task.__table__, tasks)
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as connection:
                connection.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('tasks', 'id'), %(top)s)",
                    {"top": ids.stop - 1})
        bulk_insert(self.engine, Holding.__table__, holdings)
        return ids

    def add_due(self, due: list[datetime], now: datetime) -> range:
        """Rows falling due at these instants: each the 催办 of its own task, whose deadline
        it is, exactly as `tasks.reminders.plan` keys it; the task ids."""
        from tasks.models import Reminder

        ids = self.add_tasks(due, now)
        bulk_insert(self.engine, Reminder.__table__, [
            {"task_id": task_id, "timer": "overdue", "level": 0, "cycle": at.isoformat(),
             "due_at": at, "audience": "holder+supervisors", "state": "pending",
             "created_at": now}
            for task_id, at in zip(ids, due, strict=True)])
        return ids

    def add_pending(self, count: int, now: datetime) -> None:
        """`count` reminders due between a day and a year from now, 100 to a task."""
        from tasks.models import Reminder

        per_task = REMINDERS_PER_PENDING_TASK
        deadlines = [now + timedelta(days=self.random.uniform(30, 365))
                     for _ in range(math.ceil(count / per_task))]
        ids = self.add_tasks(deadlines, now)
        for start in range(0, count, PENDING_CHUNK):
            bulk_insert(self.engine, Reminder.__table__, [
                {"task_id": ids[n // per_task], "timer": "progress", "level": 0,
                 "cycle": f"bench-{n % per_task}",
                 "due_at": now + timedelta(days=self.random.uniform(1, 365)),
                 "audience": "holder", "state": "pending", "created_at": now}
                for n in range(start, min(count, start + PENDING_CHUNK))])


def states_of(engine: Any, ids: range) -> dict[str, int]:
    """How many reminders of these tasks are in each state."""
    from sqlalchemy import func, select

    from tasks.models import Reminder

    with engine.connect() as connection:
        return dict(connection.execute(
            select(Reminder.state, func.count()).where(
                Reminder.task_id.between(ids.start, ids.stop - 1)).group_by(Reminder.state)
        ).all())


# ---- one dispatch round -----------------------------------------------------------------


@dataclass
class Probe:
    """Counts the statements of a round and, while `explaining`, explains each query it
    sends to the reminders table."""

    engine: Any
    statements: int = 0
    explaining: bool = False
    plans: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)

    def _before(self, connection: Any, _cursor: Any, statement: str, parameters: Any,
                _context: Any, _many: bool) -> None:
        self.statements += 1
        if self.explaining and statement.lstrip().startswith("SELECT") \
                and "FROM reminders" in statement:
            self.plans.append(self._explain(connection, statement, parameters))

    def _explain(self, connection: Any, statement: str, parameters: Any) -> str:
        """The plan of a query as the round is about to run it, in its transaction; long
        lists of ids are shortened for reading."""
        prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if self.engine.dialect.name == "postgresql"
                  else "EXPLAIN QUERY PLAN ")
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(prefix + statement, parameters)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        lines = [str(row[0]) if len(row) == 1 else str(row[-1]) for row in rows]
        lines = [re.sub(r"'\{[\d,]{60,}\}'", "'{...}'", line) for line in lines]
        mark = r"(?:\?|%\(\w+\)s(?:::\w+)?)"  # SQLite's or psycopg's, with its cast
        shown = re.sub(rf"IN \({mark}(?:, {mark}){{5,}}\)", "IN (...)", " ".join(statement.split()))
        return "\n".join([shown, "", *lines])


def one_round(sessions: Any, rules: Any) -> tuple[float, int]:
    """One transaction of the worker's reminder thread; (seconds, rows sent)."""
    from tasks.reminders.schedule import dispatch_due
    from workers.jobs.reminders import BATCH

    started = time.perf_counter()
    with sessions.begin() as session:
        sent = dispatch_due(session, None, rules, datetime.now(UTC), limit=BATCH)
    return time.perf_counter() - started, sent


@dataclass
class RoundCost:
    """Measured rounds at one pending count and one due count."""

    pending: int
    due: int
    seconds: list[float]
    statements: int  # per round

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p90_ms(self) -> float:
        return percentile(self.seconds, 0.90) * 1000


def measure_rounds(args: argparse.Namespace, offices: list[Office], rules: Any,
                   due: int) -> list[RoundCost]:
    """Rounds with `due` rows fallen due in the last half second, taking turns between the
    databases (in alternating order) so that other load on the machine hits all alike;
    checks that every due row ends sent. One RoundCost per database."""
    seconds: dict[int, list[float]] = {office.pending: [] for office in offices}
    statements: dict[int, list[int]] = {office.pending: [] for office in offices}
    for office in offices:
        analyze(office)
    for number in range(args.warmup + args.rounds):
        for office in offices if number % 2 == 0 else offices[::-1]:
            now = datetime.now(UTC)
            ids = office.add_due([now - timedelta(seconds=office.random.uniform(0, 0.5))
                                  for _ in range(due)], now)
            office.probe.statements = 0
            elapsed, sent = one_round(office.sessions, rules)
            states = states_of(office.engine, ids)
            if sent != due or states.get("sent", 0) != due:
                raise RuntimeError(f"round sent {sent} of {due} due rows; states {states}")
            if number >= args.warmup:
                seconds[office.pending].append(elapsed)
                statements[office.pending].append(office.probe.statements)
    costs = [RoundCost(pending, due, seconds[pending],
                       round(statistics.median(statements[pending]))) for pending in seconds]
    for cost in costs:
        print(f"  pending {cost.pending:>9,}, due {due:>3}: median {cost.median_ms:7.1f} ms, "
              f"p90 {cost.p90_ms:7.1f} ms, {cost.statements} statements", flush=True)
    return costs


def explain_claim(office: Office, rules: Any, due: int) -> str:
    """Run one more round with `due` rows due, explaining its reminder queries on the way."""
    now = datetime.now(UTC)
    office.add_due([now - timedelta(seconds=0.1)] * due, now)
    office.probe.plans, office.probe.explaining = [], True
    try:
        one_round(office.sessions, rules)
    finally:
        office.probe.explaining = False
    return "\n\n".join(office.probe.plans)


# ---- the lag run ------------------------------------------------------------------------


class WriterProbe(threading.Thread):
    """Another SQLite writer, as the web's inbox insert is: every half second it takes the
    write lock the product's way (BEGIN IMMEDIATE, 30 s busy timeout) and lets it go,
    recording how long it waited; a wait that ends in "database is locked" counts 30 s."""

    def __init__(self, path: str):
        super().__init__(name="writer-probe", daemon=True)
        self.path, self.waits, self.stopped = path, [], threading.Event()

    def run(self) -> None:
        import sqlite3

        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        while not self.stopped.wait(0.5):
            started = time.monotonic()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
                self.waits.append(time.monotonic() - started)
            except sqlite3.OperationalError:
                self.waits.append(30.0)
        connection.close()


class RecordingClock:
    """The system clock, remembering its last reading (one reader: the reminder thread)."""

    last: datetime | None = None

    def __call__(self) -> datetime:
        self.last = datetime.now(UTC)
        return self.last


def dispatcher(database_url: str, redis_url: str, tmp: str, messages: Any, stop: Any) -> None:
    """A worker-like process: the product's ReminderThread until `stop` is set.

    Sends back ("ready", pid), then ("commits", {clock reading: (commit epoch, rows
    claimed, pid)}) with one entry per committed dispatch transaction; the reading is what
    the rows' `sent_at` holds, so the parent can tell when each row's message became visible
    to the senders.
    """
    from sqlalchemy import event

    from tasks.models import Reminder
    from workers.jobs.reminders import ReminderThread
    from workers.runtime import Runtime
    from workers.settings import load_settings

    settings = load_settings({"MASHANGBAN_DATABASE_URL": database_url,
                              "MASHANGBAN_REDIS_URL": redis_url, "MASHANGBAN_VAR_DIR": tmp,
                              "MASHANGBAN_QUEUE": "bench-reminders"}, env_file="/nonexistent")
    clock = RecordingClock()
    rt = Runtime(settings, clock=clock)
    commits: dict[datetime, tuple[float, int, int]] = {}
    claimed = [0]

    def loaded(*_: Any) -> None:
        claimed[0] += 1

    def committed(_session: Any) -> None:
        if clock.last is not None:
            commits[clock.last] = (time.time(), claimed[0], os.getpid())
        claimed[0] = 0

    event.listen(Reminder, "load", loaded)
    event.listen(rt.sessions, "after_commit", committed)
    with rt.engine.connect():
        rt.redis.ping()
    thread = ReminderThread(rt)
    thread.start()
    messages.put(("ready", os.getpid()))
    stop.wait()
    thread.stopped.set()
    thread.join()
    messages.put(("commits", commits))
    rt.engine.dispose()


@dataclass(frozen=True)
class Transaction:
    """One committed dispatch transaction of a lag run that sent streamed rows."""

    read: float  # epoch of the clock reading the round used as now
    done: float  # epoch of its commit
    claimed: int
    sent: int
    pid: int


@dataclass
class LagRun:
    """One lag run: rows due at `rate` per second, dispatched by `processes` processes."""

    pending: int
    processes: int
    lags: list[float]  # seconds, one per row; for a row never sent, its wait until the end
    unsent: int
    writer_waits: list[float]  # SQLite: another writer's waits for the lock meanwhile
    transactions: list[Transaction]

    def p(self, q: float) -> float:
        return percentile(self.lags, q)

    def shown(self, q: float) -> str:
        """A percentile in seconds; '≥' when rows never sent make it a lower bound."""
        return f"{'≥ ' if self.unsent else ''}{self.p(q):.3f} s"

    @property
    def rate(self) -> float:
        """Rows sent per second from the first commit that sent any to the last."""
        ordered = sorted((t.done, t.sent) for t in self.transactions)
        if len(ordered) < 2:
            return float("nan")
        return sum(n for _, n in ordered[1:]) / (ordered[-1][0] - ordered[0][0])

    @property
    def met(self) -> bool:
        return self.unsent == 0 and self.p(0.99) < TARGET_P99_S

    @property
    def writer(self) -> str:
        """Another SQLite writer's waits for the lock during the run, in words."""
        if not self.writer_waits:
            return "—"
        timeouts = sum(wait >= 30 for wait in self.writer_waits)
        return (f"{statistics.median(self.writer_waits) * 1000:,.0f} ms / "
                f"{max(self.writer_waits):.1f} s" + (f", {timeouts} × locked" if timeouts else ""))


def lag_run(args: argparse.Namespace, office: Office, redis_url: str, tmp: Path,
            processes: int) -> LagRun:
    """Start the dispatchers, insert the stream of due rows, wait, and read every row's lag.

    The wait for stragglers reads through a plain engine: the product's SQLite engine
    begins every transaction with BEGIN IMMEDIATE, and a dispatcher that is behind runs
    its transactions back to back, so a writer waiting for the lock never gets it.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    reader = create_engine(office.url)
    writer = WriterProbe(make_url(office.url).database) if not args.database_url else None
    context = multiprocessing.get_context("spawn")
    messages, stop = context.Queue(), context.Event()
    workers = [context.Process(target=dispatcher,
                               args=(office.url, redis_url, str(tmp), messages, stop))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            messages.get(timeout=60)
        analyze(office)
        if writer is not None:
            writer.start()
        now = datetime.now(UTC)
        first_due = now + timedelta(seconds=args.lead)
        due = [first_due + timedelta(seconds=n / args.rate)
               for n in range(args.rate * args.seconds)]
        ids = office.add_due(due, now)
        margin = (first_due - datetime.now(UTC)).total_seconds()
        if margin < 1:
            raise RuntimeError(f"inserting the stream took too long ({margin:.1f} s before the "
                               "first due instant); raise --lead")
        time.sleep(margin + args.seconds)
        give_up = time.monotonic() + args.drain
        while states_of(reader, ids).get("pending") and time.monotonic() < give_up:
            time.sleep(1)
        stopped = time.time()
        stop.set()
        commits: dict[datetime, tuple[float, int, int]] = {}
        for _ in workers:
            _kind, entries = messages.get(timeout=60)
            commits.update(entries)
    finally:
        stop.set()
        if writer is not None and writer.is_alive():
            writer.stopped.set()
            writer.join()
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
        reader.dispose()
    return collect_lags(office, dict(zip(ids, due, strict=True)), commits, stopped, processes,
                        writer.waits if writer is not None else [])


def collect_lags(office: Office, due: dict[int, datetime],
                 commits: dict[datetime, tuple[float, int, int]], stopped: float,
                 processes: int, writer_waits: list[float]) -> LagRun:
    """Each streamed row's lag from the instant it was inserted as due (by its task id);
    rows left pending count with their wait until `stopped`, and are cancelled so they
    cannot disturb what is measured next. A row whose stored due_at no longer is the
    inserted one (something replanned it) is reported."""
    from sqlalchemy import select, update

    from tasks.models import Reminder

    in_run = Reminder.task_id.between(min(due), max(due))
    with office.engine.begin() as connection:
        rows = connection.execute(select(Reminder.task_id, Reminder.due_at, Reminder.sent_at,
                                         Reminder.state).where(in_run)).all()
        connection.execute(update(Reminder).where(in_run, Reminder.state == "pending")
                           .values(state="cancelled"))
    lags, unsent, per_transaction = [], 0, {}
    moved = sum(due_at != due[task_id] for task_id, due_at, _, _ in rows)
    if moved:
        print(f"  WARNING: {moved} streamed rows no longer have the due_at they were inserted "
              "with (replanned by something else?)", flush=True)
    for task_id, _, sent_at, state in rows:
        if state == "sent":
            lags.append(commits[sent_at][0] - due[task_id].timestamp())
            per_transaction[sent_at] = per_transaction.get(sent_at, 0) + 1
        elif state == "pending":
            lags.append(stopped - due[task_id].timestamp())
            unsent += 1
        else:
            raise RuntimeError(f"a streamed row ended {state!r}, not sent")
    transactions = [Transaction(at.timestamp(), commits[at][0], commits[at][1], sent,
                                commits[at][2]) for at, sent in per_transaction.items()]
    run = LagRun(office.pending, processes, lags, unsent, writer_waits, transactions)
    print(f"  pending {office.pending:>9,}, {processes} process(es): lag p50 {run.shown(0.5)}, "
          f"p99 {run.shown(0.99)}, max {run.shown(1.0)}, unsent {unsent}, "
          f"{run.rate:.0f} rows/s, another writer waited {run.writer}", flush=True)
    return run


# ---- the whole run ----------------------------------------------------------------------


@dataclass
class Results:
    """Everything one run measured, for the report."""

    # (pending count, seconds to load up to it, seconds of ANALYZE after)
    load: list[tuple[int, float, float]] = field(default_factory=list)
    costs: list[RoundCost] = field(default_factory=list)
    plans: dict[int, str] = field(default_factory=dict)  # pending -> plan of the claim
    lags: list[LagRun] = field(default_factory=list)


def run(args: argparse.Namespace, tmp: Path) -> Results:
    """One database per pending count, loaded; round costs taking turns between them; the
    claim's plan; then the lag runs on each."""
    from workers import embedded_redis
    from workers.settings import load_settings

    rules = load_settings({}, env_file="/nonexistent").rules
    results = Results()
    offices: list[Office] = []
    redis_url = embedded_redis.ensure_running(tmp / "redis")
    try:
        for pending in args.pending:
            offices.append(Office.create(args, tmp, pending))
            load_s, analyze_s = load_pending(offices[-1])
            results.load.append((pending, load_s, analyze_s))
            print(f"pending {pending:,}: loaded in {load_s:.1f} s"
                  + (f" (+ ANALYZE {analyze_s:.1f} s)" if analyze_s else ""), flush=True)
        for due in args.due:
            results.costs += measure_rounds(args, offices, rules, due)
        for office in offices:
            results.plans[office.pending] = explain_claim(office, rules, max(args.due))
            for processes in args.processes:
                results.lags.append(lag_run(args, office, redis_url, tmp, processes))
    finally:
        embedded_redis.stop(tmp / "redis")
        for office in offices:
            office.engine.dispose()
        drop_schemas(args)
    return results


def load_pending(office: Office) -> tuple[float, float]:
    """Load the office's pending reminders; (load seconds, ANALYZE seconds)."""
    started = time.perf_counter()
    office.add_pending(office.pending, datetime.now(UTC))
    loaded = time.perf_counter() - started
    if office.engine.dialect.name != "postgresql":
        return loaded, 0.0
    started = time.perf_counter()
    analyze(office)
    return loaded, time.perf_counter() - started


def analyze(office: Office) -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum keeps them after big changes.

    Called after each bulk load and before each block of rounds and each lag run (never
    inside what is timed). Without it the statistics of the small database describe a
    tasks table of ten rows, and the cached plans of the foreign-key checks scan it whole
    for every row a later COPY inserts. SQLite is left as production leaves it: nothing
    runs ANALYZE there.
    """
    if office.engine.dialect.name == "postgresql":
        with office.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; q=1.0 is the maximum."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---- reporting --------------------------------------------------------------------------


def machine(database_url: str) -> dict[str, str]:
    """Where and on what the run happens, for the results."""
    import sqlite3

    import psycopg
    import sqlalchemy

    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    if database_url:
        from workers.db import make_engine

        engine = make_engine(database_url)
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar_one()
        engine.dispose()
        backend = (f"PostgreSQL {version.split()[0]} (schemas {PG_SCHEMA}_N, "
                   f"psycopg {psycopg.__version__})")
    else:
        backend = f"SQLite {sqlite3.sqlite_version} (fresh files, WAL)"
    code = hashlib.sha256((ROOT / "tasks" / "reminders.py").read_bytes()).hexdigest()[:12]
    head = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    return {
        "backend": backend,
        "nproc": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else "unknown",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "kernel": platform.release(),
        "code": f"git {head or 'unknown'}, tasks/reminders.py sha256 {code}",
        "busy": f"{busy_cpu():.0f}%",
    }


def cpu_times() -> tuple[float, float, float]:
    """(all CPUs' busy seconds, all CPUs' seconds, this process and its children's seconds)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
    tick = os.sysconf("SC_CLK_TCK")
    own = sum(getattr(resource.getrusage(who), kind)
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for kind in ("ru_utime", "ru_stime"))
    return (sum(fields) - fields[3] - fields[4]) / tick, sum(fields) / tick, own


def busy_since(before: tuple[float, float, float]) -> tuple[float, float]:
    """(share of all CPUs busy, share used by this benchmark's processes) since `before`."""
    after = cpu_times()
    total = max(1e-9, after[1] - before[1])
    return 100 * (after[0] - before[0]) / total, 100 * (after[2] - before[2]) / total


def busy_cpu(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` (before the run: other load)."""
    before = cpu_times()
    time.sleep(seconds)
    return busy_since(before)[0]


def results_markdown(args: argparse.Namespace, info: dict[str, str], results: Results) -> str:
    """The backend's results section: round costs, claim plan, lags, verdicts, machine."""
    low, high = args.pending[0], args.pending[-1]
    lines = [
        f"Run on {time.strftime('%Y-%m-%d %H:%M %Z')}: {info['backend']}; "
        f"{args.rounds} measured rounds (after {args.warmup} warm-up) per row.",
        "",
        "Load (not a target): " + "; ".join(
            f"to {p:,} pending in {s:.1f} s" + (f" + ANALYZE {a:.1f} s" if a else "")
            for p, s, a in results.load) + ".",
        "",
        "**Cost of one dispatch round** (one transaction of the reminder thread: calendar, "
        "`dispatch_due` with batch 500, commit):",
        "",
        f"| rows due | median at {low:,} pending | median at {high:,} | p90 at {low:,} | "
        f"p90 at {high:,} | statements per round | ratio of medians | ≤ {TARGET_RATIO}x |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    met_cost = True
    for due in args.due:
        a = next(c for c in results.costs if c.pending == low and c.due == due)
        b = next(c for c in results.costs if c.pending == high and c.due == due)
        ratio = b.median_ms / a.median_ms
        met_cost &= ratio <= TARGET_RATIO
        lines.append(f"| {due} | {a.median_ms:.1f} ms | {b.median_ms:.1f} ms | "
                     f"{a.p90_ms:.1f} ms | {b.p90_ms:.1f} ms | {a.statements} / "
                     f"{b.statements} | {ratio:.2f} | {'yes' if ratio <= TARGET_RATIO else 'NO'} |")
    busy = [c for c in results.costs if c.due]
    if busy:
        per_row = statistics.median(c.median_ms / c.due for c in busy if c.due == max(args.due))
        lines += ["", f"At {max(args.due)} rows a round costs {per_row:.2f} ms per row "
                      f"(median of both pending counts): one process dispatches at most "
                      f"≈ {1000 / per_row:,.0f} rows a second."]
    lines += ["", f"Target (round cost at {high:,} pending ≤ {TARGET_RATIO} × at {low:,}): "
                  f"**{'met' if met_cost else 'NOT met'}**.", ""]
    explain = ("EXPLAIN (ANALYZE, BUFFERS)" if args.database_url else "EXPLAIN QUERY PLAN")
    lines += [f"The round's queries to the reminders table at {high:,} pending with "
              f"{max(args.due)} rows due, as `dispatch_due` sent them, each with its plan "
              f"({explain}, run in the round's transaction just before the query):",
              "", "```", results.plans[high], "```", ""]
    if results.lags:
        from workers.jobs.reminders import POLL_SECONDS

        lines += [
            f"**Lag from due instant to queued send** ({args.rate:,} rows due per second for "
            f"{args.seconds} s, each the 催办 of its own task; the product's `ReminderThread`, "
            f"poll every {POLL_SECONDS} s at a fixed rate, "
            f"batch 500; lag = commit of the dispatching transaction − "
            f"due_at):",
            "",
            "| pending | processes | rows | p50 | p99 | max | unsent | rows sent per second | "
            "transactions that sent (per process) | rows claimed / sent in each (median) | "
            "their time median / max | another writer's wait median / max | p99 < 1 s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
        ]
        for lag in results.lags:
            times = [t.done - t.read for t in lag.transactions] or [0.0]
            claimed = [t.claimed for t in lag.transactions] or [0]
            sizes = [t.sent for t in lag.transactions] or [0]
            counts = Counter(t.pid for t in lag.transactions).most_common()
            shares = [n for _, n in counts] + [0] * (lag.processes - len(counts))
            split = f" ({' + '.join(map(str, shares))})" if lag.processes > 1 else ""
            lines.append(
                f"| {lag.pending:,} | {lag.processes} | {len(lag.lags):,} | {lag.shown(0.5)} | "
                f"{lag.shown(0.99)} | {lag.shown(1.0)} | {lag.unsent} | {lag.rate:,.0f} | "
                f"{len(lag.transactions)}{split} | {statistics.median(claimed):.0f} / "
                f"{statistics.median(sizes):.0f} | "
                f"{statistics.median(times) * 1000:.0f} / {max(times) * 1000:.0f} ms | "
                f"{lag.writer} | {'yes' if lag.met else 'NO'} |")
        if not args.database_url:
            lines += ["", "Another writer: a connection that takes SQLite's write lock the "
                          "product's way (BEGIN IMMEDIATE, 30 s busy timeout) every 0.5 s during "
                          "the run, as the web's inbox insert and the workers do; "
                          "\"locked\" is a wait that ended in `database is locked`."]
        best = {p: any(lag.met for lag in results.lags if lag.pending == p)
                for p in args.pending}
        lines += ["", f"Target (p99 lag < {TARGET_P99_S:.0f} s at {args.rate:,}/s): "
                      f"**{'met' if all(best.values()) else 'NOT met'}**"
                      + ("" if all(best.values()) else " (" + ", ".join(
                          f"{p:,} pending: {'met' if ok else 'not met'} with any process count"
                          for p, ok in best.items()) + ")") + ".", ""]
    lines.append(f"Machine: nproc {info['nproc']}, CPU `{info['cpu']}`, Python {info['python']}, "
                 f"SQLAlchemy {info['sqlalchemy']}, Linux {info['kernel']}; code: "
                 f"{info['code']}; CPU busy before the run (other load): {info['busy']}; "
                 f"during the run: {info['during']} of all CPUs busy, {info['own']} used by "
                 f"the benchmark's Python processes (the rest: "
                 f"{'PostgreSQL and ' if args.database_url else ''}other load).")
    return "\n".join(lines)


def section_key(args: argparse.Namespace) -> str:
    """`sqlite` or `postgresql`."""
    return "postgresql" if args.database_url else "sqlite"


def write_docs(section: str, backend_key: str) -> None:
    """Replace the backend's results between its markers, inside the reminder section.

    The reminder section (between `<!-- reminder-benchmark -->` and
    `<!-- /reminder-benchmark -->`) is appended to the document if missing; nothing outside
    it is touched.
    """
    start, end = f"<!-- reminder-benchmark:{backend_key} -->", \
        f"<!-- /reminder-benchmark:{backend_key} -->"
    block = f"{start}\n{section}\n{end}"
    text = DOC.read_text(encoding="utf-8")
    if OUTER[0] not in text or OUTER[1] not in text:
        text = text.rstrip("\n") + "\n\n" + SKELETON + "\n"
    outer_start, outer_end = text.index(OUTER[0]), text.index(OUTER[1])
    inner_start, inner_end = text.find(start, outer_start), text.find(end, outer_start)
    if outer_start < inner_start < inner_end < outer_end:
        text = text[:inner_start] + block + text[inner_end + len(end):]
    else:
        title = "PostgreSQL" if backend_key == "postgresql" else "SQLite"
        text = text[:outer_end] + f"### Results: {title}\n\n{block}\n\n" + text[outer_end:]
    DOC.write_text(text, encoding="utf-8")


SKELETON = f"""{OUTER[0]}
## Reminder dispatch

Written by `python -m benchmarks.reminders --write-docs` (see its docstring).

{OUTER[1]}"""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    info = machine(args.database_url or "")
    print(f"{info['backend']}; CPU busy before the run (other load): {info['busy']}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="mashangban-reminders-"))
    before = cpu_times()
    try:
        results = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    during, own = busy_since(before)
    info.update(during=f"{during:.0f}%", own=f"{own:.0f}%")
    section = results_markdown(args, info, results)
    print()
    print(section)
    print(f"\n(total run time {time.monotonic() - started:.0f} s)")
    if args.write_docs:
        write_docs(section, section_key(args))
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
