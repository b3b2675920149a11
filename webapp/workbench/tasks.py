"""The mobile task pages (docs/workbench.md, "Task pages"): 我的待办, 我交办的, 待我评价,
one task with its record and action forms, and the new-task form with its language preview.

Every page reads through `tasks.lifecycle.pages` and every action runs a chat verb's
command through `web.act`, so what a page shows and refuses is what chat shows and refuses.
A task the viewer takes no part in is answered with the page a missing number gets.
"""

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.authority import Authority
from tasks.core.context import Context
from tasks.core.lengths import too_long
from tasks.directory import lookup
from tasks.handling import preview
from tasks.handling.actions import KEY_LONGEST, Outcome
from tasks.language.grammar import Command, Misread
from tasks.language.kinds import KIND_LABELS
from tasks.lifecycle import pages
from tasks.messaging.inbound import MESSAGE_LONGEST
from tasks.models import Task
from tasks.verbs import registry
from tasks.verbs.create import CreateTask
from webapp.workbench import web
from webapp.workbench.task_forms import ACTIONS, deadline_text

blueprint = Blueprint("wb_tasks", __name__, url_prefix="/m")

NEW_FIELDS = ("title", "to", "date", "time", "deadline", "kind")
STALE_FORM = "表单已失效，请刷新页面后重试。"


# ---- what every view needs ---------------------------------------------------------------

def calendar() -> WorkCalendar:
    return load_calendar(web.db(), web.rt().settings.rules.working_hours)


def authority() -> Authority:
    return Authority(web.db(), web.rt().settings.rules)


def visible(number: int) -> Task | None:
    """The task if the viewer takes part in it (need to know), else None."""
    return pages.visible_task(web.db(), authority(), web.person(), number, web.now())


def missing(number: int) -> ResponseReturnValue:
    """One page for a number that does not exist and for a task the viewer has no part in
    (need to know): nothing on it tells the two apart."""
    return web.error_page(404, "没有找到任务", f"没有找到与你有关的任务 #{number}。"
                          "可以在「我的待办」「我交办的」中查看你的任务。")


def usable(key: str) -> bool:
    """A form's one-time key as `perform` takes it; without one the form cannot say
    whether it was sent before, so it is not acted on."""
    return 0 < len(key) <= KEY_LONGEST


def dispatching(command: Command) -> Callable[[Context], None]:
    """What `web.act` runs for a form: the verb that handles the command, as in chat."""
    def do(ctx: Context) -> None:
        registry.dispatch(ctx, command)
    return do


def run_action(number: int, name: str, fields: Mapping[str, str], key: str
               ) -> tuple[Outcome | None, str]:
    """Build the action's command from its fields and act once per key: (outcome, "") or
    (None, the grammar's objection) when a field is missing and nothing was done."""
    try:
        command = ACTIONS[name].build(number, fields)
    except Misread as misread:
        return None, misread.reason
    return web.act(key, dispatching(command)), ""


# ---- the lists ---------------------------------------------------------------------------

@blueprint.get("/")
@web.signed_in
def mine() -> ResponseReturnValue:
    """我的待办: what I hold or am offered, most urgent first (chat's 我的)."""
    lines = pages.my_open(web.db(), web.person(), web.now(), calendar())
    return web.render("workbench/tasks/list.html", heading="我的待办", lines=lines,
                      empty="你目前没有待办任务。", finished=[], which="mine")


@blueprint.get("/requested")
@web.signed_in
def requested() -> ResponseReturnValue:
    """我交办的: what I asked others to do, with its state and time left."""
    running, finished = pages.requested(web.db(), web.person(), web.now(), calendar())
    return web.render("workbench/tasks/list.html", heading="我交办的", lines=running,
                      empty="你交办的任务目前都已办结或撤销。", finished=finished,
                      which="requested")


@blueprint.get("/to-rate")
@web.signed_in
def to_rate() -> ResponseReturnValue:
    """待我评价: closes waiting for my 好差评."""
    ratings = pages.to_rate(web.db(), web.person(), web.now(), calendar())
    return web.render("workbench/tasks/to_rate.html", ratings=ratings)


# ---- one task ----------------------------------------------------------------------------

@blueprint.get("/tasks/<int:number>")
@web.signed_in
def task(number: int) -> ResponseReturnValue:
    return _task_page(number)


def _task_page(number: int, *, status: int = 200, **extra: Any) -> ResponseReturnValue:
    found = visible(number)
    if found is None:
        return missing(number)
    page = pages.task_page(web.db(), authority(), web.person(), found, web.now(), calendar())
    who = request.args.get("who", "").strip()[:40]
    choices = lookup.search(web.db(), who) if who and "transfer" in page.actions else []
    return web.render("workbench/tasks/task.html", status=status, page=page, who=who,
                      choices=choices, today=web.now().astimezone(SHANGHAI).date(), **extra)


@blueprint.post("/tasks/<int:number>/<name>")
@web.signed_in
def act(number: int, name: str) -> ResponseReturnValue:
    """One action form: the chat verb's command from the form's fields, run once per key;
    the page it redirects to shows the verb's answer (`?done=<key>`)."""
    if name not in ACTIONS or visible(number) is None:
        return missing(number)
    key = request.form.get("key", "")
    if not usable(key):
        return _task_page(number, status=400, flashes=[("error", STALE_FORM)])
    outcome, objection = run_action(number, name, request.form, key)
    if outcome is None:
        return _task_page(number, status=400, flashes=[("error", objection)])
    return redirect(url_for("wb_tasks.task", number=number, done=key))


# ---- a new task --------------------------------------------------------------------------

@blueprint.get("/new")
@web.signed_in
def new() -> ResponseReturnValue:
    mode = "fields" if request.args.get("mode") == "fields" else "text"
    return _new_page("", {}, None, mode=mode)


@blueprint.post("/new")
@web.signed_in
def new_submitted() -> ResponseReturnValue:
    """Preview (the default) or create. Without JavaScript the preview is this round trip;
    with it, the page previews as one types (`POST /api/v1/interpret`) and posts here to
    create."""
    mode = "fields" if request.form.get("mode") == "fields" else "text"
    text = request.form.get("text", "")
    fields = {name: request.form.get(name, "") for name in NEW_FIELDS}
    try:
        seen = read_form(mode, text, fields)
    except Misread as misread:
        return _new_page(text, fields, None, mode=mode, status=400,
                         flashes=[("error", misread.reason)])
    if request.form.get("do") != "create" or not seen.can_create or seen.request is None:
        return _new_page(text, fields, seen, mode=mode)
    previewed = request.form.get("deadline_seen", "")
    if previewed and previewed != (seen.deadline.isoformat() if seen.deadline else ""):
        return _new_page(text, fields, seen, mode=mode, status=409, flashes=[(
            "error", "期限的含义已经变了（例如「明天」已是另一天），请确认新的预览后再创建。")])
    key = request.form.get("key", "")
    if not usable(key):
        return _new_page(text, fields, seen, mode=mode, status=400,
                         flashes=[("error", STALE_FORM)])
    created: list[int] = []
    outcome = web.act(key, creating(seen.request, created))
    if outcome.refusal:
        return _new_page(text, fields, seen, mode=mode, status=400,
                         flashes=[("error", outcome.refusal)])
    if outcome.repeated and not created:
        return redirect(url_for("wb_tasks.requested", done=key))
    if len(created) == 1:
        return redirect(url_for("wb_tasks.task", number=created[0], done=key))
    return redirect(url_for("wb_tasks.requested", done=key))


def read_form(mode: str, text: str, fields: Mapping[str, str]) -> preview.Preview:
    """The form's preview: the free text as chat reads it, or the separate fields as the
    `新建` they stand for. A missing part is the grammar's objection (Misread)."""
    if mode == "fields":
        wanted = preview.from_fields(fields.get("title", ""), [fields.get("to", "")],
                                     deadline_text(fields), fields.get("kind", ""))
        return preview.of_request(web.db(), wanted, now=web.now(), calendar=calendar())
    if not text.strip():
        raise Misread("请先写下要新建的任务")
    if len(text) > MESSAGE_LONGEST:
        raise Misread(too_long(len(text)))  # as chat answers a message longer than it reads
    return preview.of_text(web.db(), text, now=web.now(), calendar=calendar())


def creating(wanted: CreateTask, created: list[int]) -> Callable[[Context], None]:
    """Run the 新建 verb on the previewed request; note the numbers it created."""
    def do(ctx: Context) -> None:
        before = set(ctx.touched)
        registry.dispatch(ctx, wanted)
        created.extend(n for n in ctx.touched if n not in before)
    return do


def _new_page(text: str, fields: Mapping[str, str], seen: preview.Preview | None, *,
              mode: str, status: int = 200, **extra: Any) -> ResponseReturnValue:
    return web.render("workbench/tasks/new.html", status=status, text=text, fields=fields,
                      seen=seen, mode=mode, kinds=KIND_LABELS, **extra)

