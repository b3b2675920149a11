"""What the DingTalk receiving tests share: the app's test credentials and DingTalk's own
ways of signing and encrypting (written from its documents, like the sandbox's push)."""

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from wechatpy.crypto import PrpCrypto

from tests.conftest import make_settings
from workers.settings import Settings

TEST_DINGTALK = {
    "MASHANGBAN_PLATFORMS": "dingtalk",
    "MASHANGBAN_DINGTALK_APP_KEY": "dingtestappkey0001",
    "MASHANGBAN_DINGTALK_APP_SECRET": "test-dingtalk-app-secret",
    "MASHANGBAN_DINGTALK_TOKEN": "mryue",
    "MASHANGBAN_DINGTALK_AES_KEY": "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
}
APP_KEY = TEST_DINGTALK["MASHANGBAN_DINGTALK_APP_KEY"]
APP_SECRET = TEST_DINGTALK["MASHANGBAN_DINGTALK_APP_SECRET"]
TOKEN = TEST_DINGTALK["MASHANGBAN_DINGTALK_TOKEN"]
AES_KEY = TEST_DINGTALK["MASHANGBAN_DINGTALK_AES_KEY"]


def dingtalk_settings(var_dir: Path, database_url: str, redis_url: str, **extra: str) -> Settings:
    values = {k.removeprefix("MASHANGBAN_").lower(): v for k, v in TEST_DINGTALK.items()}
    return make_settings(var_dir, database_url, redis_url, **{**values, **extra})


def sign(timestamp: str, secret: str = APP_SECRET) -> str:
    key = secret.encode()
    return base64.b64encode(hmac.new(key, f"{timestamp}\n".encode() + key,
                                     hashlib.sha256).digest()).decode()


def signed_headers(timestamp_ms: int, secret: str = APP_SECRET) -> dict[str, str]:
    return {"timestamp": str(timestamp_ms), "sign": sign(str(timestamp_ms), secret),
            "Content-Type": "application/json"}


def robot_message(userid: str, text: str, msg_id: str, **extra: Any) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": text}, "msgId": msg_id,
            "createAt": 1700000000000, "conversationType": "1", "conversationId": "cid1",
            "senderId": "$:LWCP_v1:$x", "senderNick": userid, "senderStaffId": userid,
            "chatbotUserId": "$:LWCP_v1:$bot", "robotCode": APP_KEY, "isAdmin": False,
            **extra}


def encrypt(plain: str, owner: str = APP_KEY, aes_key: str = AES_KEY) -> str:
    return bytes(PrpCrypto(base64.b64decode(aes_key + "=")).encrypt(plain, owner)).decode()


def event_query(encrypted: str, timestamp: str, nonce: str = "nonce123",
                token: str = TOKEN) -> dict[str, str]:
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted]))
                             .encode()).hexdigest()
    return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}


def event_body(event: dict[str, Any], timestamp: str, **kwargs: str) -> tuple[dict, bytes]:
    encrypted = encrypt(json.dumps(event), **kwargs)
    return event_query(encrypted, timestamp), json.dumps({"encrypt": encrypted}).encode()
