"""Deliver encrypted callbacks to the product and apply any passive reply it returns."""

from __future__ import annotations

import secrets
from typing import Any

import requests
import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto

from .envelope import encrypt_callback, encrypt_echo
from .state import SandboxState

CALLBACK_TIMEOUT = 5.0


def _nonce() -> str:
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def post_callback(state: SandboxState, plain_xml: str) -> tuple[dict[str, Any], str]:
    """POST one encrypted callback; returns ({"status": http or 0, ...}, response text)."""
    config = state.config
    params, body = encrypt_callback(
        plain_xml,
        config.token,
        config.aes_key,
        config.corp_id,
        str(int(config.clock())),
        _nonce(),
        config.agent_id,
    )
    try:
        response = requests.post(
            config.callback_url,
            params=params,
            data=body,
            headers={"Content-Type": "text/xml"},
            timeout=CALLBACK_TIMEOUT,
        )
    except requests.RequestException as exc:
        return {"status": 0, "error": f"回调地址无法访问: {exc.__class__.__name__}: {exc}"}, ""
    return {"status": response.status_code}, response.text


def decrypt_passive_reply(state: SandboxState, text: str) -> dict[str, Any] | None:
    """The plaintext reply the product answered with, or None for an empty/'success' ack.

    Raises ValueError when the body is neither empty nor a valid encrypted reply.
    """
    stripped = text.strip()
    if stripped in ("", "success"):
        return None
    config = state.config
    crypto = WeChatCrypto(config.token, config.aes_key, config.corp_id)
    try:
        envelope = xmltodict.parse(stripped)["xml"]
        plain = crypto.decrypt_message(
            envelope, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
        )
        return xmltodict.parse(plain)["xml"]
    except Exception as exc:  # any malformed reply is reported, never raised
        raise ValueError(f"被动回复无法解密: {exc.__class__.__name__}") from exc


def apply_passive_reply(
    state: SandboxState, userid: str, reply: dict[str, Any], click: dict[str, str] | None
) -> str:
    """Show a decrypted passive reply to ``userid``; returns its MsgType.

    ``text`` becomes an app message; ``update_button`` (only after a card click) greys
    the clicking member's card and consumes that click's ResponseCode.
    """
    msgtype = str(reply.get("MsgType") or "")
    if msgtype == "text":
        state.append_message(
            userid,
            {
                "from": "app",
                "msgtype": "text",
                "passive": True,
                "content": str(reply.get("Content") or ""),
                "msgid": secrets.token_urlsafe(32),
            },
        )
    elif msgtype == "update_button" and click is not None:
        button = reply.get("Button") or {}
        name = button.get("ReplaceName") if isinstance(button, dict) else None
        state.update_card(click["response_code"], [userid], replace_name=str(name or ""))
    return msgtype


def deliver(
    state: SandboxState,
    userid: str,
    plain_xml: str,
    kind: str,
    click: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Send a callback for ``userid``, handle the passive reply, log and return the result."""
    result, text = post_callback(state, plain_xml)
    if result["status"] == 200:
        try:
            reply = decrypt_passive_reply(state, text)
            if reply is not None:
                result["passive_reply"] = apply_passive_reply(state, userid, reply, click)
        except ValueError as exc:
            result["passive_reply_error"] = str(exc)
    state.log_callback({"kind": kind, "userid": userid, **result})
    return result


def verify_url(state: SandboxState) -> dict[str, Any]:
    """The GET URL verification WeCom does when the admin saves the callback config."""
    config = state.config
    plain = str(secrets.randbelow(10**18))
    params = encrypt_echo(
        plain, config.token, config.aes_key, config.corp_id, str(int(config.clock())), _nonce()
    )
    try:
        response = requests.get(config.callback_url, params=params, timeout=CALLBACK_TIMEOUT)
    except requests.RequestException as exc:
        return {"status": 0, "ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    ok = response.status_code == 200 and response.text == plain
    result = {
        "status": response.status_code,
        "ok": ok,
        "expected": plain,
        "body": response.text[:200],
    }
    state.log_callback(
        {"kind": "verify_url", "userid": "", "status": response.status_code, "ok": ok}
    )
    return result
