"""`/api/v1/tasks…`, `/api/v1/interpret` and `/api/v1/directory` (docs/api.md, "Tasks"):
the task pages' data and actions as JSON, for the pages' own scripts and for other programs.

The same read models and the same chat verbs as the pages (webapp.workbench.tasks), so the
API can neither show nor do more than chat would. Errors are `{"error": "<中文>"}`: 400 for
input the verb cannot use or a refusal for the task's state, 403 for a refusal of the
authorization matrix, 404 for a task the caller has no part in or that does not exist.
"""

import dataclasses
import secrets
from datetime import datetime
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from tasks.core.authority import MATRIX
from tasks.directory import lookup
from tasks.handling import preview
from tasks.handling.actions import KEY_LONGEST
from tasks.language.grammar import Misread
from tasks.lifecycle import pages
from tasks.presentation import replies
from webapp.workbench import web
from webapp.workbench.api import blueprint
from webapp.workbench.task_forms import ACTIONS
from webapp.workbench.tasks import (
    authority,
    calendar,
    creating,
    dispatching,
    read_form,
)
from webapp.workbench.web import now, person

LISTS = ("mine", "requested", "to-rate")

Answer = tuple[Response, int] | Response


def error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def plain(value: Any) -> Any:
    """A read model as JSON: dataclasses to objects, instants to ISO 8601 (UTC)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def fields() -> dict[str, str]:
    """The request's fields, from a JSON object or a form; anything else is no field."""
    body = request.get_json(silent=True) if request.is_json else None
    source = body if isinstance(body, dict) else request.form
    return {str(k): v if isinstance(v, str) else str(v) for k, v in source.items()
            if v is not None and not isinstance(v, (dict, list))}


def one_time_key(given: dict[str, str]) -> str:
    """`Idempotency-Key` (or a `key` field) makes a retried call act once; without one,
    each call is its own action."""
    return (request.headers.get("Idempotency-Key") or given.get("key")
            or secrets.token_urlsafe(24))[:KEY_LONGEST]


@blueprint.get("/tasks")
@web.signed_in
def task_lists() -> Answer:
    """`?list=mine` (default), `requested` or `to-rate`."""
    which = request.args.get("list", "mine")
    session, viewer, at, days = web.db(), person(), now(), calendar()
    if which == "mine":
        return jsonify({"list": which, "tasks": plain(pages.my_open(session, viewer, at, days))})
    if which == "requested":
        running, finished = pages.requested(session, viewer, at, days)
        return jsonify({"list": which, "tasks": plain(running), "finished": plain(finished)})
    if which == "to-rate":
        return jsonify({"list": which,
                        "ratings": plain(pages.to_rate(session, viewer, at, days))})
    return error(f"没有这个列表，可选：{'、'.join(LISTS)}", 400)


@blueprint.get("/tasks/<int:number>")
@web.signed_in
def task_detail(number: int) -> Answer:
    viewer, the_authority = person(), authority()
    task = pages.visible_task(web.db(), the_authority, viewer, number, now())
    if task is None:
        return error(replies.task_not_found(number), 404)
    page = pages.task_page(web.db(), the_authority, viewer, task, now(), calendar())
    body = plain(page)
    body["actions"] = [a.name for a in ACTIONS.values() if a.matrix_key in page.actions]
    return jsonify(body)


@blueprint.post("/tasks/<int:number>/<name>")
@web.signed_in
def task_action(number: int, name: str) -> Answer:
    """One action, as the task page's form of the same name: its fields as JSON."""
    viewer, the_authority = person(), authority()
    task = pages.visible_task(web.db(), the_authority, viewer, number, now())
    if task is None:
        return error(replies.task_not_found(number), 404)
    action = ACTIONS.get(name)
    if action is None:
        return error(f"没有「{name[:20]}」这个操作，可用：{'、'.join(ACTIONS)}", 404)
    given = fields()
    try:
        command = action.build(number, given)
    except Misread as misread:
        return error(misread.reason, 400)
    allowed = bool(the_authority.roles(viewer, task) & set(MATRIX[action.matrix_key].roles))
    outcome = web.act(one_time_key(given), dispatching(command))
    if outcome.refusal:
        return jsonify({"error": outcome.refusal, "replies": outcome.replies}), (
            400 if allowed else 403)
    return jsonify({"replies": outcome.replies, "repeated": outcome.repeated})


@blueprint.post("/interpret")
@web.signed_in
def interpret() -> Answer:
    """What chat would make of `text` (or of the new-task form's fields, `mode: fields`)."""
    given = fields()
    try:
        seen = _read(given)
    except Misread as misread:
        seen = preview.Preview(given.get("title", ""), preview.REFUSED, misread.reason)
    body = plain(dataclasses.replace(seen, request=None))
    body.pop("request", None)
    body["can_create"] = seen.can_create
    return jsonify(body)


@blueprint.post("/tasks")
@web.signed_in
def create() -> Answer:
    """Create what `/interpret` previews, through the 新建 verb: 201 with the numbers."""
    given = fields()
    try:
        seen = _read(given)
    except Misread as misread:
        return error(misread.reason, 400)
    if not seen.can_create or seen.request is None:
        return error("；".join(seen.problems) or seen.reply or "没有可以创建的任务", 400)
    created: list[int] = []
    outcome = web.act(one_time_key(given), creating(seen.request, created))
    if outcome.refusal:
        return jsonify({"error": outcome.refusal, "replies": outcome.replies}), 400
    return jsonify({"tasks": created, "replies": outcome.replies,
                    "repeated": outcome.repeated}), 200 if outcome.repeated else 201


@blueprint.get("/directory")
@web.signed_in
def directory() -> Answer:
    """The 转办 picker: people and departments matching `?q=`."""
    query = request.args.get("q", "")[:40]
    return jsonify({"choices": plain(lookup.search(web.db(), query))})


def _read(given: dict[str, str]) -> preview.Preview:
    """The page's own reading of a new task: `text`, or the fields with `mode: fields`."""
    mode = "fields" if given.get("mode") == "fields" else "text"
    return read_form(mode, given.get("text", ""), given)
