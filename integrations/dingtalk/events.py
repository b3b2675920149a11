"""Turning what DingTalk delivers (robot messages, card clicks, contact events; JSON in
both modes) into the domain's neutral inbound messages.

The same decoders serve the HTTP callbacks (`integrations.dingtalk.callback`) and the
Stream frames (`integrations.dingtalk.stream`), so a message has one key whichever way it
came: a robot message's key is its `msgId`, and switching modes never acts twice.

Every field used is first checked against what DingTalk documents it can send (`FIELDS`):
a signed message with a value DingTalk cannot send raises `ImpossibleField` (answered 400,
or a non-OK ACK on the Stream), so nothing stored can fail for its size or shape. A message
merely lacking what we act on (another msgtype, an event we do not keep) is None: ignored,
as WeCom's non-text messages are.
"""

import json
import re
from collections.abc import Callable, Mapping
from hashlib import sha1
from typing import Any

from tasks.messaging.inbound import CardAction, DirectoryChange, Inbound, TextMessage

PLATFORM = "dingtalk"
SYSTEM_SENDER = "sys"  # the sender of DingTalk's own events, as for WeCom's
KEY_LONGEST = 200  # the inbox's platform_key column; longer keys are digested

# DingTalk's contact events and the directory change each becomes (an upsert or a removal;
# the worker fetches the record, `DirectoryChange.lookup`).
USER_EVENTS = {"user_add_org": "update_user", "user_modify_org": "update_user",
               "user_leave_org": "delete_user"}
DEPARTMENT_EVENTS = {"org_dept_create": "update_party", "org_dept_modify": "update_party",
                     "org_dept_remove": "delete_party"}
CHECK_URL = "check_url"
IDS_LONGEST = 100  # ids one event may name; DingTalk batches contact changes in small lists

_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")  # userid: 1–64 characters (user/create)
_MSG_ID = re.compile(r"[A-Za-z0-9+/=_.:-]{1,128}")  # msgId: an opaque base64-like id
_CARD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # outTrackId = our cardBizId
_ACTION = re.compile(r"[A-Za-z0-9_.:-]{1,256}")  # a button id: our key, [A-Za-z0-9_.:-]
_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")  # msgtype, EventType, type: short names
_EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # a Stream event's eventId / messageId


class ImpossibleField(ValueError):
    """A field holds a value DingTalk cannot send; `field` names it (never its value)."""

    def __init__(self, field: str):
        super().__init__(f"{field} is not what DingTalk sends")
        self.field = field


def _number(value: Any, below: int) -> bool:
    """A non-negative integer below `below`, given as a JSON number or ASCII digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < below
    return isinstance(value, str) and 0 < len(value) <= len(str(below)) \
        and value.isascii() and value.isdigit() and int(value) < below


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and bool(pattern.fullmatch(value))


# What DingTalk documents each field to be (开放平台: 机器人接收消息, 互动卡片回调, 通讯录事件);
# a field that is present must be one of these.
FIELDS: dict[str, Callable[[Any], bool]] = {
    "msgtype": _matches(_NAME),
    "msgId": _matches(_MSG_ID),
    "createAt": lambda v: _number(v, 2**45),  # epoch milliseconds
    "conversationType": lambda v: v in ("1", "2"),  # 1 one-to-one, 2 group
    "senderStaffId": _matches(_USERID),
    "robotCode": lambda v: isinstance(v, str) and len(v) <= 128,
    "text": lambda v: isinstance(v, dict) and isinstance(v.get("content", ""), str),
    "outTrackId": _matches(_CARD_ID),
    "userId": _matches(_USERID),
    "type": _matches(_NAME),
    "content": lambda v: isinstance(v, str) and len(v) <= 64 * 1024,
    "EventType": _matches(_NAME),
}


def _check(data: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if name in data and not FIELDS[name](data[name]):
            raise ImpossibleField(name)


def _object(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ImpossibleField("body")
    return data


def robot_message(data: Any) -> TextMessage | None:
    """A robot message (`/v1.0/im/bot/messages/get`, or the HTTP callback's body): a text
    becomes a `TextMessage` keyed by its msgId; other msgtypes (pictures, files, rich
    text) are ignored, as WeCom's are."""
    data = _object(data)
    _check(data, "msgtype", "msgId", "createAt", "conversationType", "senderStaffId",
           "robotCode", "text")
    sender, msg_id = data.get("senderStaffId", ""), data.get("msgId", "")
    if data.get("msgtype") != "text" or not sender or not msg_id:
        return None
    text = data.get("text", {}).get("content", "")
    return TextMessage.received(msg_id, sender, text.strip(), platform=PLATFORM)


def card_callback(data: Any, delivery: str) -> CardAction | None:
    """A card click (`/v1.0/card/instances/callback`, or the HTTP card callback).

    `delivery` tells two clicks apart (the Stream frame's messageId, which a redelivery
    keeps; in http mode the signed timestamp): the body alone is the same for two presses
    of one button. The update handle is the card's cardBizId (reusable)."""
    data = _object(data)
    _check(data, "outTrackId", "userId", "type", "content")
    if data.get("type", "actionCallback") != "actionCallback":
        return None
    card_id, sender = data.get("outTrackId", ""), data.get("userId", "")
    if not card_id or not sender:
        return None
    action = _action(data.get("content", ""))
    if action is None:
        return None
    key = _bounded(f"card:{sender}:{card_id}:{action}:{delivery}")
    return CardAction(key=key, sender=sender, card_id=card_id, action=action,
                      response_code=card_id, platform=PLATFORM)


def _action(content: str) -> str | None:
    """The pressed button's id from the click's `content` (a JSON string)."""
    if not content:
        return None
    try:
        parsed = json.loads(content)
    except ValueError as error:
        raise ImpossibleField("content") from error
    private = parsed.get("cardPrivateData") if isinstance(parsed, dict) else None
    if not isinstance(private, dict):
        return None
    actions = private.get("actionIds")
    if not isinstance(actions, list) or not actions:
        return None
    if not all(isinstance(a, str) and _ACTION.fullmatch(a) for a in actions):
        raise ImpossibleField("actionIds")
    return str(actions[0])


def contact_event(event_type: str, data: Any, event_key: str) -> list[DirectoryChange]:
    """A contact event (HTTP push or Stream EVENT): one `DirectoryChange` per id named,
    with `lookup` set, since DingTalk names only who or what changed. DingTalk's event
    pages (企业增加员工事件, 通讯录用户更改, 通讯录用户离职, 通讯录企业部门创建/修改) name the
    ids `userId` / `deptId` in both the Stream data and the current HTTP push; the older
    HTTP push (DingTalk-Callback-Crypto's README) names them `UserId` / `DeptId`.

    `event_key` identifies the event (its Stream eventId, or the push's type and time), so
    a redelivery hits the inbox's unique key; events we do not keep give []."""
    data = _object(data)
    if not _NAME.fullmatch(event_type or ""):
        raise ImpossibleField("EventType")
    if event_type in USER_EVENTS:
        ids = _ids(data, ("UserId", "userId"), _USERID, "UserId")
        change = USER_EVENTS[event_type]
        return [DirectoryChange(key=_bounded(f"contact:{event_key}:{userid}"),
                                sender=SYSTEM_SENDER, change=change, userid=userid,
                                platform=PLATFORM, lookup=True) for userid in ids]
    if event_type in DEPARTMENT_EVENTS:
        ids = _ids(data, ("DeptId", "deptId"), None, "DeptId")
        change = DEPARTMENT_EVENTS[event_type]
        return [DirectoryChange(key=_bounded(f"contact:{event_key}:{dept}"),
                                sender=SYSTEM_SENDER, change=change, department_id=dept,
                                platform=PLATFORM, lookup=True) for dept in ids]
    return []


def _ids(data: Mapping[str, Any], names: tuple[str, ...], pattern: re.Pattern[str] | None,
         field: str) -> list[str]:
    """The ids an event names: userids, or department ids (32-bit numbers)."""
    raw: Any = next((data[name] for name in names if name in data), [])
    if not isinstance(raw, list) or len(raw) > IDS_LONGEST:
        raise ImpossibleField(field)
    ids: list[str] = []
    for value in raw:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        ok = isinstance(text, str) and (bool(pattern.fullmatch(text)) if pattern
                                        else _number(text, 2**32))
        if not ok:
            raise ImpossibleField(field)
        if text not in ids:
            ids.append(text)
    return ids


def event_key(data: Mapping[str, Any], event_type: str) -> str:
    """The key of an HTTP-pushed event: its `eventId` when it carries one (DingTalk's
    current push does, the same id as the Stream's, so switching modes never acts twice);
    else, for the older push (`{"EventType","UserId","TimeStamp","CorpId"}`), its type, time
    and a digest of its content (a retried push is byte-identical; two changes in the same
    millisecond are not)."""
    event_id = data.get("eventId")
    if isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id):
        return event_id
    stamp = data.get("TimeStamp", data.get("timeStamp", ""))
    if not _number(stamp, 2**45):
        stamp = ""
    digest = sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f"{event_type}:{stamp}:{digest.hexdigest()[:16]}"


def stream_event_key(event_id: str | None) -> str:
    """The key of a Stream event: its eventId, which a redelivery keeps."""
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise ImpossibleField("eventId")
    return event_id


def _bounded(key: str) -> str:
    """A key too long for the inbox keeps its readable head and ends in a digest of the
    whole, so two keys differing only past the cut stay two."""
    if len(key) <= KEY_LONGEST:
        return key
    return f"{key[:KEY_LONGEST - 41]}:{sha1(key.encode('utf-8')).hexdigest()}"


def decode(kind: str, data: Any, delivery: str) -> list[Inbound]:
    """Dispatch on what arrived: "robot", "card" (with its delivery id), or an event type
    (with its event key)."""
    if kind == "robot":
        message = robot_message(data)
        return [message] if message else []
    if kind == "card":
        action = card_callback(data, delivery)
        return [action] if action else []
    return list(contact_event(kind, data, delivery))
