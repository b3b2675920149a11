"""Supervisor summaries (督办日报、周报, docs/reports.md): the figures of a department and of
every department under it, for the people who supervise it, with a chart of the last
eight weeks.

Who gets which: the summary of department D covers the work of D and of every department
below it, and goes to D's own supervisors: its leaders (负责人) in the directory and the
people granted supervision of D. The top department's leaders therefore see the whole
tree in one message, a section head sees their section. A department with a group chat
configured (`rules.group_chats`: a WeCom group robot, a DingTalk group) also gets its
summary there, on that group's platform.

Where work belongs: an open or new task to the departments of its holder (all of them),
or, while nobody holds it, to the department it is offered to; a closure to the
department frozen on it when it closed (else its holder's). Work that belongs nowhere is
counted in the top department's summary only.

Building a summary reads the database; rendering the chart is left to the caller, so no
transaction stays open while a picture is drawn.
"""

from collections import Counter, defaultdict
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.feedback.rollup import NOT_ASKED, NOT_RATED, WAITING, rating_key
from tasks.markup import markdown_text
from tasks.messaging.outbox import (
    queue_group_image,
    queue_group_markdown,
    queue_image,
    queue_markdown,
)
from tasks.models import (
    OPEN_STATES,
    Closure,
    Department,
    Membership,
    Person,
    Rating,
    SupervisorGrant,
    Task,
    TaskFlag,
)
from tasks.presentation import replies
from tasks.reports.figures import (
    WEEKLY,
    Period,
    at,
    claim_run,
    clip,
    day_label,
    minutes_text,
    p90,
    percent,
    week_start,
)
from tasks.vocabulary import RATING_LEVELS

CHART_WEEKS = 8
OVERDUE_SHOWN = 5
TITLE_CHARS = 12
SUMMARY_FLAGS = {"buck_passing": "推诿扯皮", "idle": "领而不办", "poor_work": "办而不力"}
EMERGENCY_LATE = "突发未及时接办"
_MIDNIGHT = time(0)


@dataclass(frozen=True)
class WeekPoint:
    """One week of the chart: tasks created, closures, and closures on time of those with
    a deadline (against the original deadline)."""

    start: date
    new: int
    closed: int
    on_time: int
    with_deadline: int


@dataclass
class PeriodCounts:
    """What a period's work adds up to for a department or a person: the counts the
    summaries and the dashboard both show (docs/reports.md says what each means)."""

    new: int = 0
    closed: int = 0
    on_time: int = 0
    with_deadline: int = 0
    on_time_extended: int = 0
    with_deadline_extended: int = 0
    # a list here; the dashboard's departments hold theirs as a packed array (its rollup)
    first_response: MutableSequence[int] = field(default_factory=list)
    ratings: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


@dataclass
class Figures(PeriodCounts):
    """A department's figures for one period, with what is open at the summary's moment."""

    open: int = 0
    overdue: list[Task] = field(default_factory=list)
    emergencies_late: list[Task] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        """Nothing happened and nothing is open: no summary is worth sending."""
        return not (self.new or self.closed or self.open or sum(self.flags.values())
                    or self.emergencies_late)


@dataclass(frozen=True)
class Summary:
    """One department's summary, in plain data so it outlives the session that built it."""

    department_platform_id: str
    department_name: str
    recipients: tuple[tuple[str, str], ...]  # (platform, userid) of each supervisor
    groups: tuple[tuple[str, str], ...]  # (platform, group key) of each group chat
    text: str
    weeks: tuple[WeekPoint, ...]


@dataclass(frozen=True)
class _Closed:
    at: datetime
    departments: frozenset[int]
    on_time: bool | None
    on_time_extended: bool | None
    first_response: int | None
    rating: str  # a level, NOT_RATED, WAITING or NOT_ASKED


@dataclass(frozen=True)
class _Stamp:
    at: datetime
    departments: frozenset[int]
    what: str = ""


@dataclass
class _Facts:
    """Everything a run's summaries are computed from, read once for all departments."""

    closures: list[_Closed]
    created: list[_Stamp]
    flags: list[_Stamp]
    open_tasks: list[tuple[Task, frozenset[int]]]
    emergencies_late: list[tuple[Task, frozenset[int]]] = field(default_factory=list)


def build_summaries(session: Session, rules: OfficeRules, calendar: WorkCalendar,
                    period: Period, now: datetime) -> list[Summary]:
    """The summaries due for `period`, one per department that has someone to tell and
    something to say, top of the tree first."""
    departments = list(session.scalars(select(Department).where(Department.active)
                                       .order_by(Department.id)))
    subtree = _subtrees(departments)
    recipients = _supervisors(session)
    weeks = _chart_weeks(period)
    facts = _load_facts(session, min(period.start, at(weeks[0], _MIDNIGHT)), period.end, now)
    known = {(d.platform, d.platform_id) for d in departments}
    summaries = []
    for department in departments:
        userids = recipients.get(department.id, ())
        groups = rules.group_chats(department.platform, department.platform_id)
        if not userids and not groups:
            continue
        ids = subtree[department.id]
        top = (department.platform, department.parent_platform_id) not in known
        figures = _figures(facts, ids, top, period, now)
        if figures.quiet:
            continue
        points = tuple(_week_point(facts, ids, top, start, period.end) for start in weeks)
        text = summary_text(department.name, period, figures, now, calendar)
        summaries.append(Summary(department.platform_id, department.name, tuple(userids),
                                 groups, text, points))
    return summaries


def figures_on_demand(session: Session, period: Period, now: datetime,
                      department_ids: set[int]) -> list[tuple[Department, Figures]]:
    """The figures the summaries give, for any period and the departments asked for (汇总,
    the dashboard): one entry per department that is not below another one asked for, top
    of the tree first. Read with the same rules as the scheduled summaries."""
    departments = list(session.scalars(select(Department).where(Department.active)
                                       .order_by(Department.id)))
    subtree = _subtrees(departments)
    asked = [d for d in departments if d.id in department_ids]
    chosen = [d for d in asked
              if not any(d.id in subtree[other.id] for other in asked if other.id != d.id)]
    if not chosen:
        return []
    known = {(d.platform, d.platform_id) for d in departments}
    facts = _load_facts(session, period.start, period.end, now)
    return [(d, _figures(facts, subtree[d.id], (d.platform, d.parent_platform_id) not in known,
                         period, now)) for d in chosen]


def brief_lines(figures: Figures) -> list[str]:
    """The summary's figure lines without its heading, lists and chart note: what a short
    answer in chat shows."""
    return [f"新增 {figures.new} 项，办结 {figures.closed} 项；"
            f"当前在办 {figures.open} 项，其中超期 {len(figures.overdue)} 项",
            _on_time_line(figures), _first_response_line(figures.first_response),
            _ratings_line(figures), _flags_line(figures.flags, len(figures.emergencies_late))]


def queue_summaries(session: Session, period: Period, summaries: Sequence[Summary],
                    charts: Sequence[bytes], now: datetime) -> int | None:
    """Queue each summary (markdown, then its chart) to its supervisors and groups, with
    the run record; None if this period's summaries already went out."""
    run = claim_run(session, period, now)
    if run is None:
        return None
    queued = 0
    for summary, png in zip(summaries, charts, strict=True):
        for platform, userid in summary.recipients:
            queue_markdown(session, userid, summary.text, now=now, platform=platform)
            queue_image(session, userid, png, now=now, platform=platform)
            queued += 2
        for platform, group_key in summary.groups:
            queue_group_markdown(session, group_key, summary.text, now=now, platform=platform)
            queue_group_image(session, group_key, png, now=now, platform=platform)
            queued += 2
    run.messages = queued
    return queued


# -- the figures -----------------------------------------------------------------------------

def _figures(facts: _Facts, ids: frozenset[int], top: bool, period: Period,
             now: datetime) -> Figures:
    figures = Figures()
    figures.new = sum(1 for s in facts.created
                      if _in(s.departments, ids, top) and period.start <= s.at < period.end)
    for closed in facts.closures:
        if not (_in(closed.departments, ids, top) and period.start <= closed.at < period.end):
            continue
        figures.closed += 1
        if closed.on_time is not None:
            figures.with_deadline += 1
            figures.on_time += closed.on_time
        if closed.on_time_extended is not None:
            figures.with_deadline_extended += 1
            figures.on_time_extended += closed.on_time_extended
        if closed.first_response is not None:
            figures.first_response.append(closed.first_response)
        figures.ratings[closed.rating] += 1
    for flag in facts.flags:
        if _in(flag.departments, ids, top) and period.start <= flag.at < period.end:
            figures.flags[flag.what] += 1
    mine = [task for task, depts in facts.open_tasks if _in(depts, ids, top)]
    figures.open = len(mine)
    figures.overdue = sorted((t for t in mine if t.deadline is not None and t.deadline < now),
                             key=lambda t: (t.deadline, t.id))
    figures.emergencies_late = [
        task for task, depts in facts.emergencies_late if _in(depts, ids, top)
        and task.first_response_due is not None
        and period.start <= task.first_response_due < period.end]
    return figures


def _week_point(facts: _Facts, ids: frozenset[int], top: bool, start: date,
                until: datetime) -> WeekPoint:
    begin, end = at(start, _MIDNIGHT), min(at(start + timedelta(days=7), _MIDNIGHT), until)
    closed = [c for c in facts.closures if _in(c.departments, ids, top) and begin <= c.at < end]
    timed = [c for c in closed if c.on_time is not None]
    new = sum(1 for s in facts.created if _in(s.departments, ids, top) and begin <= s.at < end)
    return WeekPoint(start, new, len(closed), sum(1 for c in timed if c.on_time), len(timed))


def _in(departments: frozenset[int], ids: frozenset[int], top: bool) -> bool:
    return bool(departments & ids) if departments else top


def _chart_weeks(period: Period) -> list[date]:
    """Mondays of the chart's weeks: the covered week (weekly) or the current one (daily),
    and the seven before it."""
    last = week_start((period.end - timedelta(microseconds=1)).astimezone(SHANGHAI).date())
    return [last - timedelta(weeks=CHART_WEEKS - 1 - i) for i in range(CHART_WEEKS)]


# -- reading -----------------------------------------------------------------------------------

def _load_facts(session: Session, since: datetime, until: datetime, now: datetime) -> _Facts:
    homes = _person_departments(session)

    def home(holder_id: int | None, department_id: int | None) -> frozenset[int]:
        if holder_id is not None and homes.get(holder_id):
            return homes[holder_id]
        return frozenset([department_id]) if department_id is not None else frozenset()

    closures = []
    rows = session.execute(
        select(Closure, Rating.state, Rating.level)
        .outerjoin(Rating, Rating.closure_id == Closure.id)
        .where(Closure.closed_at >= since, Closure.closed_at < until)).all()
    for closure, state, level in rows:
        departments = (frozenset([closure.department_id]) if closure.department_id is not None
                       else home(closure.holder_id, None))
        closures.append(_Closed(closure.closed_at, departments, closure.on_time_original,
                                closure.on_time_extended, closure.first_response_minutes,
                                rating_key(state, level)))
    created = [_Stamp(created_at, home(holder_id, department_id))
               for created_at, holder_id, department_id in session.execute(
                   select(Task.created_at, Task.holder_id, Task.department_id)
                   .where(Task.created_at >= since, Task.created_at < until))]
    flags = [_Stamp(raised_at, home(holder_id, department_id), flag)
             for raised_at, flag, holder_id, department_id in session.execute(
                 select(TaskFlag.raised_at, TaskFlag.flag, Task.holder_id, Task.department_id)
                 .join(Task, Task.id == TaskFlag.task_id)
                 .where(TaskFlag.raised_at >= since, TaskFlag.raised_at < until,
                        TaskFlag.flag.in_(SUMMARY_FLAGS)))]
    open_tasks = [(task, home(task.holder_id, task.department_id)) for task in
                  session.scalars(select(Task).where(Task.state.in_(OPEN_STATES)))]
    late = [(task, home(task.holder_id, task.department_id))
            for task in _emergencies_late(session, since, min(until, now))]
    return _Facts(closures, created, flags, open_tasks, late)


def _emergencies_late(session: Session, since: datetime, until: datetime) -> list[Task]:
    """突发事件 whose accept limit (接办时限) fell in [since, until) and passed with nobody
    accepting: still unaccepted now, or accepted after it; cancelled ones are left out.
    `until` is never later than now, so a limit still running is not counted."""
    return list(session.scalars(select(Task).where(
        Task.kind == "emergency", Task.first_response_due >= since,
        Task.first_response_due < until, Task.state != "cancelled",
        or_(Task.accepted_at.is_(None), Task.accepted_at > Task.first_response_due))
        .order_by(Task.first_response_due, Task.id)))


def _person_departments(session: Session) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for person_id, department_id in session.execute(
            select(Membership.person_id, Membership.department_id)):
        found[person_id].add(department_id)
    return {person: frozenset(ids) for person, ids in found.items()}


def _subtrees(departments: Sequence[Department]) -> dict[int, frozenset[int]]:
    """Each department's id with the ids of every department below it."""
    children: dict[tuple[str, str], list[Department]] = defaultdict(list)
    for department in departments:
        children[(department.platform, department.parent_platform_id or "")].append(department)

    def below(department: Department, seen: set[int]) -> set[int]:
        if department.id in seen:  # a cycle in a broken directory must not loop
            return set()
        seen.add(department.id)
        ids = {department.id}
        for child in children.get((department.platform, department.platform_id), []):
            ids |= below(child, seen)
        return ids

    return {d.id: frozenset(below(d, set())) for d in departments}


def _supervisors(session: Session) -> dict[int, tuple[tuple[str, str], ...]]:
    """Department id → (platform, userid) of its active leaders and grantees, in person
    order."""
    found: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    leaders = session.execute(
        select(Membership.department_id, Person)
        .join(Person).where(Membership.is_leader, Person.active))
    granted = session.execute(
        select(SupervisorGrant.department_id, Person)
        .join(Person).where(Person.active))
    for department_id, person in [*leaders, *granted]:
        found[department_id][person.id] = person.address()  # where they last wrote from
    return {d: tuple(people[p] for p in sorted(people)) for d, people in found.items()}


# -- the message -------------------------------------------------------------------------------

def summary_text(department: str, period: Period, figures: Figures, now: datetime,
                 calendar: WorkCalendar) -> str:
    """The markdown summary; it names the chart sent after it."""
    lines = [_heading(department, period),
             f"统计时段：{replies.stamp(period.start)} 至 {replies.stamp(period.end)}",
             f"新增 {figures.new} 项，办结 {figures.closed} 项；"
             f"当前在办 {figures.open} 项，其中超期 {len(figures.overdue)} 项",
             _on_time_line(figures), _first_response_line(figures.first_response),
             _ratings_line(figures), _flags_line(figures.flags, len(figures.emergencies_late))]
    if figures.emergencies_late:
        lines.append(f"**{EMERGENCY_LATE} {len(figures.emergencies_late)} 项**")
        lines += [_emergency_line(task, now) for task in figures.emergencies_late]
    if figures.overdue:
        lines.append(f"**超期未办结 {len(figures.overdue)} 项**")
        lines += [f"> #{t.id} {markdown_text(clip(t.title, TITLE_CHARS))}｜"
                  f"{markdown_text(t.holder_label)}｜"
                  f"{replies.deadline_text(t, now, calendar)}"
                  for t in figures.overdue[:OVERDUE_SHOWN]]
        if len(figures.overdue) > OVERDUE_SHOWN:
            lines.append(f"> …另有 {len(figures.overdue) - OVERDUE_SHOWN} 项")
    lines.append(f"附图：近{CHART_WEEKS}周每周新增（灰柱）、办结（蓝柱）件数与按期办结率"
                 "（橙线，右轴，按原定期限），最后一周" +
                 ("为本统计周。" if period.name == WEEKLY else "截至本次统计。"))
    return "\n".join(lines)


def _heading(department: str, period: Period) -> str:
    if period.name == WEEKLY:
        first = period.start.astimezone(SHANGHAI).date()
        last = first + timedelta(days=6)
        return (f"**【督办周报】{markdown_text(department)}**（{first.month}月{first.day}日—"
                f"{last.month}月{last.day}日）")
    return f"**【督办日报】{markdown_text(department)}**（{day_label(period.day)}）"


def _on_time_line(figures: Figures) -> str:
    if not figures.with_deadline:
        return "按期办结率：—（本期没有带期限的办结）"
    line = (f"按期办结率：{percent(figures.on_time, figures.with_deadline)}%"
            f"（{figures.on_time}/{figures.with_deadline}，按原定期限）")
    extended, of = figures.on_time_extended, figures.with_deadline_extended
    if of:
        line += f"；计入批准延期 {percent(extended, of)}%（{extended}/{of}）"
    return line


def _first_response_line(minutes: Sequence[int]) -> str:
    if not minutes:
        return "首次响应：—（本期没有办结）"
    average = sum(minutes) / len(minutes)
    return (f"首次响应：平均 {minutes_text(average)}，P90 {minutes_text(p90(minutes))}"
            f"（{len(minutes)} 项）")


def _ratings_line(figures: Figures) -> str:
    counts = figures.ratings
    parts = [f"{level} {counts[level]}" for level in RATING_LEVELS]
    parts += [f"超时未评 {counts[NOT_RATED]}", f"待评价 {counts[WAITING]}"]
    if counts[NOT_ASKED]:
        parts.append(f"无需评价 {counts[NOT_ASKED]}")
    return "满意度：" + "，".join(parts)


def _flags_line(flags: Counter[str], emergencies_late: int) -> str:
    """The flags raised in the period; 突发未及时接办 only when there was one."""
    parts = [f"{label} {flags[kind]}" for kind, label in SUMMARY_FLAGS.items()]
    if emergencies_late:
        parts.append(f"{EMERGENCY_LATE} {emergencies_late}")
    return "问题提示：" + "，".join(parts)


def _emergency_line(task: Task, now: datetime) -> str:
    """One emergency accepted late, or not at all: by how much its accept limit passed."""
    assert task.first_response_due is not None
    title = f"#{task.id} {markdown_text(clip(task.title, TITLE_CHARS))}"
    due = replies.stamp(task.first_response_due)
    if task.accepted_at is None or task.holder is None:
        late = minutes_text((now - task.first_response_due).total_seconds() / 60)
        return f"> {title}｜应于 {due} 前接办，已超时 {late} 仍未接办"
    late = minutes_text((task.accepted_at - task.first_response_due).total_seconds() / 60)
    return (f"> {title}｜应于 {due} 前接办，{markdown_text(task.holder.name)} "
            f"超时 {late} 后接办")

