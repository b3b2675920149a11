"""The chat page and what it (and tests) read: a member's conversation with the robot,
uploaded media, and the group chats.

What members do (`/sandbox/chat/<userid>/send`, `/click`) is delivered to the product by
the receiving side's modules; the page only calls those endpoints.
"""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template_string

from .markdown import render_markdown, render_text
from .page import PAGE_TEMPLATE
from .state import SandboxState

bp = Blueprint("dingtalk_chat", __name__)
WEB_ADDRESS = re.compile(r"https?://[^\s\"'<>]+")


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _fail(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"status": 0, "error": message}), status


@bp.get("/")
def page() -> str:
    """The chat page: conversations with the robot by department (inline CSS/JS)."""
    state = _state()
    return render_template_string(PAGE_TEMPLATE, groups=state.directory.users_by_department(),
                                  corp_id=state.config.corp_id,
                                  robot_code=state.config.robot_code)


@bp.get("/sandbox/chat/<userid>/messages")
def messages(userid: str) -> Response | tuple[Response, int]:
    """The member's conversation with the robot, oldest first; markdown and cards also
    carry `html`, what the DingTalk client would show (safe to put in a page)."""
    state = _state()
    if state.directory.user(userid) is None and not state.transcript(userid):
        return _fail("未知成员", 404)
    return jsonify({"userid": userid,
                    "messages": [_with_html(m) for m in state.transcript(userid)]})


def _with_html(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("msgtype") == "markdown" and isinstance(entry.get("content"), str):
        return {**entry, "html": render_markdown(entry["content"])}
    if entry.get("msgtype") == "card" and isinstance(entry.get("card"), dict):
        return {**entry, "html": card_html(entry["card_id"], entry["card"])}
    if entry.get("msgtype") == "text" and entry.get("from") != "user" \
            and isinstance(entry.get("content"), str):
        return {**entry, "html": render_text(entry["content"])}
    return entry


def card_html(card_id: str, card: dict[str, Any]) -> str:
    """A StandardCard as the client draws it: title, markdown and text blocks, buttons
    (whose `data-key` is the button id a press sends back)."""
    title = (card.get("header") or {}).get("title") or {}
    parts = [f'<div class="card-title">{html.escape(str(title.get("text", "")))}</div>']
    for block in card.get("contents") or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "markdown":
            parts.append(f'<div class="card-md">{render_markdown(str(block.get("text", "")))}'
                         "</div>")
        elif block.get("type") == "text":
            parts.append(f'<div class="card-md">{html.escape(str(block.get("text", "")))}</div>')
        elif block.get("type") == "action":
            parts.append('<div class="card-actions">' + "".join(
                _button(card_id, action) for action in block.get("actions") or []
                if isinstance(action, dict)) + "</div>")
    return "".join(parts)


def _button(card_id: str, action: dict[str, Any]) -> str:
    """A `request` button (a press calls the product back), or an `openLink` one: a link
    to its `url.all` (DingTalk opens it in its browser; here a new tab)."""
    label = (action.get("label") or {}).get("text", "")
    style = "primary" if action.get("status") == "primary" else "normal"
    url = str((action.get("url") or {}).get("all", "")) if isinstance(action.get("url"), dict) \
        else ""
    if action.get("actionType") == "openLink" and WEB_ADDRESS.fullmatch(url):
        return (f'<a class="card-btn link {style}" href="{html.escape(url)}" target="_blank" '
                f'rel="noopener">{html.escape(str(label))}</a>')
    return (f'<button class="card-btn {style}" data-card="{html.escape(card_id)}" '
            f'data-key="{html.escape(str(action.get("id", "")))}">'
            f"{html.escape(str(label))}</button>")


@bp.get("/sandbox/media/<media_id>")
def media(media_id: str) -> Response | tuple[Response, int]:
    """The bytes of an uploaded file (the page's <img>, tests)."""
    found = _state().media(media_id)
    if found is None:
        return _fail("未知素材", 404)
    mimetype = "image/png" if found.data.startswith(b"\x89PNG") else (
        "image/jpeg" if found.data.startswith(b"\xff\xd8") else "application/octet-stream")
    return Response(found.data, mimetype=mimetype)


@bp.get("/sandbox/groups")
def groups() -> Response:
    """The group chats the robot is in: [{openConversationId, name, messages}]."""
    return jsonify({"groups": _state().groups()})


@bp.get("/sandbox/groups/<cid>/messages")
def group_messages(cid: str) -> Response | tuple[Response, int]:
    """What the robot posted in a group, oldest first."""
    found = _state().group_messages(cid)
    if found is None:
        return _fail("未知群聊", 404)
    return jsonify({"openConversationId": cid, "messages": [_with_html(m) for m in found]})
