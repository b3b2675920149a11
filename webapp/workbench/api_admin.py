"""`/api/v1/admin/...`: the admin pages' data and changes as JSON (docs/api.md, "Admin").

For admins only, signed in by session (writes send `X-CSRF-Token`) or by an admin's API
token; anyone else gets 403. Each change calls the same function of `tasks.admin` as the
page and the command line, with its audit entry (channel 接口). Bad input answers 400
`{"error": "<Chinese message>"}` and changes nothing.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from tasks.admin import calendar, deliveries, grants, policies, roster, routing, tokens
from tasks.admin.audit import AREA_LABELS, Actor
from tasks.calendar.workdays import SHANGHAI
from tasks.core.sla import DEFAULTS_BY_KIND
from tasks.models import Person
from webapp.roster_files import read_roster
from webapp.workbench import admin_views as views
from webapp.workbench.admin import end_reads
from webapp.workbench.api import blueprint
from webapp.workbench.web import db, error_page, rt, signed_in, viewer
from workers import receiver

REFUSED = "仅管理员可用"
Change = Callable[[Session, Actor, datetime], Any]


def admin_api(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Signed in (else 401) and an admin (else 403), as JSON."""

    @signed_in
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        who = viewer()
        if who is None or not who.is_admin:
            return error_page(403, REFUSED, REFUSED)
        return view(*args, **kwargs)

    return guarded


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        data = request.form.to_dict()
    if not isinstance(data, dict):
        raise views.BadInput("请求体应为 JSON 对象")
    return data


def _apply(do: Change, *, wake: bool = False) -> ResponseReturnValue:
    """Run one change as the caller, in a transaction with its audit entry."""
    runtime, who = rt(), viewer()
    assert who is not None
    end_reads()
    try:
        with runtime.sessions.begin() as session:
            result = do(session, Actor(session.get(Person, who.person_id), "api"),
                        runtime.clock())
    except views.BadInput as error:
        return jsonify(error=str(error)), 400
    except (ValueError, LookupError) as error:
        return jsonify(error=f"未保存：{error}"), 400
    if wake:
        receiver.wake(runtime)
    return jsonify(result)


# ---------------------------------------------------------------------------- policies


@blueprint.get("/admin/policies")
@admin_api
def api_policies() -> ResponseReturnValue:
    return jsonify(policies=views.policy_rows(db()))


@blueprint.put("/admin/policies/<kind>")
@admin_api
def api_policy_edit(kind: str) -> ResponseReturnValue:
    if kind not in DEFAULTS_BY_KIND:
        return error_page(404, "没有这类任务", f"没有「{kind}」这类任务")

    def do(session: Session, actor: Actor, now: datetime) -> Any:
        values = {name: value for name, value in _body().items() if name in policies.FIELD_LABELS}
        if not values:
            raise views.BadInput("请给出要修改的字段：" + "、".join(policies.FIELD_LABELS))
        policy = policies.edit(session, kind, values, by=actor, now=now)
        return {"kind": kind, **policy.to_dict()}

    return _apply(do)


# ---------------------------------------------------------------------------- calendar


@blueprint.get("/admin/calendar")
@admin_api
def api_calendar() -> ResponseReturnValue:
    today = rt().clock().astimezone(SHANGHAI).date()
    return jsonify(views.calendar_overview(db(), rt().settings.rules, today))


@blueprint.post("/admin/calendar/days")
@admin_api
def api_calendar_set() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        body = _body()
        day = views.read_day(body.get("day"))
        working = body.get("working")
        if not isinstance(working, bool):
            working = views.read_working(working)
        reason = views.read_reason(body.get("reason"))
        calendar.set_day(session, day, working, reason, by=actor, rules=rt().settings.rules,
                         now=now)
        return {"day": day.isoformat(), "working": working, "reason": reason}

    return _apply(do)


@blueprint.delete("/admin/calendar/days/<day>")
@admin_api
def api_calendar_clear(day: str) -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        when = views.read_day(day)
        found = calendar.clear_day(session, when, by=actor, rules=rt().settings.rules, now=now)
        return {"day": when.isoformat(), "removed": found}

    return _apply(do)


@blueprint.post("/admin/calendar/years")
@admin_api
def api_calendar_import() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        upload = request.files.get("file")
        text = upload.read().decode("utf-8", "replace") if upload is not None \
            else str(_body().get("document") or "")
        if not text.strip():
            raise views.BadInput("请给出年度安排（document 字段或 file 文件）")
        return {"year": calendar.import_year(session, text, by=actor,
                                             rules=rt().settings.rules, now=now)}

    return _apply(do)


# ---------------------------------------------------------------------------- routing


@blueprint.get("/admin/routing")
@admin_api
def api_routing() -> ResponseReturnValue:
    return jsonify(views.routing_rows(db()))


def _rule_json(rule: Any) -> dict[str, Any]:
    return {"id": rule.id, "department": rule.department.name, "keywords": list(rule.keywords),
            "category": rule.category or ""}


@blueprint.post("/admin/routing/rules")
@admin_api
def api_routing_add() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        return _rule_json(routing.add_rule(session, *views.read_rule(_body()), by=actor,
                                           now=now))

    return _apply(do)


@blueprint.put("/admin/routing/rules/<int:rule_id>")
@admin_api
def api_routing_edit(rule_id: int) -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        return _rule_json(routing.edit_rule(session, rule_id, *views.read_rule(_body()),
                                            by=actor, now=now))

    return _apply(do)


@blueprint.delete("/admin/routing/rules/<int:rule_id>")
@admin_api
def api_routing_remove(rule_id: int) -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        routing.remove_rule(session, rule_id, by=actor, now=now)
        return {"id": rule_id, "removed": True}

    return _apply(do)


@blueprint.put("/admin/routing/default")
@admin_api
def api_routing_default() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        name = str(_body().get("department") or "").strip() or None
        routing.set_default(session, name, by=actor, now=now)
        return {"default": name or ""}

    return _apply(do)


# ---------------------------------------------------------------------------- roster


@blueprint.get("/admin/roster")
@admin_api
def api_roster() -> ResponseReturnValue:
    try:
        first = views.read_day(request.args["from"], "from") if request.args.get("from") \
            else rt().clock().astimezone(SHANGHAI).date()
    except views.BadInput as error:
        return jsonify(error=str(error)), 400
    days = min(max(request.args.get("days", 7, type=int) or 7, 1), 31)
    return jsonify(days=views.roster_days(db(), first, days))


@blueprint.post("/admin/roster")
@admin_api
def api_roster_upload() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise views.BadInput("请以 multipart 上传 file（CSV 或 XLSX）")
        year = views.read_year(request.form.get("year"))
        replace = request.form.get("replace") in ("1", "true", "on")
        try:
            rows = read_roster(upload.read(), upload.filename, year)
            done = roster.import_roster(session, rows, replace=replace, by=actor, now=now,
                                        source=upload.filename)
        except ValueError as error:  # exactly what `mashangban roster import` says
            raise views.BadInput(f"值班表未导入，未作任何改动。{upload.filename}: {error}") \
                from None
        return {"shifts": done.shifts, "days": [d.isoformat() for d in done.days],
                "added": done.added, "replace": replace}

    return _apply(do)


# ---------------------------------------------------------------------------- grants


@blueprint.get("/admin/grants")
@admin_api
def api_grants() -> ResponseReturnValue:
    return jsonify(grants=views.grant_rows(db()))


@blueprint.post("/admin/grants")
@admin_api
def api_grant() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        body = _body()
        person, department, new = grants.grant(session, str(body.get("person") or ""),
                                               str(body.get("department") or ""),
                                               by=actor, now=now)
        return {"person": person.userid, "department": department.name, "created": new}

    return _apply(do)


@blueprint.delete("/admin/grants")
@admin_api
def api_grant_revoke() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        body = _body()
        person, department = grants.revoke(session, str(body.get("person") or ""),
                                           str(body.get("department") or ""),
                                           by=actor, now=now)
        return {"person": person.userid, "department": department.name, "revoked": True}

    return _apply(do)


# ---------------------------------------------------------------------------- deliveries


@blueprint.get("/admin/deliveries")
@admin_api
def api_deliveries() -> ResponseReturnValue:
    return jsonify(views.delivery_rows(db()))


@blueprint.post("/admin/deliveries/<int:outbox_id>/resend")
@admin_api
def api_resend(outbox_id: int) -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        resent = deliveries.resend(session, outbox_id, by=actor, now=now)
        state = deliveries.state_of(session, outbox_id)
        if state is None:
            raise LookupError(f"没有第 {outbox_id} 条消息")
        return {"id": outbox_id, "resent": resent, "state": state}

    return _apply(do, wake=True)


@blueprint.post("/admin/inbox/<int:inbox_id>/<action>")
@admin_api
def api_inbox(inbox_id: int, action: str) -> ResponseReturnValue:
    if action not in ("retry", "drop"):
        return error_page(404, "没有这个操作", "操作只能是 retry 或 drop")

    def do(session: Session, actor: Actor, now: datetime) -> Any:
        change = deliveries.retry_parked if action == "retry" else deliveries.drop_parked
        return {"id": inbox_id, "done": change(session, inbox_id, by=actor, now=now)}

    return _apply(do, wake=action == "retry")


# ---------------------------------------------------------------------------- tokens


@blueprint.get("/admin/tokens")
@admin_api
def api_tokens() -> ResponseReturnValue:
    return jsonify(tokens=views.token_rows(db()))


@blueprint.post("/admin/tokens")
@admin_api
def api_token_issue() -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        body = _body()
        token, person = tokens.issue(session, str(body.get("person") or ""),
                                     str(body.get("name") or ""), by=actor, now=now)
        return {"token": token, "person": person.userid}

    return _apply(do)


@blueprint.delete("/admin/tokens/<int:token_id>")
@admin_api
def api_token_revoke(token_id: int) -> ResponseReturnValue:
    def do(session: Session, actor: Actor, now: datetime) -> Any:
        return {"id": token_id, "revoked": tokens.revoke(session, token_id, by=actor, now=now)}

    return _apply(do)


# ---------------------------------------------------------------------------- audit


@blueprint.get("/admin/audit")
@admin_api
def api_audit() -> ResponseReturnValue:
    area = request.args.get("area") or None
    if area is not None and area not in AREA_LABELS:
        return jsonify(error=f"范围只能是：{'、'.join(AREA_LABELS)}"), 400
    return jsonify(entries=views.audit_rows(db(), area))
