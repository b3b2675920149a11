"""The supervisor's dashboard (驾驶舱, docs/workbench.md "Dashboard"): the figures of the
daily and weekly summaries (`tasks.reports.summaries`), on demand, for any period and any
department a person supervises, computed by grouped SQL queries so that an office of a
million tasks answers in a few hundred milliseconds.

The figure definitions are the summaries' (docs/reports.md, "Supervisor summaries"), and
tests/middle/test_dashboard_figures.py checks that both give the same numbers:

- an open task belongs to the departments of its holder (all of them), or while nobody
  holds it (or its holder belongs to no department) to the department it is offered to;
  work that belongs nowhere is counted under the top department(s) only;
- a closure belongs to the department frozen on it when it closed, else its holder's;
- a department's figures cover it and every department below it, each task once.

A person's figures are those of the closures they closed (`closures.holder_id`), the tasks
they hold now (open, overdue, due today, new) and the flags on tasks they hold now.

Who sees what: leaders (负责人 of the top department) and admins see every department;
a department leader or grantee (督办权) sees the departments they supervise and every
department below them; anyone else sees nothing (`scope_of` returns None).
"""

import math
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.core.authority import Authority
from tasks.core.office_rules import OfficeRules
from tasks.feedback import rollup
from tasks.models import (
    OPEN_STATES,
    Closure,
    DashboardDay,
    DashboardNewMonth,
    Department,
    Holding,
    Membership,
    Person,
    Rating,
    SupervisorGrant,
    Task,
    TaskFlag,
)
from tasks.reports.figures import percent
from tasks.reports.summaries import (
    NOT_ASKED,
    NOT_RATED,
    SUMMARY_FLAGS,
    WAITING,
    PeriodCounts,
)
from tasks.vocabulary import RATING_LEVELS

RATING_KEYS = rollup.RATING_KEYS
RATING_LABELS = {**{level: level for level in RATING_LEVELS}, NOT_RATED: "超时未评",
                 WAITING: "待评价", NOT_ASKED: "无需评价"}
MAX_PERIOD_DAYS = 366  # a custom period longer than a year is refused (docs/workbench.md)


def for_reading(session: Session) -> None:
    """Start the dashboard's read transaction. On PostgreSQL, JIT compilation is switched
    off for it: the planner's estimates for the grouped scans of a large office pass
    `jit_above_cost`, and compiling costs more (15-100 ms) than the queries save
    (docs/performance.md, "Dashboard")."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        # a quarter's closures grouped per holder outgrow the default 4 MB and spill to disk
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def _core(session: Session) -> Connection:
    """The session's connection, for the grouped queries: their thousands of plain rows
    come back through Core, several times faster than through the ORM's row loading,
    in the same transaction. Callers fetch them with `.all()`: iterating the result
    fetches row by row, which cost more than the queries themselves (measured)."""
    return session.connection()


# ------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Unit:
    """One active department as the dashboard shows it."""

    id: int
    name: str
    platform_id: str
    parent_id: int | None
    depth: int


@dataclass
class Tree:
    """The active departments, linked by platform ids as the summaries link them: a
    department whose parent is unknown (or inactive) is a top department."""

    units: dict[int, Unit]
    children: dict[int | None, list[int]]
    memberships: dict[int, frozenset[int]] | None = None  # person → departments, read once

    @property
    def roots(self) -> list[int]:
        return self.children.get(None, [])

    def subtree(self, department_id: int) -> list[int]:
        """The department and everything below it, in tree order."""
        out: list[int] = []
        stack = [department_id]
        while stack:
            current = stack.pop()
            if current in out:  # a cycle in a broken directory must not loop
                continue
            out.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return out

    def covering(self, departments: Iterable[int]) -> set[int]:
        """Every department whose subtree holds one of `departments`: they and their
        ancestors. Work there counts in each of these, once."""
        found: set[int] = set()
        for department_id in departments:
            current = self.units.get(department_id)
            while current is not None and current.id not in found:
                found.add(current.id)
                current = self.units.get(current.parent_id) if current.parent_id else None
        return found

    def ordered(self, top: int | None = None) -> list[Unit]:
        """Tree order (parents first), under `top` or all."""
        roots = [top] if top is not None else self.roots
        seen: list[int] = []
        for root in roots:
            seen.extend(d for d in self.subtree(root) if d not in seen)
        return [self.units[d] for d in seen]


def load_tree(session: Session) -> Tree:
    """The active department tree, children ordered by name."""
    rows = _core(session).execute(
        select(Department.id, Department.platform, Department.platform_id, Department.name,
               Department.parent_platform_id)
        .where(Department.active).order_by(Department.name, Department.id)).all()
    by_platform = {(platform, pid): id_ for id_, platform, pid, _, _ in rows}
    parents: dict[int, int | None] = {}
    for id_, platform, _, _, parent in rows:
        parent_id = by_platform.get((platform, parent or ""))
        parents[id_] = parent_id if parent_id != id_ else None
    children: dict[int | None, list[int]] = defaultdict(list)
    for id_, *_ in rows:
        children[parents[id_]].append(id_)
    depths: dict[int, int] = {}

    def depth(id_: int) -> int:
        level, current, seen = 0, parents[id_], {id_}
        while current is not None and current not in seen:
            seen.add(current)
            level, current = level + 1, parents[current]
        return level

    for id_, *_ in rows:
        depths[id_] = depth(id_)
    units = {id_: Unit(id_, name, pid, parents[id_], depths[id_])
             for id_, _, pid, name, _ in rows}
    # A cycle leaves its departments under no root: show them as roots, as assessment does.
    reachable = {d for root in children.get(None, []) for d in _walk(children, root)}
    for id_ in units:
        if id_ not in reachable:
            children[None].append(id_)
            reachable.update(_walk(children, id_))
    return Tree(units, dict(children))


def _walk(children: dict[int | None, list[int]], root: int) -> set[int]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(children.get(current, []))
    return seen


# ------------------------------------------------------------------------ who sees what


@dataclass(frozen=True)
class Scope:
    """The departments a person may look at: `roots` and everything below them."""

    roots: tuple[int, ...]
    everything: bool

    def visible(self, tree: Tree) -> set[int]:
        return {d for root in self.roots for d in tree.subtree(root)}

    def allows(self, tree: Tree, department_id: int) -> bool:
        return department_id in self.visible(tree)


def scope_of(session: Session, rules: OfficeRules, person: Person, tree: Tree) -> Scope | None:
    """What `person` may see on the dashboard; None for someone who supervises nothing.

    The same relations as the chat matrix (`tasks.core.authority`): admins and leaders
    of the top department see all, a department's leaders and grantees see it and below.
    """
    if person.known_as(rules.admins) or Authority(session, rules).is_leader(person):
        return Scope(tuple(tree.roots), True)
    led = set(session.scalars(select(Membership.department_id).where(
        Membership.person_id == person.id, Membership.is_leader)))
    granted = set(session.scalars(select(SupervisorGrant.department_id).where(
        SupervisorGrant.person_id == person.id)))
    supervised = {d for d in led | granted if d in tree.units}
    if not supervised or not person.active:
        return None
    roots = [d for d in supervised
             if not (tree.covering([d]) - {d}) & supervised]  # not below another one
    order = {u.id: i for i, u in enumerate(tree.ordered())}
    return Scope(tuple(sorted(roots, key=lambda d: order.get(d, 0))), False)


# -------------------------------------------------------------------- where work belongs


def _homes(session: Session, tree: Tree) -> dict[int, frozenset[int]]:
    """Person id → the departments they belong to (the summaries' rule), read once per
    tree (one request)."""
    if tree.memberships is None:
        tree.memberships = _read_homes(session)
    return tree.memberships


def _read_homes(session: Session) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for person_id, department_id in _core(session).execute(
            select(Membership.person_id, Membership.department_id)).all():
        found[person_id].add(department_id)
    return {person: frozenset(ids) for person, ids in found.items()}


class _Belonging:
    """Which departments' figures a piece of work counts in, cached per home."""

    def __init__(self, tree: Tree, homes: dict[int, frozenset[int]]) -> None:
        self.tree, self.homes = tree, homes
        self.cache: dict[frozenset[int], frozenset[int]] = {}

    def of_task(self, holder_id: int | None, department_id: int | None) -> frozenset[int]:
        if holder_id is not None and self.homes.get(holder_id):
            return self._covering(self.homes[holder_id])
        return self._covering(frozenset([department_id]) if department_id else frozenset())

    def of_closure(self, department_id: int | None, holder_id: int | None) -> frozenset[int]:
        if department_id is not None:
            return self._covering(frozenset([department_id]))
        return self._covering(self.homes.get(holder_id, frozenset())
                              if holder_id is not None else frozenset())

    def _covering(self, home: frozenset[int]) -> frozenset[int]:
        if home not in self.cache:
            # work that belongs nowhere is the top departments' (summaries._in)
            self.cache[home] = frozenset(self.tree.covering(home) if home
                                         else self.tree.roots)
        return self.cache[home]


def belongs_to(tree: Tree, department_id: int) -> ColumnElement[bool]:
    """SQL: a task (open or not) counts in `department_id`'s figures, by its holder now."""
    ids = tree.subtree(department_id)
    # the ids are written into the SQL: a whole office's 221 bound parameters, twice,
    # cost the driver more to convert than the query takes to run
    members = select(Membership.person_id).where(Membership.department_id.in_(_listed(ids)))
    homeless = or_(Task.holder_id.is_(None),
                   ~exists().where(Membership.person_id == Task.holder_id))
    condition = or_(Task.holder_id.in_(members),
                    and_(homeless, Task.department_id.in_(_listed(ids))))
    if department_id in tree.roots:
        condition = or_(condition, and_(homeless, Task.department_id.is_(None)))
    return condition


def _listed(ids: list[int]) -> Any:
    """`ids` for an IN, rendered as literals (integers only, so nothing to quote)."""
    return bindparam("subtree", ids, literal_execute=True, unique=True)


# ------------------------------------------------------------------------- the workload


@dataclass
class Load:
    """Open work now: open, of which overdue (deadline passed) and due later today."""

    open: int = 0
    overdue: int = 0
    due_today: int = 0

    def add(self, open_: int, overdue: int, due_today: int) -> None:
        self.open += open_
        self.overdue += overdue
        self.due_today += due_today


def day_end(now: datetime) -> datetime:
    """The next Shanghai midnight after `now`."""
    local = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(local, time(0), SHANGHAI)


def workload(session: Session, tree: Tree, now: datetime
             ) -> tuple[dict[int, Load], dict[int, Load]]:
    """(department id → Load over its subtree, person id → Load of what they hold)."""
    end = day_end(now)
    rows = _core(session).execute(
        select(Task.holder_id, Task.department_id, func.count(),
               func.sum(case((Task.deadline < now, 1), else_=0)),
               func.sum(case((and_(Task.deadline >= now, Task.deadline < end), 1), else_=0)))
        .where(Task.state.in_(OPEN_STATES))
        .group_by(Task.holder_id, Task.department_id)).all()
    belonging = _Belonging(tree, _homes(session, tree))
    homes: dict[frozenset[int], Load] = defaultdict(Load)
    people: dict[int, Load] = defaultdict(Load)
    for holder_id, department_id, open_, overdue, today in rows:
        homes[belonging.of_task(holder_id, department_id)].add(open_, overdue or 0, today or 0)
        if holder_id is not None:
            people[holder_id].add(open_, overdue or 0, today or 0)
    departments: dict[int, Load] = defaultdict(Load)
    for home, load in homes.items():  # a few hundred homes, however many people
        for department in home:
            departments[department].add(load.open, load.overdue, load.due_today)
    return departments, people


# ----------------------------------------------------------------------- the overdue list


@dataclass(frozen=True)
class OverdueTask:
    """One overdue open task: who holds it (or which department is to claim it), since
    when, and the flags raised on it."""

    id: int
    title: str
    kind: str
    state: str
    holder: str
    holder_id: int | None
    deadline: datetime
    held_since: datetime | None
    flags: tuple[str, ...]


def overdue_tasks(session: Session, tree: Tree, department_id: int, now: datetime, *,
                  limit: int = 20, person_id: int | None = None, total: int | None = None
                  ) -> tuple[int, list[OverdueTask]]:
    """(how many, the `limit` with the earliest deadline) of the overdue open tasks in
    `department_id`'s figures, or held by `person_id`. A caller that has the count from
    `workload` (the same rule) passes it as `total`, and it is not counted again."""
    where = [Task.state.in_(OPEN_STATES), Task.deadline < now]
    where.append(Task.holder_id == person_id if person_id is not None
                 else belongs_to(tree, department_id))
    if total is None:
        total = session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    rows = session.execute(
        select(Task.id, Task.title, Task.kind, Task.state, Task.deadline, Task.holder_id,
               Person.name, Department.name)
        .outerjoin(Person, Person.id == Task.holder_id)
        .outerjoin(Department, Department.id == Task.department_id)
        .where(*where).order_by(Task.deadline, Task.id).limit(limit)).all()
    ids = [row[0] for row in rows]
    since = dict(session.execute(
        select(Holding.task_id, func.max(Holding.started_at))
        .where(Holding.task_id.in_(ids), Holding.ended_at.is_(None))
        .group_by(Holding.task_id)).all()) if ids else {}
    flags: dict[int, list[str]] = defaultdict(list)
    if ids:
        for task_id, flag in session.execute(
                select(TaskFlag.task_id, TaskFlag.flag).where(
                    TaskFlag.task_id.in_(ids), TaskFlag.flag.in_(SUMMARY_FLAGS))
                .order_by(TaskFlag.id)):
            if SUMMARY_FLAGS[flag] not in flags[task_id]:
                flags[task_id].append(SUMMARY_FLAGS[flag])
    found = []
    for task_id, title, kind, state, deadline, holder_id, holder, department in rows:
        label = holder or (f"{department}（待认领）" if department else "受理人员（待认领）")
        assert deadline is not None  # the query keeps tasks past their deadline
        found.append(OverdueTask(task_id, title, kind, state, label, holder_id, deadline,
                                 since.get(task_id), tuple(flags[task_id])))
    return total, found


# -------------------------------------------------------------------- period figures


@dataclass
class Figures(PeriodCounts):
    """A department's or a person's figures over a period (docs/reports.md): the
    summaries' counts, added up across homes, with the rates the pages show."""

    @property
    def on_time_rate(self) -> int | None:
        """Whole percent against the original deadline, None with no closure to judge."""
        return percent(self.on_time, self.with_deadline) if self.with_deadline else None

    @property
    def on_time_extended_rate(self) -> int | None:
        if not self.with_deadline_extended:
            return None
        return percent(self.on_time_extended, self.with_deadline_extended)

    @property
    def first_response_average(self) -> float | None:
        if not self.first_response:
            return None
        return sum(self.first_response) / len(self.first_response)

    # the P90 computed by `period_figures` from its ranked minutes (`_ranked_p90`), which
    # saves counting a department's whole list again; None: count the list
    known_p90: int | None = field(default=None, compare=False, repr=False)

    @property
    def first_response_p90(self) -> int | None:
        """`figures.p90` (nearest rank), by counting the minutes rather than sorting
        them: a year of a whole office is ≈ 450,000 values but ≈ 1,000 distinct ones."""
        if not self.first_response:
            return None
        if self.known_p90 is not None:
            return self.known_p90
        return _Ranked(self.first_response).p90()

    def merge(self, other: "Figures") -> None:
        """Add another's counts into these (a department summing its homes)."""
        self.new += other.new
        self.closed += other.closed
        self.on_time += other.on_time
        self.with_deadline += other.with_deadline
        self.on_time_extended += other.on_time_extended
        self.with_deadline_extended += other.with_deadline_extended
        self.first_response.extend(other.first_response)
        self.known_p90 = None
        self.ratings.update(other.ratings)
        self.flags.update(other.flags)

    @property
    def empty(self) -> bool:
        return not (self.new or self.closed or sum(self.flags.values()))


@dataclass(frozen=True)
class Span:
    """A period of the dashboard: Shanghai days `first`..`last` (both included), covering
    [start, end) in UTC terms; `name` is 本周, 本月 or 自定义."""

    name: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), SHANGHAI)

    def label(self) -> str:
        return f"{self.name}（{self.first.month}月{self.first.day}日—" \
               f"{self.last.month}月{self.last.day}日）"


class PeriodError(ValueError):
    """A period the dashboard cannot show; str() is one Chinese line."""


def span_of(kind: str, first: date | None, last: date | None, now: datetime) -> Span:
    """本周 (`week`: this ISO week), 本月 (`month`), or `custom` from `first` to `last`."""
    today = now.astimezone(SHANGHAI).date()
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return Span("本周", monday, monday + timedelta(days=6))
    if kind == "month":
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Span("本月", start, following - timedelta(days=1))
    if kind != "custom":
        raise PeriodError("统计时段只能是本周、本月或自定义日期")
    if first is None or last is None:
        raise PeriodError("自定义时段需要填写起止日期")
    if first > last:
        raise PeriodError(f"起始日期 {first.isoformat()} 晚于结束日期 {last.isoformat()}")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"自定义时段最长 {MAX_PERIOD_DAYS} 天，请缩短起止日期")
    return Span("自定义", first, last)


class _Ranked:
    """Some first-response minutes counted once: their distinct values in order and how
    many are ≤ each, so how many of them are ≤ any value is a C-level bisection."""

    def __init__(self, minutes: Iterable[int]) -> None:
        counted = sorted(Counter(minutes).items())
        self.values = [value for value, _ in counted]
        self.at_most = list(accumulate(map(itemgetter(1), counted)))

    def not_above(self, value: int) -> int:
        index = bisect_right(self.values, value)
        return self.at_most[index - 1] if index else 0

    def p90(self) -> int | None:
        return _ranked_p90([self])


def _ranked_p90(parts: list[_Ranked]) -> int | None:
    """The nearest-rank P90 (`figures.p90`) of the minutes of all `parts` together,
    without joining them: the smallest value that at least the rank's count of minutes
    are ≤ to, found by bisecting the values (≈ 20 steps, each a bisection per part)."""
    parts = [part for part in parts if part.values]
    if not parts:
        return None
    rank = math.ceil(0.9 * sum(part.at_most[-1] for part in parts))
    low, high = min(p.values[0] for p in parts), max(p.values[-1] for p in parts)
    while low < high:
        middle = (low + high) // 2
        if sum(part.not_above(middle) for part in parts) >= rank:
            high = middle
        else:
            low = middle + 1
    return low


@dataclass
class PeriodFigures:
    """Everyone's figures of one period: by department (subtree) and by person."""

    departments: dict[int, Figures]
    people: dict[int, Figures]


def period_figures(session: Session, tree: Tree, span: Span,
                   people: Iterable[int] = ()) -> PeriodFigures:
    """The summaries' figures of `span` for every department, and for the `people` asked
    for (those a page shows).

    Departments' closure figures come from the daily rollup (`tasks.feedback.rollup`:
    one row per closing department and day, kept in step by every close and rating
    change), so a period costs a row per department and day rather than its closures;
    tasks created and flags raised are two grouped queries, since they count by the
    task's holder now, which a 转办 or a directory change moves. People's closures are
    read from the closures themselves (indexed by holder: a page shows a few dozen).

    Rows are summed per home first (a home is the set of departments a piece of work
    belongs to), and each home's sums are then added to the departments covering it: a
    few thousand additions, whatever the size of the period. The first-response minutes
    stay per home (packed arrays, joined at C speed) and are counted once per home; a
    department's P90 is then bisected over its homes' counts (`_ranked_p90`) instead of
    counting its whole list (a year of the office: ≈ 450,000 minutes, counted three
    times over the tree's levels).
    """
    wanted = set(people)
    start, end = span.start, span.end
    belonging = _Belonging(tree, _homes(session, tree))
    persons: dict[int, Figures] = defaultdict(Figures)
    homes: dict[frozenset[int], Figures] = defaultdict(Figures)

    def add(home: frozenset[int], person: int | None, into: Callable[[Figures], None]
            ) -> None:
        into(homes[home])
        if person in wanted:
            into(persons[person])

    minutes: dict[frozenset[int], array[int]] = defaultdict(lambda: array("i"))
    for row in _core(session).execute(_rollup_sums(session, span)).all():
        home = belonging.of_closure(row[0] or None, row[1] or None)
        _rollup_tally(row)(homes[home])
        minutes[home].extend(_rollup_minutes(row[-1]))
    if wanted:
        for row in _core(session).execute(_closures_by_holder(session, start, end)
                                          .where(Closure.holder_id.in_(wanted))).all():
            _closure_tally(row)(persons[row[1]])
    created: Counter[frozenset[int]] = Counter()  # home → tasks: thousands of rows
    for holder_id, department_id, count in _core(session).execute(_created(span)).all():
        created[belonging.of_task(holder_id or None, department_id or None)] += count
        if holder_id in wanted:
            persons[holder_id].new += count
    for home, count in created.items():
        homes[home].new += count
    for holder_id, department_id, flag, count in _core(session).execute(
            _flags_raised(session, start, end)).all():
        add(belonging.of_task(holder_id, department_id), holder_id,
            _flag_adder(flag, count))
    departments: dict[int, Figures] = defaultdict(Figures)
    for home, sums in homes.items():
        for department_id in home:
            departments[department_id].merge(sums)
    _add_minutes(departments, minutes)
    return PeriodFigures(dict(departments), dict(persons))


def _flags_raised(session: Session, start: datetime, end: datetime) -> Any:
    """Flags raised in [start, end) per (holder, department) of their task now, and flag.

    On PostgreSQL each flag looks its task up by primary key (a LATERAL subquery that
    LIMIT 1 keeps from being flattened): the planner otherwise hashes the flags and
    scans all the tasks, measured 230-350 ms for a year's ≈ 10,000 flags against 36-100
    ms for the lookups."""
    where = (TaskFlag.raised_at >= start, TaskFlag.raised_at < end,
             TaskFlag.flag.in_(SUMMARY_FLAGS))
    if session.get_bind().dialect.name != "postgresql":
        return (select(Task.holder_id, Task.department_id, TaskFlag.flag, func.count())
                .join(Task, Task.id == TaskFlag.task_id).where(*where)
                .group_by(Task.holder_id, Task.department_id, TaskFlag.flag))
    task = (select(Task.holder_id, Task.department_id)
            .where(Task.id == TaskFlag.task_id).limit(1).lateral())
    return (select(task.c.holder_id, task.c.department_id, TaskFlag.flag, func.count())
            .select_from(TaskFlag).join(task, text("true")).where(*where)
            .group_by(task.c.holder_id, task.c.department_id, TaskFlag.flag))


def _add_minutes(departments: dict[int, Figures],
                 minutes: dict[frozenset[int], "array[int]"]) -> None:
    """Give each department its homes' first-response minutes and their exact P90."""
    joined: dict[int, array[int]] = defaultdict(lambda: array("i"))
    parts: dict[int, list[_Ranked]] = defaultdict(list)
    for home, found in minutes.items():
        if not found:
            continue
        ranked = _Ranked(found)
        for department_id in home:
            joined[department_id].extend(found)
            parts[department_id].append(ranked)
    for department_id, found in joined.items():
        figures = departments[department_id]
        found.extend(figures.first_response)  # none: the homes' sums carry no minutes
        figures.first_response = found  # no copy into a list: a year is 460,000 of them
        figures.known_p90 = _ranked_p90(parts[department_id])


def _created(span: Span) -> Any:
    """Tasks created in the span per (holder, department) now: whole Shanghai months from
    `dashboard_new_months`, the days before the first and after the last whole month
    from the tasks (index-only), in one grouped query."""
    months = _whole_months(span.first, span.last)
    live = [(span.first, span.last)] if not months else [
        (first, last) for first, last in ((span.first, months[0] - timedelta(days=1)),
                                          (_month_end(months[-1]), span.last))
        if first <= last]
    parts: list[Any] = []
    if months:
        parts.append(select(DashboardNewMonth.holder_id.label("holder"),
                            DashboardNewMonth.department_id.label("department"),
                            DashboardNewMonth.tasks.label("tasks"))
                     .where(DashboardNewMonth.month >= months[0],
                            DashboardNewMonth.month <= months[-1]))
    for first, last in live:
        parts.append(select(func.coalesce(Task.holder_id, 0).label("holder"),
                            func.coalesce(Task.department_id, 0).label("department"),
                            func.count().label("tasks"))
                     .where(Task.created_at >= Span("", first, last).start,
                            Task.created_at < Span("", first, last).end)
                     .group_by(Task.holder_id, Task.department_id))
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # PostgreSQL sums a count (bigint) as numeric: cast back, or a Decimal leaks out
    return (select(rows.c.holder, rows.c.department,
                   sa_cast(func.sum(rows.c.tasks), Integer))
            .group_by(rows.c.holder, rows.c.department))


def _whole_months(first: date, last: date) -> list[date]:
    """The first days of the calendar months lying wholly within first..last."""
    month = first if first.day == 1 else _month_end(first)
    found = []
    while _month_end(month) - timedelta(days=1) <= last:
        found.append(month)
        month = _month_end(month)
    return found


def _month_end(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _rollup_sums(session: Session, span: Span) -> Select[Any]:
    """The rollup's rows of the span's days summed per (department, holder): the count
    columns in `rollup.COUNT_COLUMNS` order, then the minutes joined into one list."""
    day = DashboardDay
    # the packed minutes joined end to end: bytea on PostgreSQL; SQLite's group_concat
    # makes text, which would end at a zero byte, so there they travel as hex
    minutes = (func.string_agg(day.minutes, literal(b"", LargeBinary), type_=LargeBinary)
               if session.get_bind().dialect.name == "postgresql"
               else func.group_concat(func.hex(day.minutes), ""))
    return (select(day.department_id, day.holder_id,
                   *(func.sum(getattr(day, c)) for c in rollup.COUNT_COLUMNS), minutes)
            .where(day.day >= span.first, day.day <= span.last)
            .group_by(day.department_id, day.holder_id))


def _rollup_tally(row: Any) -> Callable[[Figures], None]:
    counts = dict(zip(rollup.COUNT_COLUMNS, row[2:-1], strict=True))
    ratings = {key: counts[column] for key, column in rollup.RATING_COLUMNS.items()
               if counts[column]}

    def into(figures: Figures) -> None:
        figures.closed += counts["closed"]
        figures.with_deadline += counts["with_deadline"]
        figures.on_time += counts["on_time"]
        figures.with_deadline_extended += counts["with_deadline_extended"]
        figures.on_time_extended += counts["on_time_extended"]
        figures.ratings.update(ratings)

    return into


def _rollup_minutes(value: bytes | str | None) -> "array[int]":
    """The minutes of `_rollup_sums`' last column (packed bytes, or their hex on SQLite)."""
    if not value:
        return array("i")
    return rollup.unpack_minutes(bytes.fromhex(value) if isinstance(value, str) else value)


def _closures_by_holder(session: Session, start: datetime, end: datetime) -> Select[Any]:
    """The period's closures summed per (closure department, holder), read from the
    closures (for a page's people): counts, on-time counts, the rating keys' counts and
    the first-response minutes as text."""
    minutes = Closure.first_response_minutes
    if session.get_bind().dialect.name == "postgresql":
        values = func.string_agg(sa_cast(minutes, String), ",")
    else:
        values = func.group_concat(minutes)
    return (select(Closure.department_id, Closure.holder_id, func.count(),
                   func.count(Closure.on_time_original),
                   _sum(Closure.on_time_original.is_(True)),
                   func.count(Closure.on_time_extended),
                   _sum(Closure.on_time_extended.is_(True)),
                   values, *(_sum(condition) for condition in _RATING_CONDITIONS))
            .outerjoin(Rating, Rating.closure_id == Closure.id)
            .where(Closure.closed_at >= start, Closure.closed_at < end)
            .group_by(Closure.department_id, Closure.holder_id))


def _closure_tally(row: Any) -> Callable[[Figures], None]:
    closed, judged, on_time, judged_ext, on_time_ext = row[2:7]
    found = [int(value) for value in row[7].split(",")] if row[7] else []
    ratings = {key: count for key, count in zip(RATING_KEYS, row[8:], strict=True) if count}

    def into(figures: Figures) -> None:
        figures.closed += closed
        figures.with_deadline += judged
        figures.on_time += on_time
        figures.with_deadline_extended += judged_ext
        figures.on_time_extended += on_time_ext
        figures.first_response.extend(found)
        figures.ratings.update(ratings)

    return into


def _flag_adder(flag: str, count: int) -> Callable[[Figures], None]:
    def into(figures: Figures) -> None:
        figures.flags[flag] += count
    return into


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of a group meet `condition` (0 for none, never NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_RATED = Rating.state == "rated"
_RATING_CONDITIONS: tuple[ColumnElement[bool], ...] = (
    *(and_(_RATED, Rating.level == level) for level in RATING_LEVELS),
    Rating.state == "not_rated",
    and_(Rating.state.is_not(None), Rating.state.not_in(("rated", "not_rated"))),
    or_(Rating.state.is_(None),
        and_(_RATED, or_(Rating.level.is_(None), Rating.level.not_in(RATING_LEVELS)))),
)  # in RATING_KEYS order: the five levels, 超时未评, 待评价, 无需评价 (rollup.rating_key)


# ---------------------------------------------------------------------- people shown


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    userid: str
    is_leader: bool


def members_of(session: Session, department_id: int) -> list[Member]:
    """The active people directly in a department, leaders first, then by name."""
    rows = session.execute(
        select(Person.id, Person.name, Person.userid, Membership.is_leader)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.department_id == department_id, Person.active)
        .order_by(Membership.is_leader.desc(), Person.name, Person.id)).all()
    return [Member(*row) for row in rows]


def supervised_person(session: Session, tree: Tree, scope: Scope, person_id: int) -> bool:
    """Whether `person_id` belongs to a department the scope shows."""
    visible = scope.visible(tree)
    return session.scalar(select(Membership.id).where(
        Membership.person_id == person_id,
        Membership.department_id.in_(visible)).limit(1)) is not None


# -------------------------------------------------------------------------- drill-down


DRILL_LABELS = {
    "open": "在办", "overdue": "超期", "due_today": "今日到期", "new": "新增",
    "closed": "办结", "late": "未按期办结", "flagged": "问题提示",
}


@dataclass(frozen=True)
class ListedTask:
    id: int
    title: str
    state: str
    holder: str
    deadline: datetime | None
    at: datetime | None  # when it closed, was created or flagged, for period lists


def drill(session: Session, tree: Tree, what: str, *, department_id: int,
          person_id: int | None, now: datetime, start: datetime, end: datetime,
          limit: int = 100) -> tuple[int, list[ListedTask]]:
    """(how many, the first `limit`) tasks behind one figure of the dashboard."""
    if what in ("closed", "late"):
        return _drill_closures(session, tree, what, department_id, person_id, start, end,
                               limit)
    owner = (Task.holder_id == person_id if person_id is not None
             else belongs_to(tree, department_id))
    when: Any
    if what in ("open", "overdue", "due_today"):
        where = [Task.state.in_(OPEN_STATES), owner]
        if what == "overdue":
            where.append(Task.deadline < now)
        elif what == "due_today":
            where += [Task.deadline >= now, Task.deadline < day_end(now)]
        when, order = Task.deadline, [Task.deadline.is_(None), Task.deadline, Task.id]
    elif what == "new":
        where = [Task.created_at >= start, Task.created_at < end, owner]
        when, order = Task.created_at, [Task.created_at.desc(), Task.id]
    elif what == "flagged":
        raised = (select(TaskFlag.task_id, func.max(TaskFlag.raised_at).label("at"))
                  .where(TaskFlag.raised_at >= start, TaskFlag.raised_at < end,
                         TaskFlag.flag.in_(SUMMARY_FLAGS))
                  .group_by(TaskFlag.task_id).subquery())
        where = [Task.id.in_(select(raised.c.task_id)), owner]
        when = (select(raised.c.at).where(raised.c.task_id == Task.id)
                .scalar_subquery())
        order = [when.desc(), Task.id]
    else:
        raise PeriodError("没有这一项统计")
    total = session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    rows = session.execute(
        select(Task.id, Task.title, Task.state, Person.name, Department.name, Task.deadline,
               when)
        .outerjoin(Person, Person.id == Task.holder_id)
        .outerjoin(Department, Department.id == Task.department_id)
        .where(*where).order_by(*order).limit(limit)).all()
    return total, [ListedTask(id_, title, state, _holder(holder, department), deadline, at)
                   for id_, title, state, holder, department, deadline, at in rows]


def _drill_closures(session: Session, tree: Tree, what: str, department_id: int,
                    person_id: int | None, start: datetime, end: datetime, limit: int
                    ) -> tuple[int, list[ListedTask]]:
    ids = tree.subtree(department_id)
    if person_id is not None:
        owner = Closure.holder_id == person_id
    else:
        members = select(Membership.person_id).where(Membership.department_id.in_(ids))
        owner = or_(Closure.department_id.in_(ids),
                    and_(Closure.department_id.is_(None), Closure.holder_id.in_(members)))
    where = [Closure.closed_at >= start, Closure.closed_at < end, owner]
    if what == "late":
        where.append(Closure.on_time_original.is_(False))
    total = session.scalar(select(func.count()).select_from(Closure).where(*where)) or 0
    rows = session.execute(
        select(Task.id, Task.title, Task.state, Person.name, Department.name,
               Closure.original_deadline, Closure.closed_at)
        .join(Task, Task.id == Closure.task_id)
        .outerjoin(Person, Person.id == Closure.holder_id)
        .outerjoin(Department, Department.id == Closure.department_id)
        .where(*where).order_by(Closure.closed_at.desc(), Closure.id).limit(limit)).all()
    return total, [ListedTask(id_, title, state, _holder(holder, department), deadline, at)
                   for id_, title, state, holder, department, deadline, at in rows]


def _holder(person: str | None, department: str | None) -> str:
    return person or (f"{department}（待认领）" if department else "受理人员（待认领）")
