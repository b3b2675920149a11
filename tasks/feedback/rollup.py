"""The dashboard's daily rollup of closures (docs/workbench.md, "Dashboard"): per Shanghai
day and closing department, what the period figures add up from the closures — how many
closed, on time against either deadline, each rating outcome — and the list of their
first-response minutes, so a period's figures are read from one row per department and
day instead of every closure joined to its rating, and the P90 stays exact.

The minutes are kept packed, four bytes each (little-endian signed 32-bit, `pack_minutes`),
not as text: a year of the whole office is ≈ 450,000 of them, and reading them as bytes
decoded by `array.frombytes` costs a few milliseconds where splitting and parsing a
comma-separated text took ≈ 370 ms (docs/performance.md, "Dashboard").

Why a list and not a histogram of minutes: a department's day holds a handful of
closures (≈ 5 in the benchmark's office), nearly all with different minutes, so a
histogram row per (day, department, minute) was as many rows as closures (measured:
916,577 for 924,558 closures) and slower to read than the list.

Written in the transaction of the event that changes it, by the code of that event: a
close (`tasks.feedback.closure.record` calls `count_closure`) and every change of a
rating's state or level (`rating_changed`, from `tasks.feedback.ratings`). Nothing else
changes a past closure's figures: a 重办 leaves the closure on record (it withdraws the
unanswered rating, which is a rating change), and a 转办 or a directory change moves open
work, not closures. Rows are added to with an upsert that increments (`ON CONFLICT DO
UPDATE SET n = n + excluded.n`, the minutes appended), so two workers writing the same
day never lose a count.

Where a closure counts: its frozen `department_id` decides its departments, whoever the
holder is, so the holder is left out of the key (0) and a department's day is one row; a
closure with no department (its holder belonged to none) counts by its holder's homes at
reading time, so for those the holder is kept and the department is 0.

The second rollup, of tasks created (`dashboard_new_months`): per Shanghai month of
creation, how many tasks each holder and offered-to department hold now, for the
dashboard's 新增 of whole months. It is written with the task's creation and moved by the
two events that change a task's holder or department, both in
`tasks.lifecycle.transitions`: a 接办 of an offer and a 转办 (`task_created`,
`task_moved`). Months, not days: a holder has a task or two a day, so a day per holder
would be as many rows as tasks; a month per holder is ≈ 30 times fewer.

`rebuild` recomputes both from the closures and the tasks (the migration's backfill,
and `mashangban report rollup --rebuild`); `differences` compares them
(`mashangban report rollup`).
"""

import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, cast, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Closure, DashboardDay, DashboardNewMonth, Rating, Task
from tasks.vocabulary import RATING_LEVELS

NOT_RATED, WAITING, NOT_ASKED = "not_rated", "asked", "none"
RATING_KEYS = (*RATING_LEVELS, NOT_RATED, WAITING, NOT_ASKED)
# rating key → its column in dashboard_days, in RATING_KEYS order
RATING_COLUMNS = dict(zip(RATING_KEYS, (*(f"rated_{i + 1}" for i in range(len(RATING_LEVELS))),
                                        "not_rated", "waiting", "not_asked"), strict=True))
COUNT_COLUMNS = ("closed", "with_deadline", "on_time", "with_deadline_extended",
                 "on_time_extended", *RATING_COLUMNS.values())


def rating_key(state: str | None, level: str | None) -> str:
    """A closure's rating as the summaries count it: its level, 超时未评, 待评价, or 无需评价
    when none was asked (or the row carries no known level)."""
    if state == "rated" and level in RATING_LEVELS:
        return level
    if state == "not_rated":
        return NOT_RATED
    if state is not None and state != "rated":
        return WAITING
    return NOT_ASKED


@dataclass(frozen=True)
class Place:
    """One row of the rollup: a Shanghai day, a department (0: none), a holder (0: not
    needed because the department decides)."""

    day: date
    department_id: int
    holder_id: int


def place_of(closed_at: datetime, department_id: int | None, holder_id: int | None) -> Place:
    day = closed_at.astimezone(SHANGHAI).date()
    if department_id is not None:
        return Place(day, department_id, 0)
    return Place(day, 0, holder_id or 0)


def _closure_place(closure: Closure) -> Place:
    return place_of(closure.closed_at, closure.department_id, closure.holder_id)


def closure_counts(on_time_original: bool | None, on_time_extended: bool | None,
                   rating: str) -> dict[str, int]:
    """What one closure adds to its day's row."""
    return {"closed": 1,
            "with_deadline": int(on_time_original is not None),
            "on_time": int(on_time_original is True),
            "with_deadline_extended": int(on_time_extended is not None),
            "on_time_extended": int(on_time_extended is True),
            RATING_COLUMNS[rating]: 1}


def count_closure(session: Session, closure: Closure) -> None:
    """Add a close that just happened (no rating asked yet: `ask` moves it to 待评价)."""
    minutes = closure.first_response_minutes
    _add(session, _closure_place(closure),
         closure_counts(closure.on_time_original, closure.on_time_extended, NOT_ASKED),
         b"" if minutes is None else pack_minutes([minutes]))


def rating_changed(session: Session, closure: Closure, before: str, after: str) -> None:
    """Move a closure from one rating outcome to another (keys of `rating_key`)."""
    if before != after:
        _add(session, _closure_place(closure),
             {RATING_COLUMNS[before]: -1, RATING_COLUMNS[after]: 1})


def _add(session: Session, place: Place, counts: dict[str, int], minutes: bytes = b"") -> None:
    """Add `counts` (and append `minutes`) to a place's row, creating it if needed: one
    statement, so concurrent writers of the same row queue on its lock and both count."""
    table = DashboardDay.__table__
    values = {"day": place.day, "department_id": place.department_id,
              "holder_id": place.holder_id, **{c: 0 for c in COUNT_COLUMNS}, **counts,
              "minutes": minutes}
    statement = _insert(session)(table).values(**values)
    new = statement.excluded
    changes: dict[str, Any] = {c: table.c[c] + new[c] for c in counts}
    if minutes:
        # SQLite's || yields text, which ends at the first zero byte: cast it back to a
        # blob, which keeps every byte (on PostgreSQL bytea || bytea is already bytea)
        changes["minutes"] = cast(table.c.minutes.concat(new.minutes), LargeBinary)
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "department_id", "holder_id"], set_=changes))


# ------------------------------------------------------------------- tasks created


Owner = tuple[int | None, int | None]  # (holder id, department id) of a task


def owner_of(task: Task) -> Owner:
    """Who a task counts under in 新增 now: its holder and the department it is offered
    to (from the relationships, which are set before the ids are flushed)."""
    return (task.holder.id if task.holder is not None else None,
            task.department.id if task.department is not None else None)


def month_of(when: datetime) -> date:
    return when.astimezone(SHANGHAI).date().replace(day=1)


def task_created(session: Session, task: Task) -> None:
    """Count a new task in its month, under its holder and department."""
    _add_new(session, month_of(task.created_at), owner_of(task), 1)


def task_moved(session: Session, task: Task, before: Owner) -> None:
    """Move a task whose holder or department changed (接办 of an offer, 转办)."""
    after = owner_of(task)
    if after != before:
        month = month_of(task.created_at)
        _add_new(session, month, before, -1)
        _add_new(session, month, after, 1)


def _add_new(session: Session, month: date, owner: Owner, tasks: int) -> None:
    table = DashboardNewMonth.__table__
    statement = _insert(session)(table).values(
        month=month, holder_id=owner[0] or 0, department_id=owner[1] or 0, tasks=tasks)
    session.execute(statement.on_conflict_do_update(
        index_elements=["month", "holder_id", "department_id"],
        set_={"tasks": table.c.tasks + statement.excluded.tasks}))


def _insert(session: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert


# ------------------------------------------------------------------ rebuild and check


@dataclass
class Sums:
    """The rollup as computed from the closures: counts and minutes per place."""

    counts: dict[Place, Counter[str]]
    minutes: dict[Place, Counter[int]]
    new: Counter[tuple[date, int, int]]  # (month, holder or 0, department or 0) → tasks


MINUTE_BYTES = 4  # array("i") on every platform Python supports


def pack_minutes(values: Iterable[int]) -> bytes:
    """First-response minutes as `dashboard_days.minutes` stores them: little-endian
    signed 32-bit integers, end to end."""
    packed = array("i", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_minutes(data: bytes) -> "array[int]":
    """The minutes packed by `pack_minutes` (or several packings joined end to end),
    decoded at C speed."""
    values = array("i")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def from_closures(session: Session) -> Sums:
    """Every closure and its rating, streamed and summed per place (a few seconds for a
    million closures)."""
    counts: dict[Place, Counter[str]] = defaultdict(Counter)
    minutes: dict[Place, Counter[int]] = defaultdict(Counter)
    rows = session.execute(
        select(Closure.closed_at, Closure.department_id, Closure.holder_id,
               Closure.on_time_original, Closure.on_time_extended,
               Closure.first_response_minutes, Rating.state, Rating.level)
        .outerjoin(Rating, Rating.closure_id == Closure.id)
        .execution_options(yield_per=20_000))
    for closed_at, department, holder, on_time, on_time_ext, first, state, level in rows:
        place = place_of(closed_at, department, holder)
        counts[place].update(closure_counts(on_time, on_time_ext, rating_key(state, level)))
        if first is not None:
            minutes[place][first] += 1
    new: Counter[tuple[date, int, int]] = Counter()
    for created_at, holder, department in session.execute(
            select(Task.created_at, Task.holder_id, Task.department_id)
            .execution_options(yield_per=20_000)):
        new[(month_of(created_at), holder or 0, department or 0)] += 1
    return Sums(dict(counts), dict(minutes), new)


def stored(session: Session) -> Sums:
    counts: dict[Place, Counter[str]] = {}
    minutes: dict[Place, Counter[int]] = {}
    for row in session.execute(select(DashboardDay)).scalars():
        place = Place(row.day, row.department_id, row.holder_id)
        found = Counter({c: getattr(row, c) for c in COUNT_COLUMNS if getattr(row, c)})
        if found:
            counts[place] = found
        if row.minutes:
            minutes[place] = Counter(unpack_minutes(row.minutes))
    new: Counter[tuple[date, int, int]] = Counter()
    for month, holder, department, tasks in session.execute(
            select(DashboardNewMonth.month, DashboardNewMonth.holder_id,
                   DashboardNewMonth.department_id, DashboardNewMonth.tasks)):
        if tasks:
            new[(month, holder, department)] = tasks
    return Sums(counts, minutes, new)


def differences(session: Session) -> list[str]:
    """Where the rollup and the closures disagree, one line per place (empty: equal)."""
    want, have = from_closures(session), stored(session)
    lines = []
    for place in sorted(set(want.counts) | set(have.counts), key=_order):
        if want.counts.get(place, Counter()) != have.counts.get(place, Counter()):
            lines.append(f"{_name(place)}: 应为 {dict(want.counts.get(place, {}))}，"
                         f"实为 {dict(have.counts.get(place, {}))}")
    for place in sorted(set(want.minutes) | set(have.minutes), key=_order):
        if want.minutes.get(place, Counter()) != have.minutes.get(place, Counter()):
            lines.append(f"{_name(place)}: 首次响应分钟数分布不一致")
    for key in sorted(set(want.new) | set(have.new)):
        if want.new[key] != have.new[key]:
            lines.append(f"{key[0]:%Y-%m} 新增（人员 {key[1]}，部门 {key[2]}）: "
                         f"应为 {want.new[key]}，实为 {have.new[key]}")
    return lines


def rebuild(session: Session) -> int:
    """Replace the rollup with the closures' sums; returns the rows written."""
    sums = from_closures(session)
    session.execute(delete(DashboardDay))
    session.execute(delete(DashboardNewMonth))
    new_rows = [{"month": month, "holder_id": holder, "department_id": department,
                 "tasks": tasks} for (month, holder, department), tasks in sums.new.items()]
    for start in range(0, len(new_rows), 10_000):
        session.execute(insert(DashboardNewMonth), new_rows[start:start + 10_000])
    rows = [{"day": p.day, "department_id": p.department_id, "holder_id": p.holder_id,
             **{c: counts.get(c, 0) for c in COUNT_COLUMNS},
             "minutes": pack_minutes(sums.minutes.get(p, Counter()).elements())}
            for p, counts in sums.counts.items()]
    for start in range(0, len(rows), 10_000):
        session.execute(insert(DashboardDay), rows[start:start + 10_000])
    return len(rows) + len(new_rows)


def _order(place: Place) -> tuple[date, int, int]:
    return place.day, place.department_id, place.holder_id


def _name(place: Place) -> str:
    who = f"部门 {place.department_id}" if place.department_id else f"人员 {place.holder_id}"
    return f"{place.day.isoformat()} {who}"
