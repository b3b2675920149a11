"""The mobile task pages (docs/workbench.md, "Task pages"): 我的待办, 我交办的, 待我评价,
one task with its record and action forms, and the new-task form with its language preview.

Every page reads through `tasks.lifecycle.pages` and every action runs a chat verb's
command through `web.act`, so what a page shows and refuses is what chat shows and refuses.
A task the viewer takes no part in is answered with the page a missing number gets.
"""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import WorkCalendar
from tasks.core.authority import Authority
from tasks.core.context import Context
from tasks.directory import lookup
from tasks.handling import preview
from tasks.language.grammar import Misread
from tasks.language.kinds import KIND_LABELS
from tasks.lifecycle import pages
from tasks.models import Person
from tasks.verbs import registry
from tasks.verbs.create import CreateTask
from webapp.workbench import web
from webapp.workbench.task_forms import ACTIONS, deadline_text

blueprint = Blueprint("wb_tasks", __name__, url_prefix="/m")

Page = str | tuple[str, int] | Response


# ---- what every view needs ---------------------------------------------------------------

def person() -> Person:
    """The signed-in viewer as the directory knows them (`signed_in` guarantees one)."""
    viewer = web.viewer()
    assert viewer is not None
    found = web.db().get(Person, viewer.person_id)
    assert found is not None
    return found


def now() -> datetime:
    return web.rt().clock()


def calendar() -> WorkCalendar:
    return load_calendar(web.db(), web.rt().settings.rules.working_hours)


def authority() -> Authority:
    return Authority(web.db(), web.rt().settings.rules)


def one_time_key() -> str:
    """A form's own key: its submission acts once however often it is sent."""
    return secrets.token_urlsafe(16)


def missing(number: int | None = None) -> tuple[str, int]:
    """One page for a number that does not exist and for a task the viewer has no part in
    (need to know): nothing on it tells the two apart."""
    return web.render("workbench/tasks/missing.html", number=number), 404


def show_outcome(outcome: Any) -> None:
    """The verb's replies (or its refusal) as the flash the next page shows."""
    if outcome.refusal:
        flash(outcome.refusal, "error")
    for text in outcome.replies:
        flash(text, "info")
    if outcome.repeated and not outcome.replies and not outcome.refusal:
        flash("这份表单已经提交过，没有重复办理。", "info")


# ---- the lists ---------------------------------------------------------------------------

@blueprint.get("/")
@web.signed_in
def mine() -> Page:
    """我的待办: what I hold or am offered, most urgent first (chat's 我的)."""
    lines = pages.my_open(web.db(), person(), now(), calendar())
    return web.render("workbench/tasks/list.html", heading="我的待办", lines=lines,
                      empty="你目前没有待办任务。", finished=[], current="mine")


@blueprint.get("/requested")
@web.signed_in
def requested() -> Page:
    """我交办的: what I asked others to do, with its state and time left."""
    running, finished = pages.requested(web.db(), person(), now(), calendar())
    return web.render("workbench/tasks/list.html", heading="我交办的", lines=running,
                      empty="你交办的任务都已办结或撤销。", finished=finished,
                      current="requested")


@blueprint.get("/to-rate")
@web.signed_in
def to_rate() -> Page:
    """待我评价: closes waiting for my 好差评."""
    ratings = pages.to_rate(web.db(), person(), now(), calendar())
    return web.render("workbench/tasks/to_rate.html", ratings=ratings, current="to-rate")


# ---- one task ----------------------------------------------------------------------------

@blueprint.get("/tasks/<int:number>")
@web.signed_in
def task(number: int) -> Page:
    viewer, the_authority = person(), authority()
    found = pages.visible_task(web.db(), the_authority, viewer, number, now())
    if found is None:
        return missing(number)
    page = pages.task_page(web.db(), the_authority, viewer, found, now(), calendar())
    who = request.args.get("who", "").strip()[:40]
    choices = lookup.search(web.db(), who) if who and "transfer" in page.actions else []
    keys = {name: one_time_key() for name in ACTIONS}
    return web.render("workbench/tasks/task.html", page=page, keys=keys, who=who,
                      choices=choices, levels=page.levels)


@blueprint.post("/tasks/<int:number>/<name>")
@web.signed_in
def act(number: int, name: str) -> Page:
    """One action form: the chat verb's command from the form's fields, run once per key."""
    action = ACTIONS.get(name)
    found = pages.visible_task(web.db(), authority(), person(), number, now())
    if found is None or action is None:
        return missing(number)
    back = redirect(url_for("wb_tasks.task", number=number))
    try:
        command = action.build(number, request.form)
    except Misread as misread:
        flash(misread.reason, "error")
        return back
    key = request.form.get("key") or one_time_key()
    show_outcome(web.act(key, dispatching(command)))
    return back


def dispatching(command: Any) -> Callable[[Context], None]:
    """What `web.act` runs: the verb that handles the command, exactly as in chat."""
    def do(ctx: Context) -> None:
        registry.dispatch(ctx, command)
    return do


# ---- a new task --------------------------------------------------------------------------

@blueprint.get("/new")
@web.signed_in
def new() -> Page:
    return _new_page(text="", fields={}, seen=None,
                     mode="fields" if request.args.get("mode") == "fields" else "text")


@blueprint.post("/new")
@web.signed_in
def new_submitted() -> Page:
    """Preview (the default) or create. Without JavaScript the preview is this round trip;
    with it, the page previews as one types (`POST /api/v1/interpret`) and posts here to
    create."""
    mode = request.form.get("mode", "text")
    text = request.form.get("text", "")
    fields = {k: request.form.get(k, "") for k in ("title", "to", "date", "time",
                                                     "deadline", "kind")}
    try:
        seen = read_form(mode, text, fields)
    except Misread as misread:
        flash(misread.reason, "error")
        return _new_page(text, fields, None, mode=mode)
    if request.form.get("do") != "create" or not seen.can_create:
        return _new_page(text, fields, seen, mode=mode)
    shown = request.form.get("deadline_seen", "")
    if shown and shown != (seen.deadline.isoformat() if seen.deadline else ""):
        flash("期限的含义已经变了（例如「明天」已是另一天），请确认新的预览后再创建。", "error")
        return _new_page(text, fields, seen, mode=mode)
    assert seen.request is not None
    created: list[int] = []
    outcome = web.act(request.form.get("key") or one_time_key(),
                      creating(seen.request, created))
    show_outcome(outcome)
    if outcome.refusal:
        return _new_page(text, fields, seen, mode=mode)
    if len(created) == 1:
        return redirect(url_for("wb_tasks.task", number=created[0]))
    return redirect(url_for("wb_tasks.requested"))


def read_form(mode: str, text: str, fields: dict[str, str]) -> preview.Preview:
    """The form's preview: the free text as chat reads it, or the separate fields as the
    `新建` they stand for."""
    if mode == "fields":
        request_ = preview.from_fields(fields["title"], [fields["to"]],
                                       deadline_text(fields), fields["kind"])
        return preview.of_request(web.db(), request_, now=now(), calendar=calendar())
    return preview.of_text(web.db(), text, now=now(), calendar=calendar())


def creating(request_: CreateTask, created: list[int]) -> Callable[[Context], None]:
    """Run the 新建 verb on the previewed request; note the numbers it created."""
    def do(ctx: Context) -> None:
        before = set(ctx.touched)
        registry.dispatch(ctx, request_)
        created.extend(n for n in ctx.touched if n not in before)
    return do


def _new_page(text: str, fields: dict[str, str], seen: preview.Preview | None, *,
              mode: str = "text") -> Page:
    return web.render("workbench/tasks/new.html", text=text, fields=fields, seen=seen,
                      mode=mode, key=one_time_key(), kinds=KIND_LABELS, current="new")
