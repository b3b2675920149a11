"""职责公开 (`/duties`): each department's duties, who takes its new work today, the day's
duty roster, and "谁负责…" searched over the routing rules; open to every signed-in member
(docs/workbench.md, "Published duties"). The same data is `/api/v1/duties`
(`webapp.workbench.api_duties`)."""

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from tasks.core.authority import Authority
from tasks.routing import duties
from tasks.routing.roster import Shift
from webapp.workbench import api_duties  # noqa: F401 - registers /api/v1/duties
from webapp.workbench.web import db, now, render, rt, signed_in

blueprint = Blueprint("wb_duties", __name__)


@dataclass(frozen=True)
class DutiesPage:
    """What the page and the API show: departments, today's roster, a search's answer."""

    day: date
    departments: list[duties.DepartmentDuties]
    shifts: list[Shift]
    question: str
    answer: duties.Answer | None
    problem: str  # a question we cannot search, in Chinese


def gather(question: str) -> DutiesPage:
    """Read everything the page shows, as of now, and answer `question` if one was asked."""
    session, moment = db(), now()
    authority = Authority(session, rt().settings.rules)
    question = " ".join(question.split())
    problem, answer = "", None
    if len(question) > duties.LONGEST_QUESTION:
        problem = f"搜索内容太长，请在{duties.LONGEST_QUESTION}字以内描述要办的事。"
    elif question:
        answer = duties.who_handles(session, authority, moment, question)
    return DutiesPage(duties.today(moment), duties.departments(session, authority, moment),
                      duties.roster_of(session, duties.today(moment)), question, answer,
                      problem)


@blueprint.get("/duties")
@signed_in
def page() -> ResponseReturnValue:
    found = gather(request.args.get("q", ""))
    return render("workbench/duties.html", status=400 if found.problem else 200, duties=found)
