"""平时考核记载: per-person and per-department figures over a period, the basis of the
year-end assessment (regulation (八), docs/regulation.md).

Everything is read from the record the product already keeps — the per-holder ledger
(`holdings`), the closure records, the ratings and the audit log — with a handful of
grouped queries whatever the size of the office, then summed per person in Python. A
department's figures are the sums over the people in it and in its sub-departments, so a
rate is always recomputed from counts, never averaged from rates.

Who a figure counts for, and in which period, is decided once here (docs/reports.md,
"Assessment records"):

- a stretch of holding counts for its holder in the period it *started* (received,
  responded, 补位), or *ended* (transfers made, bounces);
- a close counts for the holder at the close, in the period of `closed_at`; a rating
  counts with the close it rates;
- a chase counts for whoever held the task at that instant, in the period of the chase;
- "overdue, still open" is judged at the end of the period (or now, if sooner).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.core import sla
from tasks.core.policies import policy_for
from tasks.models import (
    Closure,
    Department,
    Extension,
    Holding,
    Membership,
    Person,
    Rating,
    Task,
    TaskEvent,
)
from tasks.vocabulary import BAD_LEVELS, RATING_LEVELS

NOT_RATED = "未评价"
AWAITING = "待评价"
GOOD_LEVELS = tuple(level for level in RATING_LEVELS if level not in BAD_LEVELS)


class AssessmentError(ValueError):
    """Input the report cannot be made from; str() is one Chinese line for the admin."""


# ------------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """Shanghai calendar dates, both included, as people write them on the command line."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise AssessmentError(f"起始日期 {self.first.isoformat()} 晚于结束日期 "
                                  f"{self.last.isoformat()}")

    @property
    def start(self) -> datetime:
        """00:00 Shanghai on the first day, the period's first instant."""
        return datetime.combine(self.first, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        """00:00 Shanghai after the last day: the first instant *not* in the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), SHANGHAI)

    def label(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"


# ------------------------------------------------------------------------------ the figures


@dataclass
class Figures:
    """The counts behind one row; rates and averages are derived, so rows add up."""

    received: int = 0            # stretches of holding started in the period
    stand_in: int = 0            # of those, held as someone's backup (补位)
    accepted: int = 0            # of those, accepted (or closed directly)
    response_judged: int = 0     # of those, with a first-response time that ran out or was met
    response_on_time: int = 0    # of those, answered (accepted/transferred/closed) in time
    response_minutes: float = 0  # total minutes from receipt to that answer
    responded: int = 0           # stretches that were answered at all
    closed: int = 0              # closes in the period, for the holder at the close
    closed_with_deadline: int = 0
    on_time_original: int = 0
    on_time_extended: int = 0
    closed_late: int = 0         # late even against the approved extension
    close_minutes: int = 0
    overdue_open: int = 0        # held at the end of the period, past the deadline then
    chases: int = 0
    transfers: int = 0
    bounces: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_LEVELS, 0))
    not_rated: int = 0
    awaiting: int = 0
    bad_followed_up: int = 0     # bad ratings with a 重办 or 整改 decided

    def add(self, other: "Figures") -> None:
        """Add another row's counts into this one (a department summing its people)."""
        for spec in fields(self):
            if spec.name == "levels":
                for level, count in other.levels.items():
                    self.levels[level] += count
            else:
                setattr(self, spec.name, getattr(self, spec.name) + getattr(other, spec.name))

    @property
    def is_empty(self) -> bool:
        return self == Figures()

    @property
    def overdue(self) -> int:
        return self.closed_late + self.overdue_open

    @property
    def rated(self) -> int:
        return sum(self.levels.values())

    @property
    def bad(self) -> int:
        return sum(self.levels[level] for level in BAD_LEVELS)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.response_on_time, self.response_judged)

    @property
    def on_time_original_rate(self) -> float | None:
        return _ratio(self.on_time_original, self.closed_with_deadline)

    @property
    def on_time_extended_rate(self) -> float | None:
        return _ratio(self.on_time_extended, self.closed_with_deadline)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(sum(self.levels[level] for level in GOOD_LEVELS), self.rated)

    @property
    def average_response_minutes(self) -> float | None:
        average = _ratio(self.response_minutes, self.responded)
        return None if average is None else round(average, 1)

    @property
    def average_close_hours(self) -> float | None:
        average = _ratio(self.close_minutes, self.closed)
        return None if average is None else round(average / 60, 1)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Column:
    """One figure as exported: Chinese header, value, and how a spreadsheet shows it."""

    header: str
    value: Callable[[Figures], int | float | None]
    kind: str = "count"  # count | percent | decimal


def _level(level: str) -> Callable[[Figures], int]:
    return lambda f: f.levels[level]


COLUMNS: tuple[Column, ...] = (
    Column("收到任务", lambda f: f.received),
    Column("补位任务", lambda f: f.stand_in),
    Column("已接办", lambda f: f.accepted),
    Column("应限时响应", lambda f: f.response_judged),
    Column("按时响应", lambda f: f.response_on_time),
    Column("按时响应率", lambda f: f.response_rate, "percent"),
    Column("平均响应时间（分钟）", lambda f: f.average_response_minutes, "decimal"),
    Column("办结", lambda f: f.closed),
    Column("有期限办结", lambda f: f.closed_with_deadline),
    Column("按原期限按时办结", lambda f: f.on_time_original),
    Column("按原期限按时率", lambda f: f.on_time_original_rate, "percent"),
    Column("按延期后期限按时办结", lambda f: f.on_time_extended),
    Column("按延期后期限按时率", lambda f: f.on_time_extended_rate, "percent"),
    Column("平均办结时间（小时）", lambda f: f.average_close_hours, "decimal"),
    Column("逾期办结", lambda f: f.closed_late),
    Column("期末逾期未办结", lambda f: f.overdue_open),
    Column("逾期合计", lambda f: f.overdue),
    Column("被催办", lambda f: f.chases),
    Column("转办", lambda f: f.transfers),
    Column("退回", lambda f: f.bounces),
    *(Column(level, _level(level)) for level in RATING_LEVELS),
    Column(NOT_RATED, lambda f: f.not_rated),
    Column(AWAITING, lambda f: f.awaiting),
    Column("满意率", lambda f: f.satisfaction_rate, "percent"),
    Column("差评", lambda f: f.bad),
    Column("差评已整改", lambda f: f.bad_followed_up),
)


# --------------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class PersonRow:
    person_id: int
    name: str
    userid: str
    departments: str  # current departments, joined with 、
    active: bool
    figures: Figures


@dataclass(frozen=True)
class DepartmentRow:
    department_id: int
    name: str
    platform_id: str
    parent: str
    depth: int        # 0 for the report's top department(s)
    people: int       # distinct people in it and its sub-departments
    figures: Figures


@dataclass(frozen=True)
class Assessment:
    period: Period
    department: str | None  # the --department scope as resolved, or None for everyone
    generated_at: datetime
    people: list[PersonRow]
    departments: list[DepartmentRow]


def assess(session: Session, period: Period, *, calendar: WorkCalendar, now: datetime,
           department: str | None = None) -> Assessment:
    """The assessment of `period`, for everyone or for one department and its sub-units.

    `calendar` is needed to know when a first-response time ran out on a working-hours
    limit; `now` bounds figures that are still running (an open first-response window).
    """
    tree = _Tree(list(session.scalars(select(Department))))
    scope = tree.resolve(department) if department else None
    members = _memberships(session)
    figures: dict[int, Figures] = defaultdict(Figures)
    _count_received(session, period, calendar, now, figures)
    _count_transfers(session, period, figures)
    _count_closures(session, period, figures)
    _count_overdue_open(session, min(period.end, now), figures)
    _count_chases(session, period, figures)
    _count_ratings(session, period, figures)
    departments = tree.ordered(scope)
    in_scope = {d.id for d in departments}
    people = _people_rows(session, tree, members, figures, in_scope if scope else None)
    return Assessment(
        period=period, department=f"{scope.name}（{scope.platform_id}）" if scope else None,
        generated_at=now, people=people,
        departments=_department_rows(tree, departments, members, figures,
                                     top_depth=tree.depth(scope) if scope else 0))


# ------------------------------------------------------------------------------ the queries


def _between(column, period: Period):  # noqa: ANN001, ANN202 - a SQL condition
    return and_(column >= period.start, column < period.end)


def _count_received(session: Session, period: Period, calendar: WorkCalendar, now: datetime,
                    figures: dict[int, Figures]) -> None:
    """Stretches started in the period: received, 补位, accepted, answered in time.

    A stretch is answered when its holder accepts it, passes it on (转办, a reasoned
    answer under 首问负责制) or closes it directly. Its first-response time runs from the
    start of the stretch on the task's own policy (never past the deadline), as the
    product set it when the stretch began; a stretch is judged once that time was met or
    ran out while the holder still held it without answering.
    """
    rows = session.execute(
        select(Holding.person_id, Holding.started_at, Holding.accepted_at, Holding.ended_at,
               Holding.ended_by, Holding.stand_in_for_id, Task.kind, Task.policy,
               Task.deadline)
        .join(Task, Task.id == Holding.task_id)
        .where(Holding.person_id.is_not(None), _between(Holding.started_at, period)))
    limits = _FirstResponseLimits(session)
    for person_id, started, accepted, ended, ended_by, stand_in, kind, policy, deadline in rows:
        row = figures[person_id]
        row.received += 1
        row.stand_in += stand_in is not None
        row.accepted += accepted is not None or ended_by == "closed"
        answered = accepted or (ended if ended_by in ("transferred", "closed") else None)
        if answered is not None:
            row.responded += 1
            row.response_minutes += (answered - started).total_seconds() / 60
        due = first_response_due(limits.get(kind, policy), started, deadline, calendar)
        if due is None:
            continue
        if answered is not None and answered <= due:
            row.response_judged += 1
            row.response_on_time += 1
        elif (answered or ended or now) > due:
            row.response_judged += 1


def first_response_due(limit: sla.Limit | None, started: datetime, deadline: datetime | None,
                       calendar: WorkCalendar) -> datetime | None:
    """When a stretch's first response fell due: the same rule as the product's timer."""
    try:
        due = sla.due_after(limit, started, calendar)
    except CalendarDataMissing:
        return None
    if due is not None and deadline is not None:
        due = min(due, max(deadline, started))
    return due


class _FirstResponseLimits:
    """The first-response limit of a task's policy snapshot, parsed once per distinct one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, str], sla.Limit | None] = {}

    def get(self, kind: str, snapshot: dict | None) -> sla.Limit | None:
        key = (kind, repr(sorted((snapshot or {}).items())))
        if key not in self.cache:
            try:
                policy = sla.Policy.from_dict(kind, snapshot) if snapshot else \
                    policy_for(self.session, kind)
            except (KeyError, ValueError):
                policy = None
            self.cache[key] = policy.first_response if policy else None
        return self.cache[key]


def _count_transfers(session: Session, period: Period, figures: dict[int, Figures]) -> None:
    """Transfers made away from a holder, and bounces: a transfer back to an earlier holder
    (the audit event marks it), counted for the person whose stretch it ended."""
    ended = session.execute(
        select(Holding.task_id, Holding.ended_at, Holding.person_id)
        .where(Holding.person_id.is_not(None), Holding.ended_by == "transferred",
               _between(Holding.ended_at, period))).all()
    by_moment: dict[tuple[int, datetime | None], int] = {}
    for task_id, at, person_id in ended:
        assert person_id is not None  # the query keeps stretches someone held
        figures[person_id].transfers += 1
        by_moment[(task_id, at)] = person_id
    events = session.execute(
        select(TaskEvent.task_id, TaskEvent.at, TaskEvent.detail)
        .where(TaskEvent.action == "transferred", _between(TaskEvent.at, period)))
    for task_id, at, detail in events:
        person_id = by_moment.get((task_id, at))
        if person_id is not None and (detail or {}).get("bounced") == "yes":
            figures[person_id].bounces += 1


def _count_closures(session: Session, period: Period, figures: dict[int, Figures]) -> None:
    """Closes in the period, for the holder at the close, from the closure records."""
    rows = session.execute(
        select(Closure.holder_id, func.count(),
               func.count(Closure.on_time_original),
               func.sum(_flag(Closure.on_time_original.is_(True))),
               func.sum(_flag(Closure.on_time_extended.is_(True))),
               func.sum(_flag(Closure.on_time_extended.is_(False))),
               func.sum(Closure.close_minutes))
        .where(Closure.holder_id.is_not(None), _between(Closure.closed_at, period))
        .group_by(Closure.holder_id))
    for holder_id, closed, with_deadline, original, extended, late, minutes in rows:
        row = figures[holder_id]
        row.closed += closed
        row.closed_with_deadline += with_deadline
        row.on_time_original += original or 0
        row.on_time_extended += extended or 0
        row.closed_late += late or 0
        row.close_minutes += minutes or 0


def _flag(condition):  # noqa: ANN001, ANN202 - 1 where the condition holds, else 0
    return case((condition, 1), else_=0)


def _count_overdue_open(session: Session, instant: datetime,
                        figures: dict[int, Figures]) -> None:
    """Tasks held at `instant` (period end, or now) whose deadline in force then had passed.

    The deadline in force then is read back through what changed it later: the first
    extension approved after the instant (its `previous_deadline`), or the first close
    after it (the closure's deadline); failing both, the task's deadline now.
    """
    spanning = (select(Holding.task_id, Holding.person_id, Task.deadline)
                .join(Task, Task.id == Holding.task_id)
                .where(Holding.person_id.is_not(None), Holding.started_at < instant,
                       or_(Holding.ended_at.is_(None), Holding.ended_at > instant)))
    held = session.execute(spanning).all()
    if not held:
        return
    task_ids = spanning.with_only_columns(Holding.task_id)
    later: dict[int, tuple[datetime, datetime | None]] = {}
    changes = [
        *session.execute(select(Extension.task_id, Extension.decided_at,
                                Extension.previous_deadline)
                         .where(Extension.state == "approved", Extension.decided_at > instant,
                                Extension.task_id.in_(task_ids))),
        *session.execute(select(Closure.task_id, Closure.closed_at, Closure.deadline)
                         .where(Closure.closed_at > instant, Closure.task_id.in_(task_ids))),
    ]
    for task_id, at, deadline in changes:
        if task_id not in later or at < later[task_id][0]:
            later[task_id] = (at, deadline)
    for task_id, person_id, deadline in held:
        assert person_id is not None  # the query keeps stretches someone held
        then = later[task_id][1] if task_id in later else deadline
        if then is not None and then < instant:
            figures[person_id].overdue_open += 1


def _count_chases(session: Session, period: Period, figures: dict[int, Figures]) -> None:
    """催办 in the period, for whoever held the task at that instant."""
    rows = session.execute(
        select(Holding.person_id, func.count())
        .select_from(TaskEvent)
        .join(Holding, and_(Holding.task_id == TaskEvent.task_id,
                            Holding.started_at <= TaskEvent.at,
                            or_(Holding.ended_at.is_(None), Holding.ended_at > TaskEvent.at)))
        .where(TaskEvent.action == "chased", Holding.person_id.is_not(None),
               _between(TaskEvent.at, period))
        .group_by(Holding.person_id))
    for person_id, count in rows:
        assert person_id is not None  # the query keeps stretches someone held
        figures[person_id].chases += count


def _count_ratings(session: Session, period: Period, figures: dict[int, Figures]) -> None:
    """Ratings of the closes in the period (by `closed_at`), for the holder who closed."""
    holder = func.coalesce(Rating.holder_id, Closure.holder_id)
    rows = session.execute(
        select(holder, Rating.state, Rating.level, Rating.followup, func.count())
        .join(Closure, Closure.id == Rating.closure_id)
        .where(holder.is_not(None), _between(Closure.closed_at, period))
        .group_by(holder, Rating.state, Rating.level, Rating.followup))
    for person_id, state, level, followup, count in rows:
        row = figures[person_id]
        if state == "rated" and level in row.levels:
            row.levels[level] += count
            if level in BAD_LEVELS and followup:
                row.bad_followed_up += count
        elif state == "not_rated":
            row.not_rated += count
        elif state == "asked":
            row.awaiting += count


def _memberships(session: Session) -> dict[int, list[int]]:
    """Person id → the ids of the departments they belong to now."""
    members: dict[int, list[int]] = defaultdict(list)
    for person_id, department_id in session.execute(
            select(Membership.person_id, Membership.department_id).order_by(Membership.id)):
        members[person_id].append(department_id)
    return members


# ------------------------------------------------------------------ departments and people


class _Tree:
    """The department tree by platform ids, for scoping and rolling figures up."""

    def __init__(self, departments: list[Department]) -> None:
        self.by_id = {d.id: d for d in departments}
        self.by_platform = {(d.platform, d.platform_id): d for d in departments}
        self.children: dict[int | None, list[Department]] = defaultdict(list)
        for d in sorted(departments, key=lambda d: (d.name, d.platform_id)):
            parent = self.by_platform.get((d.platform, d.parent_platform_id or ""))
            self.children[parent.id if parent and parent.id != d.id else None].append(d)

    def resolve(self, written: str) -> Department:
        """A department by platform id, else by exact name; refuse unknown or ambiguous."""
        text = written.strip().lstrip("@＠")
        by_platform = [d for d in self.by_id.values() if d.platform_id == text]
        if by_platform:
            return by_platform[0]
        named = [d for d in self.by_id.values() if d.name == text]
        if len(named) == 1:
            return named[0]
        if not named:
            raise AssessmentError(f"没有名为或编号为「{text}」的部门")
        ids = "、".join(sorted(d.platform_id for d in named))
        raise AssessmentError(f"有多个部门名为「{text}」，请改写部门编号：{ids}")

    def ordered(self, top: Department | None) -> list[Department]:
        """Departments in tree order (parents before children), under `top` or all."""
        out: list[Department] = []
        seen: set[int] = set()

        def walk(department: Department) -> None:
            if department.id in seen:  # a malformed tree with a cycle
                return
            seen.add(department.id)
            out.append(department)
            for child in self.children.get(department.id, []):
                walk(child)

        for root in [top] if top else self.children.get(None, []):
            walk(root)
        if top is None:  # departments caught in a parent cycle, so under no root
            for department in self.by_id.values():
                walk(department)
        return out

    def depth(self, department: Department) -> int:
        depth, seen = 0, {department.id}
        parent = self._parent(department)
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            depth, parent = depth + 1, self._parent(parent)
        return depth

    def parent_name(self, department: Department) -> str:
        parent = self._parent(department)
        return parent.name if parent else ""

    def _parent(self, department: Department) -> Department | None:
        parent = self.by_platform.get((department.platform, department.parent_platform_id or ""))
        return parent if parent is not None and parent.id != department.id else None


def _people_rows(session: Session, tree: _Tree, members: dict[int, list[int]],
                 figures: dict[int, Figures], scope: set[int] | None) -> list[PersonRow]:
    """Everyone active in scope, and anyone else in scope with figures in the period."""
    order = {d.id: index for index, d in enumerate(tree.ordered(None))}
    rows = []
    for person in session.scalars(select(Person)):
        own = members.get(person.id, [])
        if scope is not None and not scope.intersection(own):
            continue
        numbers = figures.get(person.id) or Figures()
        if not person.active and numbers.is_empty:
            continue
        names = "、".join(tree.by_id[d].name for d in own if d in tree.by_id)
        rows.append((min((order.get(d, len(order)) for d in own), default=len(order)),
                     PersonRow(person.id, person.name, person.userid, names, person.active,
                               numbers)))
    rows.sort(key=lambda pair: (pair[0], pair[1].name, pair[1].userid))
    return [row for _, row in rows]


def _department_rows(tree: _Tree, departments: list[Department],
                     members: dict[int, list[int]], figures: dict[int, Figures], *,
                     top_depth: int) -> list[DepartmentRow]:
    """Each department with the sums over the distinct people in it and below it."""
    people_of: dict[int, set[int]] = defaultdict(set)
    for person_id, department_ids in members.items():
        for department_id in department_ids:
            people_of[department_id].add(person_id)
    rows = []
    for department in departments:
        people = set().union(*(people_of[d.id] for d in tree.ordered(department)))
        total = Figures()
        for person_id in people:
            if person_id in figures:
                total.add(figures[person_id])
        if not department.active and total.is_empty:
            continue
        rows.append(DepartmentRow(department.id, department.name, department.platform_id,
                                  tree.parent_name(department),
                                  tree.depth(department) - top_depth, len(people), total))
    return rows

