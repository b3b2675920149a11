"""Verifying and decoding WeCom callbacks: signature, freshness, AES, and safe XML.

Everything refused here raises `CallbackRefused` with the HTTP status to answer; nothing
refused ever reaches storage. A correctly signed message whose fields WeCom cannot have
sent (`integrations.wecom.events.FIELDS`) is refused 400 too: WeCom retries a non-200 a
bounded number of times, and each retry gets the same definite answer (docs/architecture.md,
"Decisions").
"""

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import sha1
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from integrations.platform import CALLBACK_BODY_LONGEST
from integrations.wecom.events import ImpossibleField, decode_event
from tasks.messaging.inbound import Inbound

ECHO_LONGEST = 64  # WeCom's echostr plaintexts are numeric strings of about 20 digits
ECHO_CIPHER_LONGEST = 512  # their ciphertext: base64 of a few AES blocks


class CallbackRefused(Exception):
    """A callback we will not act on; `status` is 400 for malformed, 403 for untrusted."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class CallbackVerifier:
    """Checks what WeCom sends to the callback URL, for one app's token and AES key."""

    token: str
    aes_key: str
    corp_id: str
    max_age: timedelta = timedelta(minutes=5)
    max_body: int = CALLBACK_BODY_LONGEST
    _crypto: WeChatCrypto = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._crypto = WeChatCrypto(self.token, self.aes_key, self.corp_id)

    def verify_url(self, params: Mapping[str, str], now: datetime) -> str:
        """Answer WeCom's URL check (GET): the decrypted `echostr`, if the request is genuine."""
        signature, timestamp, nonce = self._check_query(params, now)
        echo = params.get("echostr", "")
        if not _short_ascii(echo, ECHO_CIPHER_LONGEST):
            raise CallbackRefused(400, "missing or malformed echostr")
        self._check_signature(signature, timestamp, nonce, echo)
        try:
            plain = self._crypto.check_signature(signature, timestamp, nonce, echo)
        except (InvalidSignatureException, InvalidCorpIdException) as error:
            raise CallbackRefused(403, "echostr not for this app") from error
        except Exception as error:  # any decryption failure of attacker-chosen bytes
            raise CallbackRefused(400, "echostr cannot be decrypted") from error
        if not _short_ascii(plain, ECHO_LONGEST) or "<" in plain:
            # WeCom's echo is a short random string; anything else (a message's XML sent as
            # echostr) would make this URL a decryption service.
            raise CallbackRefused(400, "echostr is not a URL check")
        return plain

    def decode(self, params: Mapping[str, str], body: bytes, now: datetime) -> Inbound | None:
        """Verify a POSTed callback and decode it; None for events this product ignores."""
        if len(body) > self.max_body:
            raise CallbackRefused(400, "body too large")
        signature, timestamp, nonce = self._check_query(params, now)
        encrypted = _text_of(_parse_xml(body), "Encrypt")
        if not encrypted:
            raise CallbackRefused(400, "no Encrypt element")
        self._check_signature(signature, timestamp, nonce, encrypted)
        try:
            plain = self._crypto.decrypt_message({"Encrypt": encrypted}, signature, timestamp,
                                                 nonce)
        except (InvalidSignatureException, InvalidCorpIdException) as error:
            raise CallbackRefused(403, "message not for this app") from error
        except Exception as error:  # malformed ciphertext, bad padding, bad length
            raise CallbackRefused(400, "message cannot be decrypted") from error
        try:
            return decode_event(_parse_xml(plain.encode("utf-8")))
        except ImpossibleField as error:  # signed, yet not something WeCom can send
            raise CallbackRefused(400, str(error)) from error

    def _check_query(self, params: Mapping[str, str], now: datetime) -> tuple[str, str, str]:
        signature = params.get("msg_signature", "")
        timestamp = params.get("timestamp", "")
        nonce = params.get("nonce", "")
        if not (_short_ascii(signature) and _short_ascii(nonce)
                and _short_ascii(timestamp, 12) and timestamp.isdigit()):
            raise CallbackRefused(400, "missing or malformed msg_signature/timestamp/nonce")
        age = abs(now.timestamp() - int(timestamp))
        if age > self.max_age.total_seconds():
            raise CallbackRefused(403, "timestamp outside the accepted window")
        return signature, timestamp, nonce

    def _check_signature(self, signature: str, timestamp: str, nonce: str, data: str) -> None:
        expected = sha1("".join(sorted([self.token, timestamp, nonce, data])).encode()).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise CallbackRefused(403, "bad signature")


def _parse_xml(data: bytes) -> Element:
    """Parse with entity expansion and external references refused (defusedxml)."""
    try:
        return fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        raise CallbackRefused(400, f"unsafe or malformed XML: {type(error).__name__}") from error


def _text_of(root: Element, tag: str) -> str:
    child = root.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _short_ascii(value: str, longest: int = 128) -> bool:
    """A query value WeCom could have sent: present, ASCII and short.

    `str.isdigit` alone takes "²" (int() then raises), a 400-digit timestamp overflows the
    clock arithmetic, and `hmac.compare_digest` raises on a non-ASCII signature: each must
    be a clean 400, not a server error.
    """
    return 0 < len(value) <= longest and value.isascii() and value.isprintable()
