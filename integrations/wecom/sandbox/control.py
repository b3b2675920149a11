"""Test-control endpoints under /sandbox/control/ (injection, stalls, tokens, contacts, logs,
reset)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify

from .callback import deliver, verify_url
from .contacts import ContactError, apply_change
from .envelope import build_contact_xml
from .web import as_int, current_state, read_json_object

bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox/control")


def _bad(message: str) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": message}), 400


@bp.post("/inject")
def inject() -> Response | tuple[Response, int]:
    """{"path": "message/send", "errcode": 45009 | "network", "times": 1}."""
    body = read_json_object()
    if body is None or not isinstance(body.get("path"), str) or not body["path"].strip():
        return _bad("path required")
    errcode = body.get("errcode")
    if errcode != "network":
        errcode = as_int(errcode)
        if errcode is None:
            return _bad("errcode must be an int or 'network'")
    times = as_int(body.get("times", 1))
    if times is None or times < 1 or times > 1000:
        return _bad("times must be 1..1000")
    current_state().inject(body["path"], errcode, times)
    return jsonify({"ok": True})


@bp.post("/stall")
def stall() -> Response | tuple[Response, int]:
    """{"path": "message/send", "times": 1, "seconds": 60}: hold the next calls to that path
    before handling them, until `release` (or `seconds`); they are then handled as usual,
    though the caller may have timed out."""
    body = read_json_object()
    if body is None or not isinstance(body.get("path"), str) or not body["path"].strip():
        return _bad("path required")
    times = as_int(body.get("times", 1))
    if times is None or times < 1 or times > 100:
        return _bad("times must be 1..100")
    seconds = as_int(body.get("seconds", 60))
    if seconds is None or seconds < 1 or seconds > 600:
        return _bad("seconds must be 1..600")
    current_state().stall(body["path"], times, float(seconds))
    return jsonify({"ok": True})


@bp.get("/stalls")
def stalls() -> Response:
    """{"held": calls being held now, "queued": stalls still waiting for their call}."""
    return jsonify(current_state().stalls())


@bp.post("/release")
def release() -> Response:
    """Let the held calls go on and drop queued stalls; answers once the held calls were
    handled: {"ok": true, "released": n}."""
    return jsonify({"ok": True, "released": current_state().release_stalls()})


@bp.post("/expire-tokens")
def expire_tokens() -> Response:
    """Every issued access_token answers 42001 from now on."""
    return jsonify({"ok": True, "tokens": current_state().expire_tokens()})


@bp.post("/revoke-tokens")
def revoke_tokens() -> Response:
    """Every issued access_token answers 40014 from now on."""
    return jsonify({"ok": True, "tokens": current_state().revoke_tokens()})


@bp.get("/calls")
def calls() -> Response:
    """The API call log: [{method, path, errcode, http_status, time, duplicate?}]."""
    return jsonify({"calls": current_state().calls()})


@bp.get("/callbacks")
def callbacks() -> Response:
    """The callback delivery log: [{kind, userid, status, error?, passive_reply?, time}]."""
    return jsonify({"callbacks": current_state().callbacks()})


@bp.post("/callback-url")
def callback_url() -> Response | tuple[Response, int]:
    """{"url": "..."}: change where callbacks are POSTed."""
    body = read_json_object()
    if body is None or not isinstance(body.get("url"), str) or not body["url"]:
        return _bad("url required")
    current_state().set_callback_url(body["url"])
    return jsonify({"ok": True})


@bp.post("/verify-url")
def verify() -> Response:
    """Run WeCom's GET URL verification against the callback URL."""
    return jsonify(verify_url(current_state()))


_ELEMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def _raw_event(event: object) -> list[tuple[str, object]] | None:
    """The elements of a verbatim change_contact event, or None if they are not usable."""
    if not isinstance(event, dict):
        return None
    fields = [(str(tag), value) for tag, value in event.items()]
    if not all(_ELEMENT.fullmatch(tag) and isinstance(value, str | int) for tag, value in fields):
        return None
    return fields


@bp.post("/contact")
def contact() -> Response | tuple[Response, int]:
    """Change the directory as an admin would, then push the change_contact callback.

    {"change_type": "create_user", "userid", "name", "department": [2],
    "is_leader_in_dept": [0], "position"} (also update_user with "new_userid",
    delete_user, create_party/update_party {"id", "name", "parentid"}, delete_party).
    "notify": false changes the directory without a callback (a lost callback);
    {"event": {"ChangeType": …, …}} sends those elements verbatim and changes nothing.
    """
    body = read_json_object()
    if body is None:
        return _bad("JSON object required")
    state = current_state()
    if "event" in body:
        fields = _raw_event(body["event"])
        if fields is None:
            return _bad("event must map element names to strings or ints")
    else:
        try:
            fields = apply_change(state.directory, body)
        except ContactError as error:
            return jsonify({"ok": False, "errcode": error.errcode, "error": error.message}), 400
        if body.get("notify", True) is False:
            return jsonify({"ok": True, "notified": False})
    xml = build_contact_xml(state.config.corp_id, int(state.config.clock()), fields)
    return jsonify({"ok": True, **deliver(state, "sys", xml, "change_contact")})


_ROBOT_KEY = re.compile(r"[A-Za-z0-9\-]{1,64}")


@bp.post("/robot")
def robot() -> Response | tuple[Response, int]:
    """{"key": "...", "name": "综合科工作群"}: a group chat gets a robot with this webhook key."""
    body = read_json_object()
    if body is None or not isinstance(body.get("key"), str) \
            or not _ROBOT_KEY.fullmatch(body["key"]):
        return _bad("key required: 1..64 letters, digits or '-'")
    name = body.get("name")
    current_state().add_robot(body["key"], name if isinstance(name, str) and name else "群聊")
    return jsonify({"ok": True})


@bp.post("/reset")
def reset() -> Response:
    """Release held calls; restore the seeded directory; clear transcripts, cards, codes,
    injections, stalls, logs, the duplicate check's memory and the history file, if any."""
    current_state().reset()
    return jsonify({"ok": True})
