"""Test-control endpoints under /sandbox/control/ (error injection, tokens, logs, reset)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .callback import verify_url
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
    """The API call log: [{method, path, errcode, http_status, time}]."""
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


@bp.post("/reset")
def reset() -> Response:
    """Clear transcripts, cards, codes, injections and logs (directory and tokens stay)."""
    current_state().reset()
    return jsonify({"ok": True})
