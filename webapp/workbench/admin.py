"""The admin pages (/admin): the office's SLA policies, calendar, intake rules, duty roster,
supervision grants, failed deliveries, API tokens and the audit log of all their changes.

Admins only (MASHANGBAN_ADMINS): anyone else signed in gets the 403 page 仅管理员可用.
Each change calls one function of `tasks.admin` (the command line calls the same), inside
one transaction with its audit entry; bad input re-shows the form with a Chinese message
and changes nothing. After a change the page redirects (POST/redirect/GET), so reloading
it does not repeat the change.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasks.admin import calendar, deliveries, grants, policies, roster, routing, tokens
from tasks.admin.audit import AREA_LABELS, Actor
from tasks.calendar.workdays import SHANGHAI
from tasks.core.sla import DEFAULTS_BY_KIND, UNITS
from tasks.models import Department, Person, WebSubmission
from webapp.roster_files import read_roster
from webapp.workbench import admin_views as views
from webapp.workbench.web import db, error_page, form_key, render, rt, signed_in, viewer
from workers import receiver

blueprint = Blueprint("wb_admin", __name__, url_prefix="/admin")

SECTIONS = (
    ("wb_admin.policies_page", "时限规则"),
    ("wb_admin.calendar_page", "工作日历"),
    ("wb_admin.routing_page", "归口办理"),
    ("wb_admin.roster_page", "值班表"),
    ("wb_admin.grants_page", "督办授权"),
    ("wb_admin.deliveries_page", "发送失败"),
    ("wb_admin.tokens_page", "接口令牌"),
    ("wb_admin.audit_page", "操作记录"),
)
ROSTER_MAX_BYTES = 5 * 1024 * 1024
REFUSED = "这些页面只对管理员开放。如需修改时限、日历、归口办理或值班表，请联系本单位的管理员。"
Page = ResponseReturnValue


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in (else to sign-in) and an admin (else the 403 page 仅管理员可用)."""

    @signed_in
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        who = viewer()
        if who is None or not who.is_admin:
            return error_page(403, "仅管理员可用", REFUSED)
        return view(*args, **kwargs)

    return guarded


def _page(template: str, *, status: int = 200, **context: Any) -> Page:
    context.setdefault("error", None)
    return render(template, status=status, sections=SECTIONS, **context)


def end_reads() -> None:
    """End the request's read transaction before a change opens its own: on SQLite every
    transaction takes the write lock (BEGIN IMMEDIATE), so a read left open would block it."""
    db().rollback()


def _today() -> date:
    return rt().clock().astimezone(SHANGHAI).date()


def _change(do: Callable[[Session, Actor, datetime], str], done: str,
            again: Callable[[str], Page], *, wake: bool = False) -> Page:
    """Run one change in a transaction as the signed-in admin, once per form key; redirect
    to `done`, whose page shows the change's message (`?done=<key>`), or show the page
    again (`again`) with what was wrong, nothing changed.

    The form's one-time key is stored with the message in the change's transaction
    (`WebSubmission`, as the task pages do): the same form sent twice (a double tap, a
    resent request) changes once and shows the first answer again."""
    runtime = rt()
    who = viewer()
    assert who is not None
    key = request.form.get("form_key", "").strip()
    if not key or len(key) > 64:
        key = form_key()
    end_reads()
    try:
        with runtime.sessions.begin() as session:
            if session.get(WebSubmission, key) is None:
                actor = Actor(session.get(Person, who.person_id), "web")
                now = runtime.clock()
                message = do(session, actor, now)
                session.add(WebSubmission(key=key, person_id=who.person_id, at=now,
                                          outcome={"replies": [message]}))
                session.flush()
    except views.BadInput as error:
        return again(str(error))
    except (ValueError, LookupError) as error:
        return again(f"未保存：{error}")
    except IntegrityError:  # the same key raced in from a second request, which acted
        end_reads()
        if db().get(WebSubmission, key) is None:
            return again("未保存：同时有另一项修改，请刷新后重试")
    if wake:
        receiver.wake(runtime)
    return redirect(url_for(done, done=key))


# ---------------------------------------------------------------------------- index


@blueprint.get("/")
@admin_only
def index() -> Page:
    return _page("workbench/admin/index.html")


# ---------------------------------------------------------------------------- policies


@blueprint.get("/policies")
@admin_only
def policies_page(error: str | None = None, values: dict | None = None, kind: str = "",
                  status: int = 200) -> Page:
    return _page("workbench/admin/policies.html", status=status, error=error,
                 rows=views.policy_rows(db()), units=UNITS, needs_amount=views.NEEDS_AMOUNT,
                 limit_fields=views.LIMIT_FIELDS, field_labels=policies.FIELD_LABELS,
                 values=values or {}, editing=kind)


@blueprint.post("/policies/<kind>")
@admin_only
def policy_save(kind: str) -> Page:
    if kind not in DEFAULTS_BY_KIND:
        abort(404)

    def do(session: Session, actor: Actor, now: datetime) -> str:
        policy = policies.edit(session, kind, views.policy_values(request.form), by=actor,
                               now=now)
        return f"已保存「{policy.label}」的时限，适用于此后新建的任务"

    return _change(do, "wb_admin.policies_page", lambda error: policies_page(
        error=error, values=dict(request.form), kind=kind, status=400))


# ---------------------------------------------------------------------------- calendar


@blueprint.get("/calendar")
@admin_only
def calendar_page(error: str | None = None, status: int = 200) -> Page:
    return _page("workbench/admin/calendar.html", status=status, error=error,
                 overview=views.calendar_overview(db(), rt().settings.rules, _today()),
                 form=request.form if request.method == "POST" else {})


@blueprint.post("/calendar/days")
@admin_only
def calendar_set() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        day = views.read_day(request.form.get("day"))
        working = views.read_working(request.form.get("working"))
        reason = views.read_reason(request.form.get("reason"))
        calendar.set_day(session, day, working, reason, by=actor, rules=rt().settings.rules,
                         now=now)
        return f"{day.isoformat()} 已设为{'上班' if working else '休息'}"

    return _change(do, "wb_admin.calendar_page",
                   lambda error: calendar_page(error=error, status=400))


@blueprint.post("/calendar/days/<day>/clear")
@admin_only
def calendar_clear(day: str) -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        when = views.read_day(day)
        if not calendar.clear_day(session, when, by=actor, rules=rt().settings.rules,
                                  now=now):
            raise views.BadInput(f"{when.isoformat()} 没有更正")
        return f"已删除 {when.isoformat()} 的更正"

    return _change(do, "wb_admin.calendar_page",
                   lambda error: calendar_page(error=error, status=400))


@blueprint.post("/calendar/years")
@admin_only
def calendar_import() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        upload = request.files.get("file")
        text = upload.read().decode("utf-8", "replace") if upload and upload.filename \
            else request.form.get("document", "")
        if not text.strip():
            raise views.BadInput("请选择 YAML 文件或粘贴安排内容")
        year = calendar.import_year(session, text, by=actor, rules=rt().settings.rules,
                                    now=now)
        return f"已导入 {year} 年节假日安排"

    return _change(do, "wb_admin.calendar_page",
                   lambda error: calendar_page(error=error, status=400))


# ---------------------------------------------------------------------------- routing


def _departments() -> list[str]:
    from sqlalchemy import select

    return list(db().scalars(select(Department.name).where(Department.active)
                             .order_by(Department.id)))


@blueprint.get("/routing")
@admin_only
def routing_page(error: str | None = None, editing: int | None = None,
                 status: int = 200) -> Page:
    edit_id = editing if editing is not None else request.args.get("edit", type=int)
    return _page("workbench/admin/routing.html", status=status, error=error,
                 data=views.routing_rows(db()), departments=_departments(),
                 editing=edit_id, form=request.form if request.method == "POST" else {})


@blueprint.post("/routing/rules")
@admin_only
def routing_add() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        rule = routing.add_rule(session, *views.read_rule(request.form), by=actor, now=now)
        return f"已添加规则 {rule.id}"

    return _change(do, "wb_admin.routing_page",
                   lambda error: routing_page(error=error, status=400))


@blueprint.post("/routing/rules/<int:rule_id>")
@admin_only
def routing_edit(rule_id: int) -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        routing.edit_rule(session, rule_id, *views.read_rule(request.form), by=actor, now=now)
        return f"已保存规则 {rule_id}"

    return _change(do, "wb_admin.routing_page",
                   lambda error: routing_page(error=error, editing=rule_id, status=400))


@blueprint.post("/routing/rules/<int:rule_id>/remove")
@admin_only
def routing_remove(rule_id: int) -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        routing.remove_rule(session, rule_id, by=actor, now=now)
        return f"已删除规则 {rule_id}"

    return _change(do, "wb_admin.routing_page",
                   lambda error: routing_page(error=error, status=400))


@blueprint.post("/routing/default")
@admin_only
def routing_default() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        name = request.form.get("department", "").strip()
        routing.set_default(session, name or None, by=actor, now=now)
        return f"默认受理部门：{name}" if name else "已取消默认受理部门"

    return _change(do, "wb_admin.routing_page",
                   lambda error: routing_page(error=error, status=400))


# ---------------------------------------------------------------------------- roster


@blueprint.get("/roster")
@admin_only
def roster_page(error: str | None = None, status: int = 200) -> Page:
    try:
        first = views.read_day(request.args["from"]) if request.args.get("from") \
            else _today()
    except views.BadInput as bad:
        first, error, status = _today(), str(bad), 400
    return _page("workbench/admin/roster.html", status=status, error=error,
                 days=views.roster_days(db(), first), first=first.isoformat())


@blueprint.post("/roster")
@admin_only
def roster_upload() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise views.BadInput("请选择值班表文件（CSV 或 XLSX）")
        data = upload.read(ROSTER_MAX_BYTES + 1)
        if len(data) > ROSTER_MAX_BYTES:
            raise views.BadInput("文件太大（最大 5 MB）")
        year = views.read_year(request.form.get("year"))
        replace = request.form.get("replace") == "on"
        try:
            rows = read_roster(data, upload.filename, year)
            done = roster.import_roster(session, rows, replace=replace, by=actor, now=now,
                                        source=upload.filename)
        except ValueError as error:  # exactly what `mashangban roster import` says
            raise views.BadInput(f"值班表未导入，未作任何改动。{upload.filename}: {error}") \
                from None
        return (f"值班表已导入：{done.shifts} 个班次，{len(done.days)} 天（{done.span}），"
                f"{'替换后' if replace else '新增'} {done.added} 人次")

    return _change(do, "wb_admin.roster_page",
                   lambda error: roster_page(error=error, status=400))


# ---------------------------------------------------------------------------- grants


@blueprint.get("/grants")
@admin_only
def grants_page(error: str | None = None, status: int = 200) -> Page:
    return _page("workbench/admin/grants.html", status=status, error=error,
                 rows=views.grant_rows(db()), departments=_departments(),
                 form=request.form if request.method == "POST" else {})


@blueprint.post("/grants")
@admin_only
def grant_add() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        person, department, new = grants.grant(
            session, request.form.get("person", ""), request.form.get("department", ""),
            by=actor, now=now)
        if not new:
            return f"{person.name} 已有 {department.name} 的督办授权，未作改动"
        return f"已授权 {person.name} 督办 {department.name} 及其下属部门的任务"

    return _change(do, "wb_admin.grants_page",
                   lambda error: grants_page(error=error, status=400))


@blueprint.post("/grants/revoke")
@admin_only
def grant_revoke() -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        person, department = grants.revoke(
            session, request.form.get("person", ""), request.form.get("department", ""),
            by=actor, now=now)
        return f"已撤销 {person.name} 对 {department.name} 的督办授权"

    return _change(do, "wb_admin.grants_page",
                   lambda error: grants_page(error=error, status=400))


# ---------------------------------------------------------------------------- deliveries


@blueprint.get("/deliveries")
@admin_only
def deliveries_page(error: str | None = None, status: int = 200) -> Page:
    return _page("workbench/admin/deliveries.html", status=status, error=error,
                 data=views.delivery_rows(db()))


@blueprint.post("/deliveries/<int:outbox_id>/resend")
@admin_only
def delivery_resend(outbox_id: int) -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        if deliveries.resend(session, outbox_id, by=actor, now=now):
            return f"消息 {outbox_id} 已重新排队发送"
        state = deliveries.state_of(session, outbox_id)
        if state is None:
            raise views.BadInput(f"没有第 {outbox_id} 条消息")
        return f"消息 {outbox_id} 已在发送或已发出，未重复发送"

    return _change(do, "wb_admin.deliveries_page",
                   lambda error: deliveries_page(error=error, status=400), wake=True)


@blueprint.post("/inbox/<int:inbox_id>/<action>")
@admin_only
def inbox_action(inbox_id: int, action: str) -> Page:
    if action not in ("retry", "drop"):
        abort(404)

    def do(session: Session, actor: Actor, now: datetime) -> str:
        change = deliveries.retry_parked if action == "retry" else deliveries.drop_parked
        if not change(session, inbox_id, by=actor, now=now):
            return f"第 {inbox_id} 条收到的消息已不在搁置中，未作改动"
        return f"第 {inbox_id} 条收到的消息" + ("已放回重新处理" if action == "retry"
                                                else "已放弃")

    return _change(do, "wb_admin.deliveries_page",
                   lambda error: deliveries_page(error=error, status=400),
                   wake=action == "retry")


# ---------------------------------------------------------------------------- tokens


@blueprint.get("/tokens")
@admin_only
def tokens_page(error: str | None = None, status: int = 200,
                issued: dict[str, str] | None = None) -> Page:
    return _page("workbench/admin/tokens.html", status=status, error=error,
                 rows=views.token_rows(db()), issued=issued,
                 form=request.form if request.method == "POST" and error else {})


@blueprint.post("/tokens")
@admin_only
def token_issue() -> Page:
    """Issue a token and show it on this answer only: it is stored hashed, never in the
    form's stored outcome, so a resent form issues nothing and shows no token."""
    runtime, who = rt(), viewer()
    assert who is not None
    key = request.form.get("form_key", "").strip()[:64] or form_key()
    end_reads()
    try:
        with runtime.sessions.begin() as session:
            if session.get(WebSubmission, key) is not None:
                return redirect(url_for("wb_admin.tokens_page", done=key))
            now = runtime.clock()
            token, person = tokens.issue(
                session, request.form.get("person", ""), request.form.get("name", ""),
                by=Actor(session.get(Person, who.person_id), "web"), now=now)
            message = f"已为 {person.name} 签发令牌（只显示这一次）"
            session.add(WebSubmission(key=key, person_id=who.person_id, at=now,
                                      outcome={"replies": [message]}))
            issued = {"token": token, "person": person.name, "message": message}
    except ValueError as error:
        return tokens_page(error=f"未签发：{error}", status=400)
    except IntegrityError:
        return redirect(url_for("wb_admin.tokens_page", done=key))
    return tokens_page(issued=issued)


@blueprint.post("/tokens/<int:token_id>/revoke")
@admin_only
def token_revoke(token_id: int) -> Page:
    def do(session: Session, actor: Actor, now: datetime) -> str:
        if not tokens.revoke(session, token_id, by=actor, now=now):
            raise views.BadInput(f"没有有效的第 {token_id} 号令牌")
        return f"已吊销第 {token_id} 号令牌"

    return _change(do, "wb_admin.tokens_page",
                   lambda error: tokens_page(error=error, status=400))


# ---------------------------------------------------------------------------- audit


@blueprint.get("/audit")
@admin_only
def audit_page() -> Page:
    area = request.args.get("area") or None
    if area not in (None, *AREA_LABELS):
        area = None
    return _page("workbench/admin/audit.html", rows=views.audit_rows(db(), area),
                 areas=AREA_LABELS, area=area or "")
