"""Pictures in the sandbox: media/upload (multipart), image messages, and group robots
(webhook/send with their 20-a-minute limit), answered as WeCom answers them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests

AGENT_ID = 1000002
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)  # enough of a PNG to pass
ROBOT_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"


def _upload(api: Any, data: bytes, media_type: str | None = "image",
            field: str = "media") -> dict[str, Any]:
    params = {"access_token": api.token, **({"type": media_type} if media_type else {})}
    return requests.post(f"{api.base}/cgi-bin/media/upload", params=params,
                         files={field: ("chart.png", data, "image/png")}, timeout=5).json()


def _image(media_id: str, touser: str = "lina") -> dict[str, Any]:
    return {"touser": touser, "agentid": AGENT_ID, "msgtype": "image",
            "image": {"media_id": media_id}}


def _robot(api: Any, body: Any, key: str = ROBOT_KEY) -> dict[str, Any]:
    return requests.post(f"{api.base}/cgi-bin/webhook/send", params={"key": key}, json=body,
                         timeout=5).json()


def _robot_messages(api: Any, key: str = ROBOT_KEY) -> list[dict[str, Any]]:
    return requests.get(f"{api.base}/sandbox/robots/{key}/messages", timeout=5).json()["messages"]


def _robot_image(data: bytes, md5: str | None = None) -> dict[str, Any]:
    return {"msgtype": "image", "image": {"base64": base64.b64encode(data).decode(),
                                          "md5": md5 or hashlib.md5(data).hexdigest()}}


def test_an_uploaded_png_is_sent_as_an_image_and_shown_in_the_chat(api, clock):
    upload = _upload(api, PNG)
    assert upload["errcode"] == 0 and upload["type"] == "image"
    assert upload["created_at"] == str(int(clock.now))

    sent = api.post("message/send", _image(upload["media_id"]))

    assert sent["errcode"] == 0 and sent["msgid"]
    [shown] = api.chat("lina", "messages")["messages"]
    assert shown["msgtype"] == "image" and shown["media_id"] == upload["media_id"]
    picture = requests.get(f"{api.base}/sandbox/media/{upload['media_id']}", timeout=5)
    assert picture.headers["Content-Type"] == "image/png" and picture.content == PNG


@pytest.mark.parametrize(("data", "media_type", "field", "errcode"), [
    (PNG, None, "media", 40004),
    (PNG, "picture", "media", 40004),
    (PNG, "image", "file", 41005),
    (b"", "image", "media", 44001),
    (b"GIF89a" + bytes(20), "image", "media", 40005),
    (b"\x89PNG", "image", "media", 40006),
])
def test_uploads_wecom_refuses_are_refused_with_its_codes(api, data, media_type, field, errcode):
    assert _upload(api, data, media_type, field)["errcode"] == errcode


def test_an_upload_without_a_valid_token_is_refused(api):
    answer = requests.post(f"{api.base}/cgi-bin/media/upload", params={"type": "image"},
                           files={"media": ("a.png", PNG, "image/png")}, timeout=5).json()
    assert answer["errcode"] == 41001


def test_an_image_message_needs_a_known_media_id_younger_than_three_days(api, clock):
    assert api.post("message/send", _image("nonexistent"))["errcode"] == 40007
    assert api.post("message/send", {"touser": "lina", "agentid": AGENT_ID,
                                     "msgtype": "image", "image": {}})["errcode"] == 41006
    media_id = _upload(api, PNG)["media_id"]
    clock.now += 3 * 24 * 3600 + 1

    assert api.post("message/send", _image(media_id))["errcode"] == 40007
    assert api.chat("lina", "messages")["messages"] == []


def test_the_chat_page_draws_image_messages():
    from integrations.wecom.sandbox.page import PAGE_TEMPLATE

    assert "'/sandbox/media/'" in PAGE_TEMPLATE and "chat-image" in PAGE_TEMPLATE


def test_a_robot_posts_markdown_and_images_to_its_group_without_a_token(api):
    assert api.control("robot", {"key": ROBOT_KEY, "name": "综合科工作群"})["ok"] is True

    text = _robot(api, {"msgtype": "markdown", "markdown": {"content": "**日报**"}})
    image = _robot(api, _robot_image(PNG))

    assert text["errcode"] == 0 and image["errcode"] == 0
    shown = _robot_messages(api)
    assert [m["msgtype"] for m in shown] == ["markdown", "image"]
    assert shown[0]["content"] == "**日报**"
    picture = requests.get(f"{api.base}/sandbox/media/{shown[1]['media_id']}", timeout=5)
    assert picture.content == PNG
    listed = requests.get(f"{api.base}/sandbox/robots", timeout=5).json()["robots"]
    assert listed == [{"key": ROBOT_KEY, "name": "综合科工作群", "messages": 2}]


@pytest.mark.parametrize(("body", "errcode"), [
    (_robot_image(PNG, md5="0" * 32), 40058),
    ({"msgtype": "image", "image": {"base64": "***", "md5": "x"}}, 40058),
    (_robot_image(b"GIF89a" + bytes(20)), 40058),
    ({"msgtype": "markdown", "markdown": {"content": "字" * 1400}}, 45002),
    ({"msgtype": "text", "text": {"content": " "}}, 44004),
    ({"msgtype": "voice"}, 40008),
])
def test_robot_messages_wecom_refuses_are_refused(api, body, errcode):
    api.control("robot", {"key": ROBOT_KEY})
    assert _robot(api, body)["errcode"] == errcode
    assert _robot_messages(api) == []


def test_an_unknown_robot_key_is_refused_and_junk_gets_no_server_error(api):
    api.control("robot", {"key": ROBOT_KEY})
    assert _robot(api, {"msgtype": "text", "text": {"content": "hi"}}, key="other")[
        "errcode"] == 93000
    junk = requests.post(f"{api.base}/cgi-bin/webhook/send", params={"key": ROBOT_KEY},
                         data=b"\xff not json", timeout=5)
    assert junk.status_code == 200 and junk.json()["errcode"] == 47001
    assert requests.get(f"{api.base}/cgi-bin/webhook/send", params={"key": ROBOT_KEY},
                        timeout=5).json()["errcode"] == 43002
    assert api.control("robot", {"key": "bad key!"})["ok"] is False


def test_a_robot_takes_twenty_messages_a_minute_and_refuses_the_rest(api, clock):
    api.control("robot", {"key": ROBOT_KEY})
    answers = [_robot(api, {"msgtype": "text", "text": {"content": f"第{i}条"}})["errcode"]
               for i in range(21)]
    assert answers == [0] * 20 + [45009]

    clock.now += 60
    assert _robot(api, {"msgtype": "text", "text": {"content": "一分钟后"}})["errcode"] == 0
    assert len(_robot_messages(api)) == 21


def test_reset_empties_the_robot_groups_but_keeps_their_keys(api):
    api.control("robot", {"key": ROBOT_KEY})
    _robot(api, {"msgtype": "text", "text": {"content": "hi"}})
    api.control("reset")

    assert _robot_messages(api) == []
    assert _robot(api, {"msgtype": "text", "text": {"content": "again"}})["errcode"] == 0
