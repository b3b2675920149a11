"""The envelope helpers build exactly what WeCom sends, verified with wechatpy's crypto."""

from __future__ import annotations

import base64

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from integrations.wecom.sandbox.envelope import (
    aes_key_bytes,
    build_card_event_xml,
    build_text_xml,
    encrypt_callback,
    encrypt_echo,
    encrypt_text,
    sign,
)

CORP_ID = "wwsandboxcorp0001"
TOKEN = "sandboxtoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OFFICIAL_TOKEN = "QDG6eK"
OFFICIAL_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
OFFICIAL_CORP_ID = "wx5823bf96d3bd56c7"


def test_official_get_vector_decrypts() -> None:
    crypto = WeChatCrypto(OFFICIAL_TOKEN, OFFICIAL_AES_KEY, OFFICIAL_CORP_ID)
    echostr = (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    )
    echo = crypto.check_signature(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echostr
    )
    assert echo == "1616140317555161061"
    assert sign(OFFICIAL_TOKEN, "1409659589", "263014780", echostr) == (
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )


def test_encrypt_callback_roundtrip() -> None:
    plain = build_text_xml(
        CORP_ID, "lina", "你好 <b>&]]>", 7312345678901234567, 1000002, 1700000000
    )
    params, body = encrypt_callback(plain, TOKEN, AES_KEY, CORP_ID, "1700000000", "4242")
    assert set(params) == {"msg_signature", "timestamp", "nonce"}
    envelope = xmltodict.parse(body)["xml"]
    assert envelope["ToUserName"] == CORP_ID
    assert envelope["AgentID"] == "1000002"
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    decrypted = crypto.decrypt_message(
        body, params["msg_signature"], params["timestamp"], params["nonce"]
    )
    assert decrypted == plain
    msg = xmltodict.parse(decrypted)["xml"]
    assert msg["Content"] == "你好 <b>&]]>"
    assert msg["MsgType"] == "text"
    assert msg["MsgId"] == "7312345678901234567"
    assert msg["FromUserName"] == "lina"


def test_tampered_callback_is_rejected() -> None:
    plain = build_text_xml(CORP_ID, "lina", "hi", 1, 1000002, 1700000000)
    params, body = encrypt_callback(plain, TOKEN, AES_KEY, CORP_ID, "1700000000", "4242")
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, params["msg_signature"], "1700000001", params["nonce"])
    forged, _ = encrypt_callback(plain, "wrongtoken", AES_KEY, CORP_ID, "1700000000", "4242")
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, forged["msg_signature"], "1700000000", "4242")


def test_card_event_xml_fields() -> None:
    xml = build_card_event_xml(
        CORP_ID,
        "zhangwei",
        1000002,
        "task-1@a_b",
        "accept:1",
        "code-xyz",
        "vote_interaction",
        1700000000,
        [{"question_key": "q1", "option_ids": ["o1", "o2"]}],
    )
    msg = xmltodict.parse(xml, force_list=("SelectedItem", "OptionId"))["xml"]
    assert msg["MsgType"] == "event"
    assert msg["Event"] == "template_card_event"
    assert msg["EventKey"] == "accept:1"
    assert msg["TaskId"] == "task-1@a_b"
    assert msg["CardType"] == "vote_interaction"
    assert msg["ResponseCode"] == "code-xyz"
    assert msg["AgentID"] == "1000002"
    item = msg["SelectedItems"]["SelectedItem"][0]
    assert item["QuestionKey"] == "q1"
    assert item["OptionIds"]["OptionId"] == ["o1", "o2"]


def test_encrypt_echo_passes_check_signature() -> None:
    params = encrypt_echo("98765", TOKEN, AES_KEY, CORP_ID, "1700000000", "1")
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    assert (
        crypto.check_signature(
            params["msg_signature"], params["timestamp"], params["nonce"], params["echostr"]
        )
        == "98765"
    )


OFFICIAL_POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def test_official_post_vector_matches_our_encryption(monkeypatch: pytest.MonkeyPatch) -> None:
    signature = sign(OFFICIAL_TOKEN, "1409659813", "1372623149", OFFICIAL_POST_ENCRYPT)
    assert signature == "477715d11cdb4164915debcba66cb864d751f3e6"
    crypto = WeChatCrypto(OFFICIAL_TOKEN, OFFICIAL_AES_KEY, OFFICIAL_CORP_ID)
    plain = crypto.decrypt_message(
        {"Encrypt": OFFICIAL_POST_ENCRYPT}, signature, "1409659813", "1372623149"
    )
    msg = xmltodict.parse(plain)["xml"]
    assert (msg["FromUserName"], msg["Content"], msg["MsgId"], msg["AgentID"]) == (
        "mycreate",
        "hello",
        "4561255354251345929",
        "218",
    )
    # With the same 16 random bytes, our encryption reproduces WeCom's ciphertext exactly.
    key = aes_key_bytes(OFFICIAL_AES_KEY)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(OFFICIAL_POST_ENCRYPT)) + decryptor.finalize()
    monkeypatch.setattr(PrpCrypto, "get_random_string", lambda self: raw[:16])
    assert encrypt_text(plain, OFFICIAL_AES_KEY, OFFICIAL_CORP_ID) == OFFICIAL_POST_ENCRYPT
