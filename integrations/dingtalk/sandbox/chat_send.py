"""What a member does in the sandbox, delivered to the product as DingTalk would: typing to
the robot (`POST /sandbox/chat/<userid>/send {"text"}`), pressing a card button
(`POST /sandbox/chat/<userid>/click {"card_id", "key"}`), and contact events
(`SandboxState.directory_changed`, or `POST /sandbox/control/push-event`).

By `config.mode`: `stream` pushes a frame over the product's Stream connection
(`gateway.py`) and answers with the frame's ACK code; `http` POSTs (`push.py`) and answers
with the product's HTTP status. Either way the answer, `{"status": …, "msgId": …}`, comes
once the product answered or after 10 s (status 0: no answer yet; a Stream frame not
acknowledged stays queued and is delivered again).
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from . import push
from .gateway import ACK_WAIT, StreamGateway
from .state import SandboxState

bp = Blueprint("dingtalk_chat_send", __name__)
ROBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _wait(gateway: StreamGateway, frame: Any) -> int:
    """The frame's last ACK code, waiting at most `ACK_WAIT` (a dropped client reconnects
    and gets it); 0 at once when no product ever connected (the frame stays queued and goes
    out when one connects)."""
    if not gateway.ever_connected():
        return 0
    frame.acked.wait(ACK_WAIT)
    return frame.codes[-1] if frame.codes else 0


def robot_message(state: SandboxState, userid: str, text: str) -> dict[str, Any]:
    """The robot message DingTalk delivers when `userid` types `text` in the one-to-one
    chat with the robot (机器人接收消息: the same JSON in both modes)."""
    config = state.config
    now_ms = int(config.clock() * 1000)
    msg_id = "msg" + base64.b64encode(uuid.uuid4().bytes).decode()
    return {"msgtype": "text", "text": {"content": text}, "msgId": msg_id, "createAt": now_ms,
            "conversationType": "1", "conversationId": f"cid{uuid.uuid4().hex[:20]}",
            "senderId": f"$:LWCP_v1:${userid}", "senderNick": userid,
            "senderCorpId": config.corp_id, "senderStaffId": userid,
            "chatbotUserId": f"$:LWCP_v1:${config.robot_code}", "chatbotCorpId": config.corp_id,
            "robotCode": config.robot_code or config.app_key,
            "sessionWebhook": "http://127.0.0.1/robot/sendBySession?session=sandbox",
            "sessionWebhookExpiredTime": now_ms + 90 * 60 * 1000, "isAdmin": False,
            "atUsers": []}


def card_click(state: SandboxState, userid: str, card_id: str, key: str) -> dict[str, Any]:
    """The card callback DingTalk delivers when `userid` presses button `key`."""
    content = {"cardPrivateData": {"actionIds": [key], "params": {}}}
    return {"outTrackId": card_id, "corpId": state.config.corp_id, "userId": userid,
            "content": json.dumps(content), "extension": "{}", "type": "actionCallback",
            "spaceType": "im", "spaceId": f"dtv1.card//im.{userid}"}


def deliver(app: Any, kind: str, data: dict[str, Any]) -> tuple[int, str]:
    """Deliver a robot message ("robot") or card click ("card") by mode: (status, id)."""
    state: SandboxState = app.extensions["sandbox"]
    gateway: StreamGateway = app.extensions["dingtalk_gateway"]
    if state.config.mode == "http":
        if kind == "robot":
            return push.post_robot_message(state.config, data), str(data.get("msgId", ""))
        _url, registered = state.card_callback(str(data.get("outTrackId", "")))
        if registered is None:  # the card names no callbackUrl ("不填则无需回调"), or one
            return 0, ""        # never registered: DingTalk has nowhere to send the click
        return push.post_card_click(state.config, data, registered), ""
    topic = ROBOT_TOPIC if kind == "robot" else CARD_TOPIC
    frame = gateway.push("CALLBACK", topic, data)
    return _wait(gateway, frame), str(data.get("msgId") or frame.message_id)


def push_event(app: Any, event_type: str, user_ids: list[str], dept_ids: list[str]) -> int:
    """DingTalk's contact event, by mode: an EVENT frame, or the encrypted POST."""
    state: SandboxState = app.extensions["sandbox"]
    config = state.config
    now_ms = int(config.clock() * 1000)
    event_id = uuid.uuid4().hex
    # The shapes of DingTalk's event pages (企业增加员工事件, 通讯录用户离职, 通讯录企业部门创建
    # …): ids under `userId` / `deptId`, the time as a string `timeStamp`.
    data: dict[str, Any] = {}
    if user_ids:
        data = {"timeStamp": str(now_ms), "userId": user_ids}
    if dept_ids:
        data["deptId"] = [int(d) if d.isdigit() else d for d in dept_ids]
    if config.mode == "http":
        event: dict[str, Any] = {"EventType": event_type, "EventTime": now_ms,
                                 "CorpId": config.corp_id, "BizId": event_id,
                                 "eventId": event_id, **data}
        return push.post_event(config, event)
    gateway: StreamGateway = app.extensions["dingtalk_gateway"]
    frame = gateway.push("EVENT", event_type, data, headers={
        "eventType": event_type, "eventId": event_id, "eventCorpId": config.corp_id,
        "eventBornTime": now_ms, "eventUnifiedAppId": config.app_key})
    return _wait(gateway, frame)


def _listen(setup: BlueprintSetupState) -> None:
    app = setup.app
    app.extensions["sandbox"].add_directory_listener(
        lambda event_type, users, depts: push_event(app, event_type, users, depts))


bp.record_once(_listen)


@bp.post("/sandbox/chat/<userid>/send")
def send(userid: str) -> Any:
    body = request.get_json(silent=True) or {}
    text = body.get("text")
    if not isinstance(text, str) or not text:
        return jsonify({"status": 0, "error": "text required"}), 400
    state = _state()
    data = robot_message(state, userid, text)
    state.append_message(userid, {"from": "user", "msgtype": "text", "content": text,
                                  "msgId": data["msgId"]})
    status, msg_id = deliver(current_app, "robot", data)
    return jsonify({"status": status, "msgId": msg_id})


@bp.post("/sandbox/chat/<userid>/click")
def click(userid: str) -> Any:
    body = request.get_json(silent=True) or {}
    card_id, key = body.get("card_id"), body.get("key")
    if not isinstance(card_id, str) or not isinstance(key, str) or not card_id or not key:
        return jsonify({"status": 0, "error": "card_id and key required"}), 400
    status, msg_id = deliver(current_app, "card", card_click(_state(), userid, card_id, key))
    return jsonify({"status": status, "msgId": msg_id})


@bp.post("/sandbox/control/push-event")
def push_event_now() -> Any:
    """`{"EventType", "UserId": [...], "DeptId": [...]}`: push a contact event as is."""
    body = request.get_json(silent=True) or {}
    event_type = body.get("EventType")
    if not isinstance(event_type, str):
        return jsonify({"status": 0, "error": "EventType required"}), 400
    users = [str(u) for u in body.get("UserId") or []]
    depts = [str(d) for d in body.get("DeptId") or []]
    return jsonify({"status": push_event(current_app, event_type, users, depts)})
