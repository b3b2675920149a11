"""Pure builders for the plaintext and encrypted XML that WeCom POSTs to an app callback."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner, to_text


def cdata(value: object) -> str:
    """Wrap ``value`` in CDATA, splitting any ']]>' so the XML stays well-formed."""
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{text}]]>"


def build_text_xml(
    corp_id: str, from_user: str, content: str, msg_id: int, agent_id: int, create_time: int
) -> str:
    """Plaintext XML of a member's text message to the app."""
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content>"
        f"<MsgId>{int(msg_id)}</MsgId>"
        f"<AgentID>{int(agent_id)}</AgentID></xml>"
    )


def _selected_items_xml(selected_items: Iterable[Mapping[str, object]]) -> str:
    items = []
    for item in selected_items:
        raw_ids = item.get("option_ids") or []
        ids = raw_ids if isinstance(raw_ids, list | tuple) else [raw_ids]
        options = "".join(f"<OptionId>{cdata(i)}</OptionId>" for i in ids)
        items.append(
            f"<SelectedItem><QuestionKey>{cdata(item.get('question_key', ''))}</QuestionKey>"
            f"<OptionIds>{options}</OptionIds></SelectedItem>"
        )
    return f"<SelectedItems>{''.join(items)}</SelectedItems>" if items else ""


def build_card_event_xml(
    corp_id: str,
    from_user: str,
    agent_id: int,
    task_id: str,
    event_key: str,
    response_code: str,
    card_type: str,
    create_time: int,
    selected_items: Iterable[Mapping[str, object]] | None = None,
) -> str:
    """Plaintext XML of a ``template_card_event`` (a member clicked a card button).

    ``selected_items`` is ``[{"question_key": ..., "option_ids": [...]}]`` for vote and
    multiple-choice cards; it becomes ``SelectedItems/SelectedItem/OptionIds/OptionId``.
    """
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata('event')}</MsgType>"
        f"<Event>{cdata('template_card_event')}</Event>"
        f"<EventKey>{cdata(event_key)}</EventKey>"
        f"<TaskId>{cdata(task_id)}</TaskId>"
        f"<CardType>{cdata(card_type)}</CardType>"
        f"<ResponseCode>{cdata(response_code)}</ResponseCode>"
        f"<AgentID>{int(agent_id)}</AgentID>"
        f"{_selected_items_xml(selected_items or [])}</xml>"
    )


def build_contact_xml(
    corp_id: str, create_time: int, fields: Iterable[tuple[str, object]]
) -> str:
    """Plaintext XML of a ``change_contact`` event, from the system account ``sys``.

    ``fields`` are the event's own elements in order (``ChangeType``, ``UserID``,
    ``Department`` …); WeCom sends only those that apply to the change.
    """
    body = "".join(f"<{tag}>{cdata(value)}</{tag}>" for tag, value in fields)
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName>"
        f"<FromUserName>{cdata('sys')}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata('event')}</MsgType>"
        f"<Event>{cdata('change_contact')}</Event>"
        f"{body}</xml>"
    )


def aes_key_bytes(aes_key: str) -> bytes:
    """AESKey = Base64_Decode(EncodingAESKey + '='), 32 bytes."""
    key = base64.b64decode(aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def sign(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """msg_signature: SHA1 over the sorted token, timestamp, nonce and ciphertext."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, encrypt)
    return signer.signature


def encrypt_text(plain: str, aes_key: str, corp_id: str) -> str:
    """Base64 ciphertext of random(16) + len(4) + plain + corp_id, PKCS#7 to 32 bytes."""
    return to_text(PrpCrypto(aes_key_bytes(aes_key)).encrypt(plain, corp_id))


def encrypt_callback(
    plain_xml: str,
    token: str,
    aes_key: str,
    corp_id: str,
    timestamp: str,
    nonce: str,
    agent_id: int | str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Encrypt and sign a callback exactly like WeCom: (query params, POST body bytes).

    When ``agent_id`` is None it is read from the plaintext's ``AgentID`` element.
    """
    if agent_id is None:
        agent_id = _agent_id_of(plain_xml)
    encrypt = encrypt_text(plain_xml, aes_key, corp_id)
    params = {
        "msg_signature": sign(token, str(timestamp), str(nonce), encrypt),
        "timestamp": str(timestamp),
        "nonce": str(nonce),
    }
    body = (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName>"
        f"<AgentID>{cdata(agent_id)}</AgentID>"
        f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    )
    return params, body.encode("utf-8")


def encrypt_echo(
    plain: str, token: str, aes_key: str, corp_id: str, timestamp: str, nonce: str
) -> dict[str, str]:
    """Query params of the GET URL verification; the app must answer with ``plain``."""
    echostr = encrypt_text(plain, aes_key, corp_id)
    return {
        "msg_signature": sign(token, str(timestamp), str(nonce), echostr),
        "timestamp": str(timestamp),
        "nonce": str(nonce),
        "echostr": echostr,
    }


def _agent_id_of(plain_xml: str) -> str:
    start = plain_xml.find("<AgentID>")
    end = plain_xml.find("</AgentID>", start)
    if start < 0 or end < 0:
        return ""
    value = plain_xml[start + len("<AgentID>") : end]
    return value.removeprefix("<![CDATA[").removesuffix("]]>")
