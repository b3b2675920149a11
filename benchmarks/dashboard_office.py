"""A large office for the dashboard benchmark (and, small, for the dashboard's tests): a
department tree, people, and tasks spread over two years with their holding stretches,
closure records, ratings and flags, written in bulk (PostgreSQL COPY, else executemany).

The data follow the product's own rules where the dashboard reads them (a closure's
department is the holder's first department, on-time flags compare `closed_at` with the
deadlines, an open task has one open holding stretch), and are random elsewhere (titles,
durations), from a seed, so two runs build the same office.
"""

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from tasks.feedback import rollup
from tasks.models import Base
from tasks.vocabulary import RATING_LEVELS

TABLES = ("departments", "people", "person_identities", "memberships", "supervisor_grants",
          "tasks", "holdings", "closures", "ratings", "task_flags")
FLAGS = ("buck_passing", "idle", "poor_work")
TITLES = ("核对经费报表", "起草会议纪要", "报送统计数据", "整理档案材料", "答复群众来信",
          "修订工作制度", "筹备专题会议", "更新网站栏目", "核查安全隐患", "汇总调研报告")


@dataclass(frozen=True)
class Shape:
    """How big the office is; the defaults are the issue's 5,000 people, 1,000,000 tasks."""

    people: int = 5_000
    tasks: int = 1_000_000
    bureaus: int = 20
    sections: int = 10  # per bureau
    days: int = 730  # tasks are created over this many days before `now`
    seed: int = 16


@dataclass
class Built:
    """What a test or the benchmark needs to know about the generated office."""

    root: int
    bureaus: list[int]
    sections: list[int]
    leaders: dict[int, int]  # department id → its leader's person id
    members: dict[int, list[int]] = field(default_factory=dict)  # section → people
    userids: dict[int, str] = field(default_factory=dict)


def build(engine: Engine, shape: Shape, now: datetime) -> Built:
    """Write the office into an empty, migrated database."""
    rng = random.Random(shape.seed)
    writer = _Writer(engine)
    built = _directory(writer, shape, now)
    _work(writer, built, shape, now, rng)
    writer.finish()
    with Session(engine) as session, session.begin():
        rollup.rebuild(session)  # what the closes would have written, as the migration does
    return built


def _directory(writer: "_Writer", shape: Shape, now: datetime) -> Built:
    departments = [(1, "wecom", "1", "市政府办公室", None, True)]
    bureaus, sections = [], []
    next_id = 2
    for b in range(shape.bureaus):
        bureau = next_id
        departments.append((bureau, "wecom", str(bureau), f"第{b + 1:02d}局", "1", True))
        bureaus.append(bureau)
        next_id += 1
        for s in range(shape.sections):
            departments.append((next_id, "wecom", str(next_id), f"第{b + 1:02d}局{s + 1:02d}科",
                                str(bureau), True))
            sections.append(next_id)
            next_id += 1
    writer.rows("departments", ("id", "platform", "platform_id", "name",
                                "parent_platform_id", "active"), departments)
    people, identities, memberships = [], [], []
    built = Built(1, bureaus, sections, {})
    home: list[int] = []
    # two office leaders, one head per bureau, the rest spread over the sections
    for index in range(shape.people):
        person = index + 1
        userid = f"u{person:05d}"
        built.userids[person] = userid
        if index < 2:
            department, leader = 1, True
        elif index < 2 + len(bureaus):
            department, leader = bureaus[index - 2], True
        else:
            slot = index - 2 - len(bureaus)
            department = sections[slot % len(sections)]
            leader = slot < len(sections)
        people.append((person, "wecom", userid, f"人员{person:05d}", "", True))
        identities.append((person, person, "wecom", userid, "main"))
        memberships.append((person, person, department, leader))
        if leader:
            built.leaders.setdefault(department, person)
        built.members.setdefault(department, []).append(person)
        home.append(department)
    writer.rows("people", ("id", "platform", "userid", "name", "position", "active"), people)
    writer.rows("person_identities", ("id", "person_id", "platform", "userid", "linked_by"),
                identities)
    writer.rows("memberships", ("id", "person_id", "department_id", "is_leader"), memberships)
    # one grantee (督办权) per bureau: its first section's second member
    grants = [(i + 1, built.members[sections[b * shape.sections]][1], bureau, now)
              for i, (b, bureau) in enumerate(enumerate(bureaus))
              if len(built.members.get(sections[b * shape.sections], [])) > 1]
    writer.rows("supervisor_grants", ("id", "person_id", "department_id", "granted_at"), grants)
    return built


def _work(writer: "_Writer", built: Built, shape: Shape, now: datetime,
          rng: random.Random) -> None:
    people = [p for members in built.members.values() for p in members]
    department_of = {p: d for d, members in built.members.items() for p in members}
    ids = {"closure": 0, "rating": 0, "flag": 0}
    start = now - timedelta(days=shape.days)
    span = shape.days * 86400
    offsets = sorted(rng.random() * span for _ in range(shape.tasks))
    for index, offset in enumerate(offsets):
        task_id = index + 1
        created = start + timedelta(seconds=offset)
        age_days = (now - created).total_seconds() / 86400
        requester = rng.choice(people)
        offered = rng.random() < 0.08
        holder = None if offered else rng.choice(people)
        department = rng.choice(built.sections) if offered else None
        deadline = (created + timedelta(hours=rng.choice((8, 24, 72, 120, 240))))\
            if rng.random() < 0.85 else None
        extended = deadline is not None and rng.random() < 0.1
        original = deadline
        if extended:
            assert deadline is not None
            deadline = deadline + timedelta(days=rng.choice((2, 5, 10)))
        p_open = max(0.02, 0.85 * (1 - age_days / 30))
        roll = rng.random()
        state = "pending" if offered else ("accepted" if rng.random() < 0.7 else "pending")
        closed_at = cancelled_at = accepted_at = None
        first_minutes = int(rng.expovariate(1 / 180)) + 1
        if roll >= p_open:
            if rng.random() < 0.04:
                state, cancelled_at = "cancelled", created + timedelta(hours=rng.random() * 48)
            else:
                state = "closed"
                closed_at = created + timedelta(minutes=first_minutes) + timedelta(
                    hours=rng.expovariate(1 / 60))
                if closed_at > now:
                    closed_at = now - timedelta(seconds=rng.random() * 3600)
                    first_minutes = min(first_minutes, max(
                        0, int((closed_at - created).total_seconds() // 60)))
                if holder is None:
                    holder = rng.choice(built.members[department or built.sections[0]])
        if state in ("accepted", "closed"):
            accepted_at = created + timedelta(minutes=first_minutes)
            if closed_at is not None and accepted_at > closed_at:
                accepted_at = closed_at
        if state == "accepted" and holder is None:
            state = "pending"
        writer.task((task_id, TITLES[task_id % len(TITLES)] + f"（{task_id}）",
                     rng.choice(("general", "general", "general", "urgent", "meeting")),
                     state, requester, holder, department,
                     holder if accepted_at else None, "{}", None, None, deadline,
                     original, False, "已办结" if closed_at else None, created, accepted_at,
                     None, closed_at, cancelled_at, None, "[]", "{}", 0, 0, 0,
                     closed_at or cancelled_at or accepted_at or created))
        writer.row("holdings", (task_id, task_id, holder,
                                None if holder else department, None, created, accepted_at,
                                closed_at or cancelled_at,
                                "closed" if closed_at else ("cancelled" if cancelled_at
                                                            else None)))
        if closed_at is not None:
            assert holder is not None
            ids["closure"] += 1
            closure_id = ids["closure"]
            close_minutes = int((closed_at - created).total_seconds() // 60)
            writer.row("closures", (
                closure_id, task_id, 0, closed_at, holder, holder, department_of[holder],
                "已办结", min(first_minutes, close_minutes), close_minutes, deadline, original,
                None if original is None else closed_at <= original,
                None if deadline is None else closed_at <= deadline, 0, 0, 0, 0, "[]"))
            if requester != holder:
                ids["rating"] += 1
                asked_until = closed_at + timedelta(days=3)
                if asked_until > now and rng.random() < 0.6:
                    rating_state, level = "asked", None
                elif rng.random() < 0.8:
                    rating_state = "rated"
                    level = rng.choices(RATING_LEVELS, weights=(40, 35, 15, 7, 3))[0]
                else:
                    rating_state, level = "not_rated", None
                writer.row("ratings", (
                    ids["rating"], task_id, closure_id, requester, holder, rating_state,
                    level, None, False, closed_at, asked_until,
                    closed_at if level else None))
        if rng.random() < 0.02:
            ids["flag"] += 1
            raised = created + timedelta(hours=rng.random() * 48)
            writer.row("task_flags", (ids["flag"], task_id, rng.choice(FLAGS), "k",
                                      min(raised, now), "{}"))


_COLUMNS = {
    "tasks": ("id", "title", "kind", "state", "requester_id", "holder_id", "department_id",
              "first_responder_id", "policy", "first_response_due", "progress_every",
              "deadline", "original_deadline", "deadline_explicit", "result", "created_at",
              "accepted_at", "last_progress_at", "closed_at", "cancelled_at",
              "stand_in_for_id", "escalation", "ladder", "transfer_count", "bounce_count",
              "reopen_count", "updated_at"),
    "holdings": ("id", "task_id", "person_id", "department_id", "stand_in_for_id",
                 "started_at", "accepted_at", "ended_at", "ended_by"),
    "closures": ("id", "task_id", "round", "closed_at", "closed_by_id", "holder_id",
                 "department_id", "result", "first_response_minutes", "close_minutes",
                 "deadline", "original_deadline", "on_time_original", "on_time_extended",
                 "transfers", "bounces", "reminders_received", "chases_received",
                 "holder_times"),
    "ratings": ("id", "task_id", "closure_id", "requester_id", "holder_id", "state",
                "level", "reason", "awaiting_reason", "asked_at", "expires_at", "rated_at"),
    "task_flags": ("id", "task_id", "flag", "key", "raised_at", "detail"),
}
_JSON = {"policy", "progress_every", "escalation", "ladder", "holder_times", "detail"}
_BATCH = 50_000


class _Writer:
    """Buffers rows per table and writes them in batches, in foreign-key order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.buffers: dict[str, list[Sequence[Any]]] = {name: [] for name in _COLUMNS}

    def rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self._write(table, columns, list(rows))

    def task(self, row: Sequence[Any]) -> None:
        self.row("tasks", row)

    def row(self, table: str, row: Sequence[Any]) -> None:
        self.buffers[table].append(row)
        if table == "tasks" and len(self.buffers["tasks"]) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        for table in _COLUMNS:  # tasks first: the others point at them
            rows, self.buffers[table] = self.buffers[table], []
            if rows:
                self._write(table, _COLUMNS[table], rows)

    def finish(self) -> None:
        self.flush()
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as connection:
                for table in TABLES:  # ids were given: move each sequence past them
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))

    def _write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        if self.engine.dialect.name == "postgresql":
            self._copy(table, columns, rows)
            return
        model = Base.metadata.tables[table]
        records = [dict(zip(columns, _plain(columns, row), strict=True)) for row in rows]
        with self.engine.begin() as connection:
            connection.execute(insert(model), records)

    def _copy(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(  # type: ignore[attr-defined]
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(_naive(value) for value in row))
            raw.commit()
        finally:
            raw.close()


def _plain(columns: Sequence[str], row: Sequence[Any]) -> Iterator[Any]:
    """A row for SQLAlchemy's insert: JSON columns as Python values."""
    for name, value in zip(columns, row, strict=True):
        yield json.loads(value) if name in _JSON and isinstance(value, str) else value


def _naive(value: Any) -> Any:
    """COPY writes what it is given: instants as naive UTC, as UTCDateTime stores them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
