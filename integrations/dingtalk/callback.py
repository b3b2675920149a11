"""Verifying and decoding what DingTalk POSTs in http mode: robot messages, card clicks
and the encrypted event subscription.

- Robot messages (`/dingtalk/callback`) and card clicks (`/dingtalk/card`) carry headers
  `timestamp` (ms) and `sign` = Base64(HmacSHA256(key=AppSecret, msg=timestamp+"\\n"+
  AppSecret)) (开放平台, 机器人接收消息). The sign covers the time, not the body, so the
  freshness window is ours (`max_age`, 5 minutes, stricter than DingTalk's own hour), and
  the web side lets one sign carry one body only (`webapp.dingtalk`).
- Events (`/dingtalk/events?msg_signature=&timestamp=&nonce=`, body `{"encrypt"}`) use
  WeCom's scheme with a JSON envelope and the AppKey as owner key
  (github.com/open-dingtalk/DingTalk-Callback-Crypto): SHA-1 over the sorted token,
  timestamp, nonce and ciphertext; AES-256-CBC with the key from the 43-character aes_key,
  PKCS#7 to 32 bytes, plaintext = 16 random bytes, 4-byte length, message, owner key.
  wechatpy's `PrpCrypto` implements exactly that (checked against DingTalk's published
  vector in tests/unit/test_dingtalk_callback.py). The answer is the encrypted literal
  `success`.

Everything refused raises `CallbackRefused` with the HTTP status to answer (400 malformed,
403 untrusted); nothing refused ever reaches storage.
"""

import base64
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from wechatpy.crypto import PrpCrypto

from integrations.dingtalk.events import (
    CHECK_URL,
    ImpossibleField,
    card_callback,
    contact_event,
    event_key,
    robot_message,
)
from integrations.platform import CALLBACK_BODY_LONGEST
from tasks.messaging.inbound import CardAction, Inbound, TextMessage

ENCRYPT_LONGEST = 64 * 1024  # an event's ciphertext: a few hundred bytes in practice
_NONCE = string.ascii_letters + string.digits


class CallbackRefused(Exception):
    """A request we will not act on; `status` is 400 for malformed, 403 for untrusted."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class DingTalkVerifier:
    """Checks what DingTalk sends in http mode, for one app (AppKey, AppSecret) and its
    event subscription (token, aes_key)."""

    def __init__(self, app_key: str, app_secret: str, token: str, aes_key: str, *,
                 max_age: timedelta = timedelta(minutes=5),
                 max_body: int = CALLBACK_BODY_LONGEST) -> None:
        self.app_key, self.token = app_key, token
        self._secret = app_secret.encode("utf-8")
        self.max_age, self.max_body = max_age, max_body
        self._crypto = PrpCrypto(base64.b64decode(aes_key + "=")) if aes_key else None

    # -- robot messages and card clicks (signed headers) -----------------------------------

    def robot_message(self, headers: Mapping[str, str], body: bytes,
                      now: datetime) -> TextMessage | None:
        """A genuine robot message, decoded; None for a msgtype we ignore."""
        data = self._signed_json(headers, body, now)
        try:
            return robot_message(data)
        except ImpossibleField as error:
            raise CallbackRefused(400, str(error)) from error

    def card_action(self, headers: Mapping[str, str], body: bytes,
                    now: datetime) -> CardAction | None:
        """A genuine card click, decoded; its signed timestamp tells two presses apart."""
        data = self._signed_json(headers, body, now)
        try:
            return card_callback(data, headers.get("timestamp", ""))
        except ImpossibleField as error:
            raise CallbackRefused(400, str(error)) from error

    def signature(self, timestamp: str) -> str:
        """The `sign` DingTalk computes for `timestamp` (ms)."""
        message = f"{timestamp}\n".encode() + self._secret
        return base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()

    def _signed_json(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Any:
        if len(body) > self.max_body:
            raise CallbackRefused(400, "body too large")
        timestamp, sign = headers.get("timestamp", ""), headers.get("sign", "")
        if not (_short_ascii(timestamp, 16) and timestamp.isdigit() and _short_ascii(sign)):
            raise CallbackRefused(400, "missing or malformed timestamp/sign headers")
        self._check_age(int(timestamp) / 1000, now)
        if not hmac.compare_digest(self.signature(timestamp).encode(), sign.encode()):
            raise CallbackRefused(403, "bad signature")
        return _parse_json(body)

    # -- the event subscription (encrypted) -----------------------------------------------

    def events(self, params: Mapping[str, str], body: bytes,
               now: datetime) -> tuple[str, list[Inbound]]:
        """A genuine event push: its EventType and what it becomes (`check_url`, and events
        we do not keep, become nothing)."""
        if len(body) > self.max_body:
            raise CallbackRefused(400, "body too large")
        if self._crypto is None:
            raise CallbackRefused(403, "no event subscription configured")
        signature = params.get("msg_signature") or params.get("signature", "")
        timestamp = params.get("timestamp") or params.get("timeStamp", "")
        nonce = params.get("nonce", "")
        if not (_short_ascii(signature) and _short_ascii(nonce)
                and _short_ascii(timestamp, 16) and timestamp.isdigit()):
            raise CallbackRefused(400, "missing or malformed msg_signature/timestamp/nonce")
        self._check_age(_seconds(int(timestamp)), now)
        data = _parse_json(body)
        encrypted = data.get("encrypt") if isinstance(data, dict) else None
        if not isinstance(encrypted, str) or not _short_ascii(encrypted, ENCRYPT_LONGEST):
            raise CallbackRefused(400, "no encrypt field")
        expected = _sha1_signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected, signature.lower()):
            raise CallbackRefused(403, "bad signature")
        plain = self._decrypt(encrypted)
        event = _parse_json(plain.encode("utf-8"))
        if not isinstance(event, dict) or not isinstance(event.get("EventType"), str):
            raise CallbackRefused(400, "no EventType")
        event_type = event["EventType"]
        if event_type == CHECK_URL:
            return event_type, []
        try:
            return event_type, list(contact_event(event_type, event,
                                                  event_key(event, event_type)))
        except ImpossibleField as error:
            raise CallbackRefused(400, str(error)) from error

    def success(self, now: datetime, nonce: str | None = None) -> dict[str, str]:
        """The answer DingTalk expects to an event push: the encrypted literal `success`,
        signed (`{"msg_signature","timeStamp","nonce","encrypt"}`)."""
        if self._crypto is None:
            raise CallbackRefused(403, "no event subscription configured")
        nonce = nonce or "".join(secrets.choice(_NONCE) for _ in range(8))
        timestamp = str(int(now.timestamp() * 1000))
        encrypted = self.encrypt("success")
        return {"msg_signature": _sha1_signature(self.token, timestamp, nonce, encrypted),
                "timeStamp": timestamp, "nonce": nonce, "encrypt": encrypted}

    def encrypt(self, plain: str) -> str:
        """DingTalk's encryption of `plain` for this app (the sandbox's push uses it too)."""
        assert self._crypto is not None
        return bytes(self._crypto.encrypt(plain, self.app_key)).decode("ascii")

    def _decrypt(self, encrypted: str) -> str:
        assert self._crypto is not None
        try:
            return str(self._crypto.decrypt(encrypted, self.app_key))
        except Exception as error:  # noqa: BLE001 - any failure on attacker-chosen bytes
            if type(error).__name__ == "InvalidAppIdException":
                raise CallbackRefused(403, "event not for this app") from error
            raise CallbackRefused(400, "event cannot be decrypted") from error

    def _check_age(self, sent: float, now: datetime) -> None:
        if abs(now.timestamp() - sent) > self.max_age.total_seconds():
            raise CallbackRefused(403, "timestamp outside the accepted window")


def _sha1_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def _seconds(stamp: int) -> float:
    """DingTalk's event timestamps are milliseconds; older pushes used seconds."""
    return stamp / 1000 if stamp > 10**11 else float(stamp)


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise CallbackRefused(400, f"malformed JSON: {type(error).__name__}") from error


def _short_ascii(value: object, longest: int = 128) -> bool:
    """A header or query value DingTalk could have sent: present, printable ASCII, short."""
    return isinstance(value, str) and 0 < len(value) <= longest and value.isascii() \
        and value.isprintable()
