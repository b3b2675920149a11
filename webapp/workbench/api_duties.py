"""`GET /api/v1/duties[?q=…]`: the 职责公开 page as JSON (docs/api.md, "Duties")."""

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from tasks.models import Person
from tasks.routing.roster import Shift
from webapp.workbench.api import blueprint
from webapp.workbench.web import signed_in


def _people(people: tuple[Person, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "userid": p.userid} for p in people]


def _shift(shift: Shift) -> dict[str, Any]:
    return {"department": shift.department_name, "hours": shift.hours(),
            "starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
            "lead": _people(shift.lead), "duty": _people(shift.duty),
            "standby": _people(shift.standby)}


@blueprint.get("/duties")
@signed_in
def duties() -> ResponseReturnValue:
    from webapp.workbench.duties import gather  # the page's module imports this one

    found = gather(request.args.get("q", ""))
    if found.problem:
        return jsonify(error=found.problem), 400
    answer = found.answer
    return jsonify(
        date=found.day.isoformat(),
        departments=[{
            "id": d.department.id, "name": d.department.name, "path": list(d.path),
            "keywords": list(d.keywords), "categories": list(d.categories),
            "default": d.is_default, "leaders": _people(d.leaders),
            "intake": {"by": "duty" if d.on_duty else "members", "people": _people(d.intake)},
        } for d in found.departments],
        roster=[_shift(s) for s in found.shifts],
        search=None if answer is None else {
            "q": answer.question,
            "department": answer.department.name if answer.department else None,
            "because": answer.because,
            "intake": {"by": "duty" if answer.on_duty else "members",
                       "people": _people(answer.intake)},
        })
