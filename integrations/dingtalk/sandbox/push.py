"""The sandbox's HTTP push (http mode): what DingTalk POSTs to the product.

Written from DingTalk's documents, not from the product's verifier, so that a mistake in
one is not mirrored by the other:

- robot messages to `callback_url`, card clicks to the card's registered `callbackUrl`,
  with headers `timestamp` (ms) and `sign` = Base64(HmacSHA256(secret, timestamp + "\\n"
  + secret)), the secret being the AppSecret (for a card: the registered api_secret);
- events to `events_url?msg_signature=&timestamp=&nonce=` with body `{"encrypt": …}`
  (DingTalk-Callback-Crypto's scheme; the owner key is the AppKey); the product's answer
  must decrypt to `success`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
from typing import Any

import requests
from wechatpy.crypto import PrpCrypto

from .config import SandboxConfig

TIMEOUT = 10.0


def sign(config: SandboxConfig, timestamp: str, secret_text: str | None = None) -> str:
    secret = (secret_text or config.app_secret).encode("utf-8")
    digest = hmac.new(secret, f"{timestamp}\n".encode() + secret, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _signed_post(config: SandboxConfig, url: str, data: dict[str, Any],
                 secret: str | None = None) -> int:
    timestamp = str(int(config.clock() * 1000))
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(url, data=body, timeout=TIMEOUT, headers={
            "Content-Type": "application/json; charset=utf-8", "timestamp": timestamp,
            "sign": sign(config, timestamp, secret)})
    except requests.RequestException:
        return 0  # the product did not answer
    return response.status_code


def post_robot_message(config: SandboxConfig, data: dict[str, Any]) -> int:
    """POST a robot message; the product's HTTP status (0: no answer)."""
    return _signed_post(config, config.callback_url, data)


def post_card_click(config: SandboxConfig, data: dict[str, Any],
                    registered: tuple[str, str]) -> int:
    """POST a card click to the card's registered callbackUrl, signed like a robot message
    with the api_secret registered for it (the AppSecret when none was); the product's
    HTTP status. (How DingTalk authenticates this POST is not documented: see
    docs/dingtalk.md, "Not verified".)"""
    url, secret = registered
    return _signed_post(config, url, data, secret or None)


def encrypt(config: SandboxConfig, plain: str) -> str:
    key = base64.b64decode(config.aes_key + "=")
    return bytes(PrpCrypto(key).encrypt(plain, config.app_key)).decode("ascii")


def decrypt(config: SandboxConfig, encrypted: str) -> str:
    key = base64.b64decode(config.aes_key + "=")
    return str(PrpCrypto(key).decrypt(encrypted, config.app_key))


def event_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def post_event(config: SandboxConfig, event: dict[str, Any]) -> int:
    """POST an encrypted event; its HTTP status, or 502 when the answer is not the signed,
    encrypted `success` DingTalk requires (DingTalk then counts the push as failed)."""
    timestamp = str(int(config.clock() * 1000))
    nonce = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8))
    encrypted = encrypt(config, json.dumps(event, ensure_ascii=False))
    params = {"msg_signature": event_signature(config.token, timestamp, nonce, encrypted),
              "timestamp": timestamp, "nonce": nonce}
    try:
        response = requests.post(config.events_url, params=params, json={"encrypt": encrypted},
                                 timeout=TIMEOUT)
    except requests.RequestException:
        return 0
    if response.status_code != 200:
        return response.status_code
    try:
        answer = response.json()
        expected = event_signature(config.token, str(answer["timeStamp"]), answer["nonce"],
                                   answer["encrypt"])
        good = (hmac.compare_digest(expected, answer["msg_signature"])
                and decrypt(config, answer["encrypt"]) == "success")
    except Exception:  # noqa: BLE001 - any malformed answer is a failed push
        good = False
    return 200 if good else 502
