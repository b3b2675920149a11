"""What the dashboard's pages and its JSON API show, computed once for both: the request's
department and period read and checked, the figures of `tasks.reports.dashboard`
gathered for one department, its sub-departments and its people, and written as JSON.

No Flask here: the blueprints (`webapp.workbench.dashboard`, `api_dashboard`) turn a
`Refused` into a 400/403 answer and an `Overview` into a page or JSON.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.core.office_rules import OfficeRules
from tasks.models import STATE_LABELS, Person
from tasks.reports import dashboard
from tasks.reports.dashboard import (
    RATING_KEYS,
    RATING_LABELS,
    Figures,
    Load,
    Member,
    Scope,
    Span,
    Tree,
    Unit,
)
from tasks.reports.figures import minutes_text
from tasks.reports.summaries import SUMMARY_FLAGS

OVERDUE_SHOWN = 20
LISTED = 100
FORBIDDEN = "无权查看"


class Refused(Exception):
    """A request the dashboard answers with a message: `status` 400 (bad input) or 403."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Query:
    """The request's choices, checked: a visible department, a period, maybe a person."""

    tree: Tree
    scope: Scope
    department: Unit
    span: Span
    person: Person | None
    period: str  # week | month | custom, as asked
    now: datetime

    def link(self, path: str, **extra: Any) -> str:
        """`path?department=…&period=…` keeping this period: the values are numbers, ISO
        dates and the checked period words, so nothing needs quoting (the tree of a large
        office has hundreds of links, and url_for costs more than the queries)."""
        return path + "?" + "&".join(f"{k}={v}" for k, v in self.args(**extra).items())

    def args(self, **extra: Any) -> dict[str, Any]:
        """The query string that keeps this department and period (for links)."""
        found: dict[str, Any] = {"department": self.department.id, "period": self.period}
        if self.period == "custom":
            found.update({"from": self.span.first.isoformat(), "to": self.span.last.isoformat()})
        found.update({k: v for k, v in extra.items() if v is not None})
        return found


def read_query(session: Session, rules: OfficeRules, viewer: Person, args: Any,
               now: datetime) -> Query:
    """Check who asks and what: a person who supervises nothing, or a department outside
    their scope, is refused (403); a malformed department, period or date is 400."""
    dashboard.for_reading(session)
    tree = dashboard.load_tree(session)
    scope = dashboard.scope_of(session, rules, viewer, tree)
    if scope is None:
        raise Refused(403, "无权查看：驾驶舱只对科室负责人、督办人员、领导和管理员开放。")
    if not scope.roots:
        raise Refused(403, "无权查看：通讯录中还没有部门。")
    department_id = _integer(args.get("department"), "部门")
    if department_id is None:
        department_id = scope.roots[0]
    if department_id not in tree.units or not scope.allows(tree, department_id):
        raise Refused(403, "无权查看：你不督办这个部门。")
    period = (args.get("period") or "week").strip()
    try:
        span = dashboard.span_of(period, _date(args.get("from"), "起始日期"),
                                 _date(args.get("to"), "结束日期"), now)
    except dashboard.PeriodError as error:
        raise Refused(400, str(error)) from None
    person = None
    person_id = _integer(args.get("person"), "人员")
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None or not dashboard.supervised_person(session, tree, scope, person_id):
            raise Refused(403, "无权查看：这位人员不在你督办的部门。")
    return Query(tree, scope, tree.units[department_id], span, person, period, now)


def _integer(value: str | None, what: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 12:
        raise Refused(400, f"{what}编号无法识别：「{value[:20]}」")
    return int(value)


def _date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(400, f"{what}无法识别：「{value[:20]}」，请写成 2026-11-01 这样的日期") \
            from None


# ------------------------------------------------------------------------ the overview


@dataclass(frozen=True)
class Row:
    """One line of the figures table: a department (its subtree) or a person."""

    kind: str  # department | person
    id: int
    name: str
    load: Load
    figures: Figures


@dataclass(frozen=True)
class Overview:
    query: Query
    tree: list[tuple[Unit, Load]]  # the visible tree, in order
    departments: list[Row]  # the department itself, then its sub-departments
    people: list[Row]  # the people directly in it
    overdue_total: int
    overdue: list[dashboard.OverdueTask]

    @property
    def loads(self) -> dict[int, Load]:
        return {unit.id: load for unit, load in self.tree}

    def open_path(self) -> set[int]:
        """The shown department and its ancestors: the tree opens along this path."""
        return self.query.tree.covering([self.query.department.id])


def overview(session: Session, query: Query, *, with_tree: bool = True,
             with_overdue: bool = True, with_people: bool = True) -> Overview:
    """Everything the dashboard page shows for one department and period."""
    tree = query.tree
    loads, person_loads = dashboard.workload(session, tree, query.now)
    members: list[Member] = (dashboard.members_of(session, query.department.id)
                             if with_people else [])
    figures = dashboard.period_figures(session, tree, query.span,
                                       people=[m.id for m in members])
    visible = query.scope.visible(tree)
    units = ([(u, loads.get(u.id, Load())) for u in tree.ordered() if u.id in visible]
             if with_tree else [])
    shown = [query.department.id, *tree.children.get(query.department.id, [])]
    departments = [Row("department", d, tree.units[d].name, loads.get(d, Load()),
                       figures.departments.get(d, Figures())) for d in shown]
    people: list[Row] = []
    if with_people:
        people = [Row("person", m.id, m.name + ("（负责人）" if m.is_leader else ""),
                      person_loads.get(m.id, Load()), figures.people.get(m.id, Figures()))
                  for m in members]
    total, overdue = (dashboard.overdue_tasks(
        session, tree, query.department.id, query.now, limit=OVERDUE_SHOWN,
        total=loads.get(query.department.id, Load()).overdue) if with_overdue else (0, []))
    return Overview(query, units, departments, people, total, overdue)


# ---------------------------------------------------------------------------- writing


def tree_html(shown: Overview) -> Markup:
    """The department tree as nested lists, written here rather than by a recursive
    template macro: a whole office's hundreds of departments cost a macro call, two
    links and a dozen lookups each, which took longer than the queries behind them."""
    query, loads, path = shown.query, shown.loads, shown.open_path()
    out: list[str] = []

    def node(unit_id: int) -> None:
        unit, load = query.tree.units[unit_id], loads[unit_id]
        kids = query.tree.children.get(unit_id, [])
        out.append("<li>")
        if kids:
            opened = " open" if unit_id in path or unit.depth == 0 else ""
            out.append(f"<details{opened}><summary>")
        current = (' aria-current="page" class="dash-current"'
                   if unit_id == query.department.id else "")
        link = escape(query.link("/dashboard/", department=unit_id))
        drill = escape(query.link("/dashboard/tasks", show="overdue", department=unit_id))
        bad = "dash-bad" if load.overdue else ""
        out.append(f'<a href="{link}"{current}>{escape(unit.name)}</a> '
                   f'<span class="dash-tree-counts">在办 {load.open} · '
                   f'<a href="{drill}" class="{bad}">超期 {load.overdue}</a> · '
                   f"今日到期 {load.due_today}</span>")
        if kids:
            out.append("</summary><ul>")
            for kid in kids:
                if kid in loads:
                    node(kid)
            out.append("</ul></details>")
        out.append("</li>")

    for root in query.scope.roots:
        if root in loads:
            node(root)
    return Markup("".join(out))


def local(when: datetime | None) -> str:
    """`12月4日 17:00`, Asia/Shanghai; empty for none."""
    if when is None:
        return ""
    at = when.astimezone(SHANGHAI)
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def held_for(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "—"
    return minutes_text(max(0.0, (now - since).total_seconds() / 60))


def overdue_by(deadline: datetime, now: datetime) -> str:
    return minutes_text(max(0.0, (now - deadline).total_seconds() / 60))


def rate_text(part: int, whole: int, rate: int | None) -> str:
    return "—" if rate is None else f"{rate}%（{part}/{whole}）"


def minutes_or_dash(value: float | None) -> str:
    return "—" if value is None else minutes_text(value)


def figures_json(figures: Figures) -> dict[str, Any]:
    """One row's figures as the API gives them (minutes as numbers, rates in percent)."""
    average = figures.first_response_average
    return {
        "new": figures.new, "closed": figures.closed,
        "on_time": figures.on_time, "with_deadline": figures.with_deadline,
        "on_time_rate": figures.on_time_rate,
        "on_time_extended": figures.on_time_extended,
        "with_deadline_extended": figures.with_deadline_extended,
        "on_time_extended_rate": figures.on_time_extended_rate,
        "first_response": {"count": len(figures.first_response),
                           "average_minutes": None if average is None else round(average, 1),
                           "p90_minutes": figures.first_response_p90},
        "ratings": {RATING_LABELS[k]: figures.ratings.get(k, 0) for k in RATING_KEYS},
        "flags": {label: figures.flags.get(k, 0) for k, label in SUMMARY_FLAGS.items()},
    }


def load_json(load: Load) -> dict[str, int]:
    return {"open": load.open, "overdue": load.overdue, "due_today": load.due_today}


def row_json(row: Row) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, **load_json(row.load),
            "figures": figures_json(row.figures)}


def span_json(span: Span) -> dict[str, str]:
    return {"name": span.name, "from": span.first.isoformat(), "to": span.last.isoformat(),
            "label": span.label()}


def overdue_json(task: dashboard.OverdueTask, now: datetime) -> dict[str, Any]:
    return {"id": task.id, "title": task.title, "state": STATE_LABELS[task.state],
            "holder": task.holder, "holder_id": task.holder_id,
            "deadline": task.deadline.isoformat(),
            "overdue_minutes": int((now - task.deadline).total_seconds() // 60),
            "held_since": task.held_since.isoformat() if task.held_since else None,
            "flags": list(task.flags), "url": f"/m/tasks/{task.id}"}
