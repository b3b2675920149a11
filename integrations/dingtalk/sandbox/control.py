"""Test-control endpoints under /sandbox/control/ for the sending side: injected errors,
stalls, tokens, the call log, group chats, directory changes and reset.

(The receiving side's controls, drop-socket and redeliver, live with the gateway.)
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .directory import ContactError
from .state import SandboxState

bp = Blueprint("dingtalk_control", __name__, url_prefix="/sandbox/control")

ERRORS = ("rate_limited", "expired_token", "network", "flow_controlled")
_CODE = re.compile(r"-?[0-9]{1,6}|[A-Za-z][A-Za-z0-9_.]{0,99}")
_CID = re.compile(r"[A-Za-z0-9+/=_\-]{1,128}")


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _json() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _bad(message: str) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": message}), 400


def _times(body: dict[str, Any], default: int, most: int) -> int | None:
    value = body.get("times", default)
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= most
    return value if ok else None


@bp.post("/inject")
def inject() -> Response | tuple[Response, int]:
    """{"path": "/v1.0/robot/oToMessages/batchSend", "error": "rate_limited" |
    "expired_token" | "network" | "flow_controlled" | <HTTP status, errcode or code>,
    "times": 1}: the next calls to that path get that answer (flow_controlled: batchSend
    holds back every recipient)."""
    body = _json()
    if body is None or not isinstance(body.get("path"), str) or not body["path"].strip():
        return _bad("path required")
    error = body.get("error")
    error = str(error) if isinstance(error, int) and not isinstance(error, bool) else error
    if not isinstance(error, str) or not (error in ERRORS or _CODE.fullmatch(error)):
        return _bad(f"error must be one of {ERRORS} or a code")
    times = _times(body, 1, 1000)
    if times is None:
        return _bad("times must be 1..1000")
    _state().inject(body["path"], error, times)
    return jsonify({"ok": True})


@bp.post("/stall")
def stall() -> Response | tuple[Response, int]:
    """{"path", "times": 1, "seconds": 60}: hold the next calls to that path until
    `release` (or `seconds`); they are then handled as usual, though the caller may have
    given up."""
    body = _json()
    if body is None or not isinstance(body.get("path"), str) or not body["path"].strip():
        return _bad("path required")
    times = _times(body, 1, 100)
    seconds = body.get("seconds", 60)
    if times is None:
        return _bad("times must be 1..100")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= 600:
        return _bad("seconds must be 1..600")
    _state().stall(body["path"], times, float(seconds))
    return jsonify({"ok": True})


@bp.get("/stalls")
def stalls() -> Response:
    return jsonify(_state().stalls())


@bp.post("/release")
def release() -> Response:
    """Let held calls go on and drop queued stalls; answers once they were handled."""
    return jsonify({"ok": True, "released": _state().release_stalls()})


@bp.post("/expire-tokens")
def expire_tokens() -> Response:
    """Every issued token is expired (401 InvalidAuthentication / errcode 42001)."""
    return jsonify({"ok": True, "tokens": _state().expire_tokens()})


@bp.post("/revoke-tokens")
def revoke_tokens() -> Response:
    """Every issued token is unknown from now on."""
    return jsonify({"ok": True, "tokens": _state().revoke_tokens()})


@bp.get("/calls")
def calls() -> Response:
    """The OpenAPI call log: [{method, path, status, code | errcode, time, stalled?}]."""
    return jsonify({"calls": _state().calls()})


@bp.post("/group")
def group() -> Response | tuple[Response, int]:
    """{"openConversationId": "cid…", "name": "…"}: a group chat with the robot in it."""
    body = _json()
    if body is None or not isinstance(body.get("openConversationId"), str) \
            or not _CID.fullmatch(body["openConversationId"]):
        return _bad("openConversationId required: 1..128 of A-Z a-z 0-9 + / = _ -")
    name = body.get("name")
    _state().add_group(body["openConversationId"], name if isinstance(name, str) and name
                       else "群聊")
    return jsonify({"ok": True})


@bp.post("/contact")
def contact() -> Response | tuple[Response, int]:
    """Change the directory as an admin would, then (unless "notify": false) tell the
    contact listeners, which push DingTalk's contact event to the product.

    {"event": "user_add_org", "userid", "name", "dept_id_list": [2], "leader": [2],
    "title", "mobile"}, user_modify_org, user_leave_org {"userid"}, org_dept_create
    {"dept_id", "name", "parent_id"}, org_dept_modify, org_dept_remove {"dept_id"}.
    """
    body = _json()
    if body is None:
        return _bad("JSON object required")
    try:
        result = _state().change_contact(body, notify=body.get("notify", True) is not False)
    except ContactError as error:
        return jsonify({"ok": False, "errcode": error.errcode, "error": error.message}), 400
    return jsonify({"ok": True, **result})


@bp.post("/reset")
def reset() -> Response:
    """Release held calls; restore the seeded directory; clear chats, cards, media, group
    messages, injections and the call log."""
    _state().reset()
    return jsonify({"ok": True})
