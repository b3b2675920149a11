"""Turning decrypted WeCom XML into the domain's neutral inbound messages.

wechatpy 1.8.18 knows neither `template_card_event` nor `change_contact`, so the few
fields we use are read here directly from the XML tree.
"""

from hashlib import sha1
from xml.etree.ElementTree import Element

from integrations.wecom.directory import UNREACHABLE
from tasks.messaging.inbound import CardAction, DirectoryChange, Inbound, TextMessage

USER_CHANGES = frozenset({"create_user", "update_user", "delete_user"})
PARTY_CHANGES = frozenset({"create_party", "update_party", "delete_party"})


SYSTEM_SENDER = "sys"  # FromUserName of WeCom's own events (通讯录变更)


def decode_event(root: Element) -> Inbound | None:
    """Text messages, card clicks and directory changes become inbound messages;
    everything else is ignored."""
    fields = {child.tag: (child.text or "") for child in root}
    sender = fields.get("FromUserName", "")
    if not sender:
        return None
    msg_type = fields.get("MsgType", "")
    if msg_type == "text" and fields.get("MsgId"):
        return TextMessage(key=f"msg:{fields['MsgId']}", sender=sender,
                           text=fields.get("Content", ""))
    event = fields.get("Event", "").lower()
    if msg_type == "event" and event == "template_card_event":
        return _card_action(fields, sender)
    if msg_type == "event" and event == "change_contact":
        # WeCom sends directory events from its system account; the same event from a
        # member (however it got signed) changes nothing.
        return _directory_change(fields, sender) if sender == SYSTEM_SENDER else None
    return None


def _card_action(fields: dict[str, str], sender: str) -> CardAction | None:
    card_id, action = fields.get("TaskId", ""), fields.get("EventKey", "")
    if not card_id or not action:
        return None
    # WeCom documents events as unique by sender + CreateTime; a card id and key make a
    # second click within the same second a different event.
    key = f"card:{sender}:{fields.get('CreateTime', '')}:{card_id}:{action}"
    return CardAction(key=key[:200], sender=sender, card_id=card_id, action=action,
                      response_code=fields.get("ResponseCode") or None)


def _directory_change(fields: dict[str, str], sender: str) -> DirectoryChange | None:
    """A change_contact event; one without its UserID or Id, or of a kind we do not keep
    (tags), is None.

    Elements WeCom left out are None ("unchanged"). The key is the event's time, kind and
    subject plus a digest of its content: WeCom's retry of an event is byte-identical and
    hits the inbox's unique key, while two different changes in the same second are not.
    """
    change = fields.get("ChangeType", "").strip().lower()
    digest = sha1(repr(sorted(fields.items())).encode("utf-8")).hexdigest()[:16]
    if change in USER_CHANGES:
        userid = fields.get("UserID", "").strip()
        if not userid:
            return None
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
        return DirectoryChange(
            key=_key(fields, change, department_id, digest), sender=sender, change=change,
            department_id=department_id,
            department_name=fields.get("Name", "").strip() or None,
            parent_department_id=fields.get("ParentId", "").strip() or None,
        )
    return None


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
