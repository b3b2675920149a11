"""Turning decrypted WeCom XML into the domain's neutral inbound messages.

wechatpy 1.8.18 knows no `template_card_event`, so the few fields we use are read here
directly from the XML tree.
"""

from xml.etree.ElementTree import Element

from tasks.inbound import CardAction, Inbound, TextMessage


def decode_event(root: Element) -> Inbound | None:
    """Text messages and card clicks become inbound messages; everything else is ignored."""
    fields = {child.tag: (child.text or "") for child in root}
    sender = fields.get("FromUserName", "")
    if not sender:
        return None
    msg_type = fields.get("MsgType", "")
    if msg_type == "text" and fields.get("MsgId"):
        return TextMessage(key=f"msg:{fields['MsgId']}", sender=sender,
                           text=fields.get("Content", ""))
    if msg_type == "event" and fields.get("Event", "").lower() == "template_card_event":
        return _card_action(fields, sender)
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
