"""WeCom message APIs: message/send and message/update_template_card."""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import g

from .cards import INTERACTIVE_CARD_TYPES, InvalidPayload, validate_card
from .media import image_entry
from .state import SandboxState
from .web import as_int, read_json_object, wecom_error

MAX_CONTENT_BYTES = 2048
# A task_id already used by this app: the docs say "同一个应用任务id不能重复"; WeCom answers
# 42014 "taskid has existed or empty or exceed max len" (seen in WeCom's developer forum).
# The duplicate check comes first: a checked resend of the same request is dropped as a
# duplicate, a different request reusing the task_id gets 42014.
DUPLICATE_TASK_ID = 42014
# enable_duplicate_check: "在一定时间间隔内，同样内容（请求json）的消息，不会重复收到";
# duplicate_check_interval defaults to 1800 s and may not exceed 4 hours.
DUPLICATE_CHECK_DEFAULT = 1800
DUPLICATE_CHECK_MAX = 14400
CALL_MARKS = "sandbox_call_marks"  # flask.g key: facts the call log records with a call


def _split(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split("|") if part.strip()]


def resolve_recipients(
    state: SandboxState, body: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """(valid userids in order, {"invaliduser": "a|b", "invalidparty": ..., "invalidtag": ...})."""
    directory = state.directory
    users: list[str] = []
    bad_users: list[str] = []
    bad_parties: list[str] = []
    for userid in _split(body.get("touser")):
        if userid == "@all":
            users.extend(directory.userids())
        elif directory.find_member(userid) is None:
            bad_users.append(userid)
        else:
            users.append(userid)
    for party in _split(body.get("toparty")):
        dept_id = as_int(party)
        if dept_id is None or directory.find_department(dept_id) is None:
            bad_parties.append(party)
            continue
        users.extend(m["userid"] for m in directory.members_of(dept_id, True))
    invalid = {
        "invaliduser": "|".join(bad_users),
        "invalidparty": "|".join(bad_parties),
        "invalidtag": "|".join(_split(body.get("totag"))),  # the sandbox corp has no tags
    }
    return list(dict.fromkeys(users)), invalid


def _check_agent(state: SandboxState, body: dict[str, Any]) -> int:
    if body.get("agentid") in (None, ""):
        return 41011
    return 0 if as_int(body.get("agentid")) == state.config.agent_id else 301002


def _content_entry(body: dict[str, Any], msgtype: str) -> dict[str, Any]:
    part = body.get(msgtype)
    content = part.get("content") if isinstance(part, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise InvalidPayload("content is empty", 44004)
    if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise InvalidPayload("content longer than 2048 bytes", 45002)
    return {"from": "app", "msgtype": msgtype, "content": content}


def _card_entry(body: dict[str, Any]) -> dict[str, Any]:
    card = validate_card(body.get("template_card"))
    return {
        "from": "app",
        "msgtype": "template_card",
        "card_type": card["card_type"],
        "task_id": card.get("task_id"),
        "card": card,
        "disabled": False,
        "replace_text": None,
    }


def _build_entry(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    msgtype = body.get("msgtype")
    if msgtype in ("text", "markdown"):
        return _content_entry(body, msgtype)
    if msgtype == "template_card":
        return _card_entry(body)
    if msgtype == "image":
        return image_entry(state, body)
    raise InvalidPayload(f"msgtype {msgtype!r} not supported", 40008)


def _app_request(state: SandboxState) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The JSON body of a call made as the app, or the errcode answer that refuses it."""
    body = read_json_object()
    if body is None:
        return None, wecom_error(47001)
    agent_error = _check_agent(state, body)
    if agent_error:
        return None, wecom_error(agent_error)
    return body, None


def send_message(state: SandboxState) -> dict[str, Any]:
    """POST /cgi-bin/message/send, with WeCom's duplicate check when the request asks."""
    body, refusal = _app_request(state)
    if body is None:
        return refusal or wecom_error(47001)
    if as_int(body.get("enable_duplicate_check")) != 1:
        return _send(state, body)
    answer, duplicate = state.send_checked(
        duplicate_key(body), check_interval(body), lambda: _send(state, body)
    )
    if duplicate:
        g.setdefault(CALL_MARKS, {})["duplicate"] = True
    return answer


def duplicate_key(body: dict[str, Any]) -> str:
    """What "the same request JSON" means: the same JSON value, whatever its key order."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def check_interval(body: dict[str, Any]) -> int:
    """duplicate_check_interval in seconds: 1800 when absent or not positive, at most 4 h."""
    interval = as_int(body.get("duplicate_check_interval"))
    if interval is None or interval <= 0:
        return DUPLICATE_CHECK_DEFAULT
    return min(interval, DUPLICATE_CHECK_MAX)


def _send(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    try:
        entry = _build_entry(state, body)
    except InvalidPayload as exc:
        return wecom_error(exc.errcode, exc.detail)
    users, invalid = resolve_recipients(state, body)
    if not users:
        return {**wecom_error(81013), **invalid}
    entry["msgid"] = secrets.token_urlsafe(32)
    if not state.deliver(users, entry, entry.get("task_id")):
        return wecom_error(DUPLICATE_TASK_ID)
    result: dict[str, Any] = {
        "errcode": 0,
        "errmsg": "ok",
        **invalid,
        "unlicenseduser": "",
        "msgid": entry["msgid"],
    }
    if entry.get("card_type") in INTERACTIVE_CARD_TYPES:
        result["response_code"] = state.issue_code(entry["task_id"])
    return result


def _update_targets(state: SandboxState, body: dict[str, Any]) -> list[str] | None:
    """Userids to update, None for atall; raises InvalidPayload when nobody is named."""
    if as_int(body.get("atall")) == 1:
        return None
    userids = body.get("userids") or []
    parties = body.get("partyids") or []
    if not isinstance(userids, list) or not isinstance(parties, list):
        raise InvalidPayload("userids/partyids must be lists")
    targets = [str(u) for u in userids]
    for party in parties:
        dept_id = as_int(party)
        if dept_id is not None and state.directory.find_department(dept_id):
            targets.extend(m["userid"] for m in state.directory.members_of(dept_id, True))
    if not targets:
        raise InvalidPayload("userids, partyids or atall required")
    return list(dict.fromkeys(targets))


def _update_mode(body: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    button = body.get("button")
    if isinstance(button, dict):
        name = button.get("replace_name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidPayload("button.replace_name required")
        return name, None
    if "template_card" in body:
        return None, validate_card(body.get("template_card"), require_task_id=False)
    raise InvalidPayload("button or template_card required")


def update_template_card(state: SandboxState) -> dict[str, Any]:
    """POST /cgi-bin/message/update_template_card."""
    body, refusal = _app_request(state)
    if body is None:
        return refusal or wecom_error(47001)
    code = body.get("response_code")
    if not isinstance(code, str) or not code:
        return wecom_error(40058, "response_code required")
    try:
        targets = _update_targets(state, body)
        replace_name, new_card = _update_mode(body)
    except InvalidPayload as exc:
        return wecom_error(exc.errcode, exc.detail)
    errcode, invalid = state.update_card(code, targets, replace_name, new_card)
    if errcode:
        return wecom_error(errcode)
    return {"errcode": 0, "errmsg": "ok", "invaliduser": invalid}
