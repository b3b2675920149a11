"""The dashboard's JSON under /api/v1/dashboard (docs/api.md, "Dashboard"): the department
tree with its counts, the overdue list, and the figures of a period per department and
person. The dashboard page draws its charts from `figures`; the same numbers are in its
tables. Who may ask is the page's rule: leaders and admins, a department's leaders and
grantees; anyone else gets 403 {"error": "无权查看…"}.
"""


from flask import jsonify, request
from flask.typing import ResponseReturnValue

from webapp.workbench import dashboard_view as view
from webapp.workbench.api import blueprint
from webapp.workbench.web import db, person, rt, signed_in


def _query() -> view.Query:
    runtime = rt()
    return view.read_query(db(), runtime.settings.rules, person(), request.args,
                           runtime.clock())


def _error(refusal: view.Refused) -> ResponseReturnValue:
    return jsonify({"error": refusal.message}), refusal.status


@blueprint.get("/dashboard/tree")
@signed_in
def dashboard_tree() -> ResponseReturnValue:
    """Every department the caller may see, in tree order, with open, overdue and
    due-today counts over its subtree."""
    try:
        query = _query()
    except view.Refused as refusal:
        return _error(refusal)
    from tasks.reports import dashboard

    loads, _ = dashboard.workload(db(), query.tree, query.now)
    visible = query.scope.visible(query.tree)
    return jsonify({"departments": [
        {"id": u.id, "name": u.name, "platform_id": u.platform_id, "parent_id": u.parent_id,
         "depth": u.depth, **view.load_json(loads.get(u.id, dashboard.Load()))}
        for u in query.tree.ordered() if u.id in visible]})


@blueprint.get("/dashboard/overdue")
@signed_in
def dashboard_overdue() -> ResponseReturnValue:
    """The department's (or `person`'s) overdue open tasks, earliest deadline first."""
    try:
        query = _query()
        limit = min(int(request.args.get("limit") or view.OVERDUE_SHOWN), 500) \
            if (request.args.get("limit") or "1").isdigit() else None
        if limit is None:
            raise view.Refused(400, "limit 需要是 1 到 500 之间的整数")
    except view.Refused as refusal:
        return _error(refusal)
    from tasks.reports import dashboard

    total, listed = dashboard.overdue_tasks(
        db(), query.tree, query.department.id, query.now, limit=max(limit, 1),
        person_id=query.person.id if query.person else None)
    return jsonify({"department": {"id": query.department.id, "name": query.department.name},
                    "total": total,
                    "tasks": [view.overdue_json(task, query.now) for task in listed]})


@blueprint.get("/dashboard/figures")
@signed_in
def dashboard_figures() -> ResponseReturnValue:
    """The period's figures of the department (合计), each sub-department and each person
    directly in it, with their open work now."""
    try:
        query = _query()
    except view.Refused as refusal:
        return _error(refusal)
    shown = view.overview(db(), query, with_tree=False, with_overdue=False)
    return jsonify({"period": view.span_json(query.span),
                    "department": view.row_json(shown.departments[0]),
                    "departments": [view.row_json(r) for r in shown.departments[1:]],
                    "people": [view.row_json(r) for r in shown.people]})
