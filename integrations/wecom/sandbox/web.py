"""Small Flask helpers shared by the sandbox blueprints (state access, JSON, errors)."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from .state import SandboxState

ERRMSG: dict[int, str] = {
    -1: "system busy",
    40001: "invalid credential, access_token is invalid or not latest",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid corpid",
    40029: "invalid code",
    40014: "invalid access_token",
    40058: "invalid parameter",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    41005: "media data missing",
    41006: "media_id missing",
    41011: "missing agentid",
    42001: "access_token expired",
    42014: "taskid has existed or empty or exceed max len",
    43001: "require GET method",
    43002: "require POST method",
    44001: "empty media data",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    47001: "data format error",
    60111: "userid not found",
    60123: "invalid party id",
    60140: "response_code expired or used",
    81013: "user & party & tag all invalid",
    93000: "invalid webhook url",
    301002: "invalid agentid",
}


def current_state() -> SandboxState:
    """The SandboxState of the running app."""
    return current_app.extensions["sandbox"]


def wecom_error(errcode: int, detail: str = "") -> dict[str, Any]:
    """A WeCom-style error body (always served with HTTP 200)."""
    message = ERRMSG.get(errcode, "error")
    if detail:
        message = f"{message}: {detail}"
    hint = f"more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"
    return {"errcode": errcode, "errmsg": f"{message}, hint: [sandbox], {hint}"}


def read_json_object() -> dict[str, Any] | None:
    """The request body as a JSON object, or None when it is not one (wrong content type ok)."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def as_int(value: Any) -> int | None:
    """``value`` as int ("1000002" and 1000002 both work), or None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
