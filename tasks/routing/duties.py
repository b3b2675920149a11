"""Published duties (职责公开, docs/routing.md): what each department handles, who takes its
new work today, the day's duty roster, and "who handles X" searched with the very rules that
route a request naming nobody.

Read-only and the same for every member: nothing here depends on who asks. A department's
duties are the intake rules (归口办理) that send work to it: their keywords and categories,
and whether it is the default department; the product keeps no other description.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.core.authority import Authority
from tasks.models import Department, Membership, Person, RoutingRule
from tasks.routing import intake, roster, rules

LONGEST_QUESTION = 100  # characters of a "who handles" search


@dataclass(frozen=True)
class DepartmentDuties:
    """One department as the duties page shows it."""

    department: Department
    path: tuple[str, ...]  # names from the top of the tree down to it
    keywords: tuple[str, ...]
    categories: tuple[str, ...]
    is_default: bool
    leaders: tuple[Person, ...]
    intake: tuple[Person, ...]  # who is offered its new work now
    on_duty: bool  # `intake` is its duty officer on shift, not all its members


@dataclass(frozen=True)
class Answer:
    """Who handles what was asked: the department the routing rules pick, why, and who
    takes its new work now."""

    question: str
    department: Department | None
    because: str
    intake: tuple[Person, ...]
    on_duty: bool


def departments(session: Session, authority: Authority, now: datetime) -> list[DepartmentDuties]:
    """Every active department, in tree order (each below its parent), with its duties."""
    found = list(session.scalars(select(Department).where(Department.active)
                                 .order_by(Department.id)))
    by_key = {(d.platform, d.platform_id): d for d in found}
    rule_rows = session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()
    leaders = _leaders(session)
    return [_duties(session, authority, now, d, _path(d, by_key), rule_rows,
                    leaders.get(d.id, ()))
            for d in _tree_order(found, by_key)]


def who_handles(session: Session, authority: Authority, now: datetime,
                question: str) -> Answer:
    """The department a request worded `question` would go to if it named nobody (归口办理:
    a 【类别】 tag, then a keyword, then the default), and its intake now."""
    question = " ".join(question.split())
    match = rules.route(session, question, rules.category_of(question))
    if match is None:
        return Answer(question, None, "", (), False)
    assignee = intake.for_department(session, authority, match.department, now)
    on_duty = bool(roster.on_duty(session, now, match.department.id).duty)
    return Answer(question, match.department, match.because, assignee.candidates, on_duty)


def roster_of(session: Session, day: date) -> list[roster.Shift]:
    """The duty roster of one day (Asia/Shanghai): every shift that starts on it."""
    return roster.shifts_starting_on(session, day)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _duties(session: Session, authority: Authority, now: datetime, department: Department,
            path: tuple[str, ...], rule_rows: Sequence[RoutingRule],
            leaders: tuple[Person, ...]) -> DepartmentDuties:
    mine = [r for r in rule_rows if r.department_id == department.id]
    keywords = tuple(dict.fromkeys(k for r in mine for k in r.keywords if k))
    categories = tuple(dict.fromkeys(r.category for r in mine if r.category))
    assignee = intake.for_department(session, authority, department, now)
    on_duty = bool(roster.on_duty(session, now, department.id).duty)
    return DepartmentDuties(department, path, keywords, categories,
                            any(r.is_default for r in mine), leaders, assignee.candidates,
                            on_duty)


def _leaders(session: Session) -> dict[int, tuple[Person, ...]]:
    found: dict[int, list[Person]] = {}
    for department_id, person in session.execute(
            select(Membership.department_id, Person).join(Person)
            .where(Membership.is_leader, Person.active).order_by(Person.id)):
        found.setdefault(department_id, []).append(person)
    return {k: tuple(v) for k, v in found.items()}


def _path(department: Department, by_key: dict[tuple[str, str], Department]) -> tuple[str, ...]:
    names: list[str] = []
    current: Department | None = department
    while current is not None and current.name not in names:
        names.append(current.name)
        current = by_key.get((current.platform, current.parent_platform_id or ""))
    return tuple(reversed(names))


def _tree_order(found: list[Department],
                by_key: dict[tuple[str, str], Department]) -> list[Department]:
    """Depth first from the tops (departments whose parent is unknown), children by id."""
    children: dict[int | None, list[Department]] = {}
    for department in found:
        parent = by_key.get((department.platform, department.parent_platform_id or ""))
        children.setdefault(parent.id if parent else None, []).append(department)
    ordered: list[Department] = []

    def visit(department: Department) -> None:
        if department in ordered:  # a cycle in a broken directory must not loop
            return
        ordered.append(department)
        for child in children.get(department.id, []):
            visit(child)

    for top in children.get(None, []):
        visit(top)
    ordered += [d for d in found if d not in ordered]
    return ordered
