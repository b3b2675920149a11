"""The fake WeCom server API under /cgi-bin/: tokens, messages, contacts, error injection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from .directory import ROOT_DEPARTMENT_ID, member_json
from .media import media_upload, webhook_send
from .messages import CALL_MARKS, send_message, update_template_card
from .oauth import getuserinfo
from .state import SandboxState
from .web import as_int, current_state, wecom_error

bp = Blueprint("sandbox_api", __name__)

Handler = Callable[[SandboxState], dict[str, Any]]


def gettoken(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/gettoken?corpid=&corpsecret= (no access_token needed)."""
    corpid = request.args.get("corpid", "")
    secret = request.args.get("corpsecret", "")
    if not corpid:
        return wecom_error(41002)
    if corpid != state.config.corp_id:
        return wecom_error(40013)
    if not secret:
        return wecom_error(41004)
    if secret != state.config.secret:
        return wecom_error(40001)
    token, expires_in = state.issue_token()
    return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in}


def _department_id(state: SandboxState, name: str) -> int | None:
    """Department id from the query (None when absent); raises KeyError when unknown."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    dept_id = as_int(raw)
    if dept_id is None or state.directory.find_department(dept_id) is None:
        raise KeyError(raw)
    return dept_id


def department_list(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/department/list?id= (the subtree of id, or everything)."""
    try:
        dept_id = _department_id(state, "id")
    except KeyError:
        return wecom_error(60123)
    directory = state.directory
    ids = directory.subtree_ids(dept_id or ROOT_DEPARTMENT_ID)
    depts = [d for d in (directory.department_json(i) for i in ids) if d is not None]
    return {"errcode": 0, "errmsg": "ok", "department": depts}


def department_simplelist(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/department/simplelist?id= (id, parentid, order only)."""
    result = department_list(state)
    if result["errcode"] == 0:
        keep = ("id", "parentid", "order")
        result["department_id"] = [{k: d[k] for k in keep} for d in result.pop("department")]
    return result


def _members(state: SandboxState, fields: tuple[str, ...] | None) -> dict[str, Any]:
    try:
        dept_id = _department_id(state, "department_id")
    except KeyError:
        return wecom_error(60123)
    if dept_id is None:
        return wecom_error(40058, "department_id required")
    fetch_child = as_int(request.args.get("fetch_child", "0")) == 1
    users = [member_json(m) for m in state.directory.members_of(dept_id, fetch_child)]
    if fields:
        users = [{k: u[k] for k in fields} for u in users]
    return {"errcode": 0, "errmsg": "ok", "userlist": users}


def user_list(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/user/list?department_id=&fetch_child=0|1."""
    return _members(state, None)


def user_simplelist(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/user/simplelist?department_id=&fetch_child=0|1."""
    return _members(state, ("userid", "name", "department"))


def user_get(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/user/get?userid=."""
    member = state.directory.find_member(request.args.get("userid", ""))
    if member is None:
        return wecom_error(60111)
    return {"errcode": 0, "errmsg": "ok", **member_json(member)}


ROUTES: dict[str, tuple[str, Handler]] = {
    "message/send": ("POST", send_message),
    "message/update_template_card": ("POST", update_template_card),
    "media/upload": ("POST", media_upload),
    "department/list": ("GET", department_list),
    "department/simplelist": ("GET", department_simplelist),
    "user/list": ("GET", user_list),
    "user/simplelist": ("GET", user_simplelist),
    "user/get": ("GET", user_get),
    "auth/getuserinfo": ("GET", getuserinfo),
}


def _answer(state: SandboxState, path: str) -> tuple[dict[str, Any], int]:
    if path == "gettoken":
        return gettoken(state), 200
    if path == "webhook/send":  # a group robot: the key is the credential, no token
        if request.method != "POST":
            return wecom_error(43002), 200
        return webhook_send(state), 200
    route = ROUTES.get(path)
    if route is None:
        return {"errcode": 404, "errmsg": f"sandbox has no API cgi-bin/{path}"}, 404
    token_error = state.check_token(request.args.get("access_token", ""))
    if token_error:
        return wecom_error(token_error), 200
    method, handler = route
    if request.method != method:
        return wecom_error(43001 if method == "GET" else 43002), 200
    return handler(state), 200


def _injected(state: SandboxState, path: str, injected: int | str) -> Response:
    if injected == "network":
        state.log_call(request.method, path, None, 502)
        return Response("502 Bad Gateway", status=502, mimetype="text/plain")
    errcode = as_int(injected)
    state.log_call(request.method, path, errcode, 200)
    return jsonify({"errcode": errcode, "errmsg": "injected"})


@bp.route("/cgi-bin/<path:path>", methods=["GET", "POST"])
def cgi(path: str) -> Response | tuple[Response, int]:
    """Every WeCom API call: injected errors first, then a stall if one is queued, then
    the token check, then the handler."""
    state = current_state()
    path = path.strip("/")
    injected = state.pop_injection(path)
    if injected is not None:
        return _injected(state, path, injected)
    stall = state.take_stall(path)
    if stall is None:
        return _handled(state, path)
    stall.hold()  # WeCom is slow: the caller may give up, the call still takes effect
    try:
        g.setdefault(CALL_MARKS, {})["stalled"] = True
        return _handled(state, path)
    finally:
        stall.answered.set()


def _handled(state: SandboxState, path: str) -> tuple[Response, int]:
    body, status = _answer(state, path)
    state.log_call(request.method, path, body.get("errcode"), status, g.get(CALL_MARKS))
    return jsonify(body), status
