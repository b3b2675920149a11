"""The supervisor's dashboard (驾驶舱) under /dashboard: the department tree with open,
overdue and due-today counts, the overdue list, the period's figures per department and
person with charts, drill-down to the task lists, and the assessment workbook of the
period (docs/workbench.md, "Dashboard").

Who may open it: leaders and admins (every department), a department's leaders and
grantees (it and below); anyone else gets the 403 page 无权查看. Pages are server-rendered
from `dashboard_view`; the charts are drawn in the browser by the vendored ECharts from
`/api/v1/dashboard/figures`, and the same figures are in the page's tables.
"""

from io import BytesIO
from urllib.parse import quote

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from tasks.calendar.office import load_calendar
from tasks.models import STATE_LABELS
from tasks.reports import dashboard as figures
from tasks.reports.assessment import AssessmentError, Period, assess
from webapp.workbench import dashboard_view as view
from webapp.workbench.web import db, error_page, person, render, rt, signed_in

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _query() -> view.Query:
    """The checked request, as the signed-in person."""
    runtime = rt()
    return view.read_query(db(), runtime.settings.rules, person(), request.args,
                           runtime.clock())


def _refused(refusal: view.Refused) -> ResponseReturnValue:
    return error_page(refusal.status, view.FORBIDDEN if refusal.status == 403 else "无法显示",
                      refusal.message)


@blueprint.get("/")
@signed_in
def index() -> ResponseReturnValue:
    """The whole dashboard of one department and period."""
    try:
        query = _query()
    except view.Refused as refusal:
        return _refused(refusal)
    shown = view.overview(db(), query)
    return render("workbench/dashboard/index.html", o=shown, q=query, v=view,
                  drill=_drill_url, STATE_LABELS=STATE_LABELS,
                  rating_keys=figures.RATING_KEYS, rating_labels=figures.RATING_LABELS,
                  api=url_for("wb_api.dashboard_figures", **query.args()))


@blueprint.get("/tasks")
@signed_in
def tasks() -> ResponseReturnValue:
    """The tasks behind one figure: a department's or a person's open, overdue, due
    today, new, closed, late or flagged tasks, each linking to its task page."""
    try:
        query = _query()
        what = request.args.get("show") or "open"
        if what not in figures.DRILL_LABELS:
            raise view.Refused(400, "没有这一项统计，请从驾驶舱的数字进入。")
        total, listed = figures.drill(
            db(), query.tree, what, department_id=query.department.id,
            person_id=query.person.id if query.person else None, now=query.now,
            start=query.span.start, end=query.span.end, limit=view.LISTED)
    except view.Refused as refusal:
        return _refused(refusal)
    return render("workbench/dashboard/tasks.html", q=query, v=view, what=what,
                  label=figures.DRILL_LABELS[what], total=total, listed=listed,
                  STATE_LABELS=STATE_LABELS, back=url_for("dashboard.index", **query.args()),
                  period_bound=what in ("new", "closed", "late", "flagged"))


@blueprint.get("/assessment.xlsx")
@signed_in
def workbook() -> ResponseReturnValue:
    """The assessment workbook (平时考核记载) of the period for the department and below:
    the same file as `mashangban report assess --out FILE.xlsx`."""
    from webapp.cli.report import write_xlsx

    try:
        query = _query()
        session = db()
        calendar = load_calendar(session, rt().settings.rules.working_hours)
        everything = query.scope.everything and query.department.id in query.tree.roots \
            and len(query.tree.roots) == 1
        assessment = assess(session, Period(query.span.first, query.span.last),
                            calendar=calendar, now=query.now,
                            department=None if everything else query.department.platform_id)
    except view.Refused as refusal:
        return _refused(refusal)
    except AssessmentError as error:
        return _refused(view.Refused(400, str(error)))
    buffer = BytesIO()
    write_xlsx(assessment, buffer)
    name = f"平时考核记载_{query.department.name}_{query.span.first}_{query.span.last}.xlsx"
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet", headers={
                        "Content-Disposition": "attachment; filename=assessment.xlsx; "
                                               f"filename*=UTF-8''{quote(name)}",
                        "Cache-Control": "no-store"})


def _drill_url(query: view.Query, what: str, *, department: int | None = None,
               person: int | None = None) -> str:
    if department is not None:
        return query.link("/dashboard/tasks", show=what, person=person, department=department)
    return query.link("/dashboard/tasks", show=what, person=person)
