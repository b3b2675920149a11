"""With a history file (the demo's), a restarted sandbox shows the chat page as it was:
transcripts, cards as each member sees them and clickable, pictures; reset forgets it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations.wecom.sandbox import SandboxConfig, SandboxThread
from tests.sandbox.conftest import CORP_ID, SECRET, Api, Receiver

AGENT_ID = 1000002
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)


@pytest.fixture
def start(config: SandboxConfig, receiver: Receiver,
          tmp_path: Path) -> Iterator[Callable[[], Api]]:
    """Start a sandbox on the same history file (stopping the one before): a restart."""
    running: list[SandboxThread] = []
    history = tmp_path / "var" / "sandbox-chat.sqlite3"

    def restart() -> Api:
        if running:
            running.pop().shutdown()
        thread = SandboxThread(dataclasses.replace(config, callback_url=receiver.url,
                                                   history=history))
        running.append(thread)
        token = requests.get(f"{thread.url}/cgi-bin/gettoken",
                             params={"corpid": CORP_ID, "corpsecret": SECRET},
                             timeout=5).json()["access_token"]
        return Api(thread.url, token)

    yield restart
    for thread in running:
        thread.shutdown()


def _conversation(api: Api, receiver: Receiver, button_card: Any) -> None:
    """Lina asks, the app answers in markdown, sends two cards and a picture; she presses
    a button on the first card and the app greys it for her."""
    api.chat("lina", "send", {"text": "我的"})
    api.post("message/send", {"touser": "lina", "agentid": AGENT_ID, "msgtype": "markdown",
                              "markdown": {"content": "**我的待办**\n> #1 起草"}})
    first = api.post("message/send", button_card("card_1"))
    api.post("message/send", button_card("card_2"))
    media = requests.post(f"{api.base}/cgi-bin/media/upload",
                          params={"access_token": api.token, "type": "image"},
                          files={"media": ("chart.png", PNG, "image/png")}, timeout=5).json()
    api.post("message/send", {"touser": "lina", "agentid": AGENT_ID, "msgtype": "image",
                              "image": {"media_id": media["media_id"]}})
    api.chat("lina", "click", {"task_id": "card_1", "key": "accept:card_1"})
    update = {"userids": ["lina"], "agentid": AGENT_ID,
              "response_code": receiver.last()["msg"]["ResponseCode"],
              "button": {"replace_name": "已接办"}}
    assert api.post("message/update_template_card", update)["errcode"] == 0
    assert first["response_code"]


def test_the_chat_page_shows_the_same_history_after_a_restart(start, receiver, button_card):
    api = start()
    _conversation(api, receiver, button_card)
    before = {user: api.chat(user, "messages")["messages"] for user in ("lina", "zhangwei")}

    api = start()

    after = {user: api.chat(user, "messages")["messages"] for user in ("lina", "zhangwei")}
    assert after == before
    lina = after["lina"]
    assert [m["msgtype"] for m in lina] == ["text", "markdown", "template_card",
                                            "template_card", "image"]
    assert (lina[2]["disabled"], lina[2]["replace_text"]) == (True, "已接办")
    assert after["zhangwei"][0]["disabled"] is False  # zhangwei's copy was not updated
    assert "<blockquote" in lina[1]["html"]
    picture = requests.get(f"{api.base}/sandbox/media/{lina[4]['media_id']}", timeout=5)
    assert picture.content == PNG


def test_after_a_restart_cards_still_work_and_messages_follow_on(start, receiver, button_card):
    api = start()
    _conversation(api, receiver, button_card)
    old_ids = [m["id"] for m in api.chat("lina", "messages")["messages"]]
    old_msgid = int(receiver.received[0]["msg"]["MsgId"])

    api = start()
    clicked = api.chat("lina", "click", {"task_id": "card_2", "key": "accept:card_2"})
    assert clicked["status"] == 200
    assert receiver.last()["msg"]["EventKey"] == "accept:card_2"
    again = api.chat("lina", "click", {"task_id": "card_1", "key": "accept:card_1"})
    assert again["ignored"] is True  # still greyed for her
    api.chat("lina", "send", {"text": "查询 #1"})
    assert int(receiver.last()["msg"]["MsgId"]) > old_msgid
    update = {"userids": ["lina"], "agentid": AGENT_ID,
              "response_code": clicked["response_code"], "button": {"replace_name": "已接办"}}
    assert api.post("message/update_template_card", update)["errcode"] == 0
    again = api.post("message/update_template_card", update)
    assert again["errcode"] == 60140  # a code spent before or after a restart stays spent
    assert api.post("message/send", button_card("card_1"))["errcode"] == 42014  # task_id used
    new = api.chat("lina", "messages")["messages"][len(old_ids):]
    assert [m["content"] for m in new] == ["查询 #1"] and new[0]["id"] > max(old_ids)


def test_reset_empties_the_history_file(start, receiver, button_card):
    api = start()
    _conversation(api, receiver, button_card)
    api.control("reset")

    api = start()

    assert api.chat("lina", "messages")["messages"] == []
    assert api.post("message/send", button_card("card_1"))["errcode"] == 0


def test_without_a_history_file_a_restart_starts_empty(config, receiver, button_card):
    config.callback_url = receiver.url
    with SandboxThread(config) as first:
        token = requests.get(f"{first.url}/cgi-bin/gettoken",
                             params={"corpid": CORP_ID, "corpsecret": SECRET},
                             timeout=5).json()["access_token"]
        Api(first.url, token).chat("lina", "send", {"text": "在吗"})
    with SandboxThread(config) as second:
        assert Api(second.url, "").chat("lina", "messages")["messages"] == []
