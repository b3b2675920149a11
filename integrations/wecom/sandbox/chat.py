"""The browser chat page and its JSON endpoints (members talk to the app, click cards)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string

from .callback import deliver
from .cards import clickable_keys
from .envelope import build_card_event_xml, build_text_xml
from .markdown import render_markdown, render_text
from .media import image_format
from .page import PAGE_TEMPLATE
from .state import CardView
from .web import current_state, read_json_object

bp = Blueprint("sandbox_chat", __name__)


def _fail(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"status": 0, "error": message}), status


@bp.get("/")
def page() -> str:
    """The single chat page (inline CSS/JS)."""
    state = current_state()
    config = state.config
    return render_template_string(
        PAGE_TEMPLATE,
        groups=state.directory.members_by_department(),
        corp_id=config.corp_id,
        agent_id=config.agent_id,
    )


@bp.get("/sandbox/chat/<userid>/messages")
def messages(userid: str) -> Response | tuple[Response, int]:
    """The member's transcript with the app, oldest first; a markdown or text message from
    the app also has `html`, what the WeCom client would show (its links live; safe to put
    in the page as it is)."""
    if current_state().directory.find_member(userid) is None:
        return _fail("未知成员", 404)
    shown = [_with_html(entry) for entry in current_state().transcript(userid)]
    return jsonify({"userid": userid, "messages": shown})


def _with_html(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("msgtype") == "markdown" and isinstance(entry.get("content"), str):
        return {**entry, "html": render_markdown(entry["content"])}
    if entry.get("msgtype") == "text" and entry.get("from") != "member" \
            and isinstance(entry.get("content"), str):
        return {**entry, "html": render_text(entry["content"])}
    return entry


@bp.get("/sandbox/media/<media_id>")
def media(media_id: str) -> Response | tuple[Response, int]:
    """The bytes of an uploaded file, for the page's <img> and for tests."""
    found = current_state().media(media_id)
    if found is None:
        return _fail("未知素材", 404)
    kind = image_format(found.data)
    mimetype = {"png": "image/png", "jpg": "image/jpeg"}.get(kind or "", "application/octet-stream")
    return Response(found.data, mimetype=mimetype)


@bp.get("/sandbox/robots")
def robots() -> Response:
    """The group chats that have a robot: [{key, name, messages}]."""
    return jsonify({"robots": current_state().robots()})


@bp.get("/sandbox/robots/<key>/messages")
def robot_messages(key: str) -> Response | tuple[Response, int]:
    """What a robot posted in its group chat, oldest first."""
    messages = current_state().robot_messages(key)
    if messages is None:
        return _fail("未知机器人", 404)
    return jsonify({"key": key, "messages": messages})


@bp.post("/sandbox/chat/<userid>/send")
def send(userid: str) -> Response | tuple[Response, int]:
    """The member sends a text to the app: record it and POST the encrypted callback."""
    state = current_state()
    if state.directory.find_member(userid) is None:
        return _fail("未知成员", 404)
    body = read_json_object() or {}
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _fail("消息内容不能为空", 400)
    msg_id = state.next_msg_id()
    state.append_message(
        userid, {"from": "member", "msgtype": "text", "content": text, "msgid": msg_id}
    )
    config = state.config
    xml = build_text_xml(config.corp_id, userid, text, msg_id, config.agent_id, int(config.clock()))
    return jsonify(deliver(state, userid, xml, "text"))


def _selected_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("selected_items") or []
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and i.get("question_key")]


def _refusal(view: CardView, button: dict[str, Any] | None) -> dict[str, Any] | None:
    """Why a click on this card/button sends no callback (None when it does)."""
    if view.disabled:
        reason = view.replace_text or "已置灰"
        return {"status": 0, "ignored": True, "error": f"卡片已处理（{reason}），点击无效"}
    if button is None:
        return {"status": 0, "error": "卡片上没有这个按钮"}
    if button.get("type") == 1:
        return {
            "status": 0,
            "ignored": True,
            "url": button.get("url"),
            "error": "链接按钮不回调应用",
        }
    return None


@bp.post("/sandbox/chat/<userid>/click")
def click(userid: str) -> Response | tuple[Response, int]:
    """The member clicks a card button: fresh ResponseCode, template_card_event callback."""
    body = read_json_object() or {}
    task_id, key = body.get("task_id"), body.get("key")
    if not isinstance(task_id, str) or not isinstance(key, str):
        return _fail("task_id 和 key 必填", 400)
    state = current_state()
    found = state.card_view(task_id, userid)
    if found is None:
        return _fail("该成员没有收到这张卡片", 404)
    card_type, view = found
    button = clickable_keys(view.card).get(key)
    refusal = _refusal(view, button)
    if refusal is not None:
        return jsonify(refusal), 400 if button is None else 200
    code = state.issue_code(task_id)
    config = state.config
    xml = build_card_event_xml(
        config.corp_id,
        userid,
        config.agent_id,
        task_id,
        key,
        code,
        card_type,
        int(config.clock()),
        _selected_items(body),
    )
    click_info = {"task_id": task_id, "response_code": code}
    result = deliver(state, userid, xml, "template_card_event", click=click_info)
    return jsonify({**result, "response_code": code})
