"""Turning decrypted WeCom XML into the domain's neutral inbound messages.

wechatpy 1.8.18 knows neither `template_card_event` nor `change_contact`, so the few
fields we use are read here directly from the XML tree.

Every field a message carries is checked against what WeCom documents it can send
(`FIELDS`) before anything is built from it: a signed message with a value WeCom cannot
send (a 70-character userid, a 300-digit MsgId) raises `ImpossibleField`, which the
callback answers 400, so nothing that could not fit its column or be read by the worker
is ever stored. A message merely lacking what we act on is ignored, as before.
"""

import re
from collections.abc import Callable
from hashlib import sha1
from xml.etree.ElementTree import Element

from integrations.wecom.directory import UNREACHABLE
from tasks.messaging.inbound import CardAction, DirectoryChange, Inbound, TextMessage

USER_CHANGES = frozenset({"create_user", "update_user", "delete_user"})
PARTY_CHANGES = frozenset({"create_party", "update_party", "delete_party"})


SYSTEM_SENDER = "sys"  # FromUserName of WeCom's own events (通讯录变更)
KEY_LONGEST = 200  # the inbox's platform_key column; longer card keys are digested

_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")  # 成员UserID: 1–64 of letters, digits, _-@.
_TOKEN = re.compile(r"[A-Za-z0-9_]{1,64}")  # MsgType, Event, ChangeType: short names
_CARD_TASK_ID = re.compile(r"[A-Za-z0-9_@-]{1,128}")  # template card task_id: ≤ 128 of _-@


class ImpossibleField(ValueError):
    """A field holds a value WeCom cannot send; `field` names it (never its value)."""

    def __init__(self, field: str):
        super().__init__(f"{field} is not what WeCom sends")
        self.field = field


def _number(value: str, below: int) -> bool:
    """ASCII digits of a number in [0, below): `str.isdigit` alone takes "²"."""
    return 0 < len(value) <= len(str(below)) and value.isascii() and value.isdigit() \
        and int(value) < below


def _text(value: str, longest: int) -> bool:
    """Text of at most `longest` characters (XML already excludes control characters)."""
    return len(value) <= longest


def _bytes(value: str, longest: int) -> bool:
    """Text of at most `longest` UTF-8 bytes (WeCom states some limits in bytes)."""
    return len(value.encode("utf-8")) <= longest


# What WeCom documents each field to be (企业微信 开发者中心: 接收消息与事件, 模板卡片事件,
# 通讯录变更事件, 成员/部门管理); a field that is present must be one of these.
FIELDS: dict[str, Callable[[str], bool]] = {
    "FromUserName": lambda v: bool(_USERID.fullmatch(v)),
    "MsgId": lambda v: _number(v, 2**64),  # a 64-bit integer
    "CreateTime": lambda v: _number(v, 2**40),  # epoch seconds
    "AgentID": lambda v: v == "" or _number(v, 2**32),
    "MsgType": lambda v: bool(_TOKEN.fullmatch(v)),
    "Event": lambda v: bool(_TOKEN.fullmatch(v)),
    "ChangeType": lambda v: bool(_TOKEN.fullmatch(v)),
    "TaskId": lambda v: bool(_CARD_TASK_ID.fullmatch(v)),  # template card task_id
    "EventKey": lambda v: 0 < len(v) and _bytes(v, 1024) and v.isprintable(),  # button key
    "ResponseCode": lambda v: _text(v, 256) and v.isascii() and v.isprintable(),
    "UserID": lambda v: bool(_USERID.fullmatch(v.strip())),
    "NewUserID": lambda v: v.strip() == "" or bool(_USERID.fullmatch(v.strip())),
    "Position": lambda v: _text(v.strip(), 128),  # 职务: 0–128 characters
}
# Fields whose meaning depends on the event: a member's name or a department's.
_USER_NAME_LONGEST = 64  # 成员名称: 1–64 UTF-8 characters
_PARTY_NAME_LONGEST = 64  # 部门名称: 1–64 UTF-8 characters
_PARTY_ID_BELOW = 2**32  # 部门id: a 32-bit integer


def _check(fields: dict[str, str], *tags: str) -> None:
    """Raise `ImpossibleField` for the first present field whose value WeCom cannot send."""
    for tag in tags:
        if tag in fields and not FIELDS[tag](fields[tag]):
            raise ImpossibleField(tag)


def decode_event(root: Element) -> Inbound | None:
    """Text messages, card clicks and directory changes become inbound messages;
    everything else is ignored. Raises `ImpossibleField` for a value WeCom cannot send."""
    fields = {str(child.tag): (child.text or "") for child in root}
    _check(fields, "FromUserName", "MsgId", "CreateTime", "AgentID", "MsgType", "Event")
    sender = fields.get("FromUserName", "")
    if not sender:
        return None
    msg_type = fields.get("MsgType", "")
    if msg_type == "text" and fields.get("MsgId"):
        return TextMessage.received(f"msg:{fields['MsgId']}", sender,
                                    fields.get("Content", ""))
    event = fields.get("Event", "").lower()
    if msg_type == "event" and event == "template_card_event":
        return _card_action(fields, sender)
    if msg_type == "event" and event == "change_contact":
        # WeCom sends directory events from its system account; the same event from a
        # member (however it got signed) changes nothing.
        return _directory_change(fields, sender) if sender == SYSTEM_SENDER else None
    return None


def _card_action(fields: dict[str, str], sender: str) -> CardAction | None:
    _check(fields, "TaskId", "EventKey", "ResponseCode")
    card_id, action = fields.get("TaskId", ""), fields.get("EventKey", "")
    if not card_id or not action:
        return None
    # WeCom documents events as unique by sender + CreateTime; a card id and key make a
    # second click within the same second a different event. A key too long for the
    # inbox keeps its readable head and ends in a digest of the whole, so two clicks
    # differing only past the cut stay two events.
    key = f"card:{sender}:{fields.get('CreateTime', '')}:{card_id}:{action}"
    if len(key) > KEY_LONGEST:
        key = f"{key[:KEY_LONGEST - 41]}:{sha1(key.encode('utf-8')).hexdigest()}"
    return CardAction(key=key, sender=sender, card_id=card_id, action=action,
                      response_code=fields.get("ResponseCode") or None)


def _directory_change(fields: dict[str, str], sender: str) -> DirectoryChange | None:
    """A change_contact event; one without its UserID or Id, or of a kind we do not keep
    (tags), is None.

    Elements WeCom left out are None ("unchanged"). The key is the event's time, kind and
    subject plus a digest of its content: WeCom's retry of an event is byte-identical and
    hits the inbox's unique key, while two different changes in the same second are not.
    """
    _check(fields, "ChangeType")
    change = fields.get("ChangeType", "").strip().lower()
    digest = sha1(repr(sorted(fields.items())).encode("utf-8")).hexdigest()[:16]
    if change in USER_CHANGES:
        userid = fields.get("UserID", "").strip()
        if not userid:
            return None
        _check(fields, "UserID", "NewUserID", "Position")
        _check_name(fields, _USER_NAME_LONGEST)
        departments = _ids(fields["Department"]) if "Department" in fields else None
        return DirectoryChange(
            key=_key(fields, change, userid, digest), sender=sender, change=change,
            userid=userid,
            new_userid=fields.get("NewUserID", "").strip() or None,
            name=fields.get("Name", "").strip() or None,
            position=fields["Position"].strip() if "Position" in fields else None,
            department_ids=departments,
            leads_department_ids=_leads(departments, fields.get("IsLeaderInDept")),
            disabled=_disabled(fields.get("Status")),
        )
    if change in PARTY_CHANGES:
        department_id = fields.get("Id", "").strip()
        if not department_id:
            return None
        for tag in ("Id", "ParentId"):
            value = fields.get(tag, "").strip()
            if value and not _number(value, _PARTY_ID_BELOW):
                raise ImpossibleField(tag)
        _check_name(fields, _PARTY_NAME_LONGEST)
        return DirectoryChange(
            key=_key(fields, change, department_id, digest), sender=sender, change=change,
            department_id=department_id,
            department_name=fields.get("Name", "").strip() or None,
            parent_department_id=fields.get("ParentId", "").strip() or None,
        )
    return None


def _check_name(fields: dict[str, str], longest: int) -> None:
    if not _text(fields.get("Name", "").strip(), longest):
        raise ImpossibleField("Name")


def _disabled(status: str | None) -> bool | None:
    """Status 2 (禁用) or 5 (退出企业) means the person can no longer be reached, as in a
    full sync; 1 (已激活) and 4 (未激活) mean they can; absent or unknown means unchanged."""
    code = (status or "").strip()
    if not code.isdigit() or int(code) not in (1, 4, *UNREACHABLE):
        return None
    return int(code) in UNREACHABLE


def _key(fields: dict[str, str], change: str, subject: str, digest: str) -> str:
    return f"contact:{fields.get('CreateTime', '')[:20]}:{change}:{subject[:64]}:{digest}"


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _leads(departments: tuple[str, ...] | None, flags: str | None) -> tuple[str, ...] | None:
    """The departments led, from IsLeaderInDept's 0/1 flags aligned with Department.

    Flags without the departments they belong to cannot be placed, so they count as
    "not given"; departments without flags leave the leader flags to the receiver.
    """
    if departments is None or flags is None:
        return None
    return tuple(dept for dept, flag in zip(departments, _ids(flags), strict=False)
                 if flag == "1")
