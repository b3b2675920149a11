"""With a history file (the demo's), a restarted DingTalk sandbox shows the chat page as it
was: each member's conversation, cards with their latest cardData for whoever has them,
pictures; the product's cards still update in place and resends stay idempotent; reset
forgets it. A file of another platform's sandbox is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations.dingtalk.sandbox import SandboxConfig, SandboxThread
from integrations.sandbox_kit.history import HistoryOfAnotherPlatform
from integrations.wecom.sandbox.history import ChatHistory as WeComHistory
from tests.sandbox.dingtalk_fixtures import APP_KEY, APP_SECRET, ROBOT_CODE, Clock, chat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)


class OpenApi:
    """The product's side of one running sandbox: a token and the calls it makes."""

    def __init__(self, sandbox: SandboxThread) -> None:
        self.sandbox = sandbox
        self.token = requests.post(f"{sandbox.url}/v1.0/oauth2/accessToken", timeout=5,
                                   json={"appKey": APP_KEY, "appSecret": APP_SECRET}
                                   ).json()["accessToken"]

    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.request(method, f"{self.sandbox.url}{path}", json=body, timeout=5,
                                  headers={"x-acs-dingtalk-access-token": self.token})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def message(self, userid: str, key: str, param: dict[str, Any]) -> None:
        self.call("POST", "/v1.0/robot/oToMessages/batchSend", {
            "robotCode": ROBOT_CODE, "userIds": [userid], "msgKey": key,
            "msgParam": json.dumps(param, ensure_ascii=False)})

    def card(self, card_id: str, userid: str, title: str) -> str:
        return self.call("POST", "/v1.0/im/v1.0/robot/interactiveCards/send", {
            "cardTemplateId": "StandardCard", "cardBizId": card_id, "robotCode": ROBOT_CODE,
            "cardData": card_data(title), "callbackUrl": "https://office.example/dingtalk/card",
            "singleChatReceiver": json.dumps({"userId": userid})})["processQueryKey"]

    def update(self, card_id: str, title: str) -> None:
        self.call("PUT", "/v1.0/im/robots/interactiveCards",
                  {"cardBizId": card_id, "cardData": card_data(title)})

    def picture(self, userid: str) -> str:
        upload = requests.post(f"{self.sandbox.url}/media/upload", timeout=5,
                               params={"access_token": self.token, "type": "image"},
                               files={"media": ("chart.png", PNG, "image/png")}).json()
        self.message(userid, "sampleImageMsg", {"photoURL": upload["media_id"]})
        return str(upload["media_id"])


def card_data(title: str) -> str:
    return json.dumps({"header": {"title": {"type": "text", "text": title}},
                       "contents": [{"type": "action", "actions": [
                           {"type": "button", "label": {"type": "text", "text": "接办"},
                            "id": "accept:1"}]}]}, ensure_ascii=False)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[], OpenApi]]:
    """Start a sandbox on the same history file (stopping the one before): a restart."""
    running: list[SandboxThread] = []
    history = tmp_path / "var" / "sandbox-chat-dingtalk.sqlite3"
    clock = Clock()

    def restart() -> OpenApi:
        if running:
            running.pop().shutdown()
        running.append(SandboxThread(SandboxConfig(
            app_key=APP_KEY, app_secret=APP_SECRET, robot_code=ROBOT_CODE, token="",
            aes_key="", callback_url="http://127.0.0.1:9/unset", mode="http", clock=clock,
            history=history)))
        return OpenApi(running[-1])

    yield restart
    for thread in running:
        thread.shutdown()


def _conversation(api: OpenApi) -> None:
    """Lina types, the app answers in markdown, sends her a card and updates it, sends a
    card to Zhang Wei too, and a picture to Lina."""
    requests.post(f"{api.sandbox.url}/sandbox/chat/lina/send", json={"text": "我的"},
                  timeout=10)
    api.message("lina", "sampleMarkdown", {"title": "我的待办", "text": "**我的待办**\n> #1 起草"})
    api.card("card_1", "lina", "新任务 #1")
    api.update("card_1", "任务 #1 已接办")
    api.card("card_2", "zhangwei", "新任务 #2")
    api.picture("lina")


def test_the_chat_page_shows_the_same_history_after_a_restart(start):
    api = start()
    _conversation(api)
    before = {user: chat(api.sandbox, user) for user in ("lina", "zhangwei", "wangfang")}

    api = start()

    after = {user: chat(api.sandbox, user) for user in ("lina", "zhangwei", "wangfang")}
    assert after == before
    lina = after["lina"]
    assert [(m["from"], m["msgtype"]) for m in lina] == [
        ("user", "text"), ("app", "markdown"), ("app", "card"), ("app", "image")]
    assert lina[2]["card"]["header"]["title"]["text"] == "任务 #1 已接办"  # the latest
    assert "md-quote" in lina[1]["html"] and 'data-key="accept:1"' in lina[2]["html"]
    assert [m["card"]["header"]["title"]["text"] for m in after["zhangwei"]] == ["新任务 #2"]
    assert after["wangfang"] == []
    picture = requests.get(f"{api.sandbox.url}/sandbox/media/{lina[3]['media_id']}",
                           timeout=5)
    assert picture.content == PNG


def test_after_a_restart_cards_update_in_place_and_messages_follow_on(start):
    api = start()
    _conversation(api)
    old = chat(api.sandbox, "lina")
    key = api.card("card_1", "lina", "新任务 #1")  # a resend: idempotent, as before

    api = start()

    assert api.card("card_1", "lina", "新任务 #1") == key  # still shown once, same key
    api.update("card_1", "任务 #1 已办结")
    api.message("lina", "sampleText", {"content": "任务 #1 已办结"})
    lina = chat(api.sandbox, "lina")
    assert len(lina) == len(old) + 1
    assert lina[2]["card"]["header"]["title"]["text"] == "任务 #1 已办结"
    assert lina[-1]["content"] == "任务 #1 已办结" and lina[-1]["id"] > max(m["id"] for m in old)
    card = api.sandbox.state.card("card_1")
    assert card is not None and card["receivers"] == ["lina"] and card["updates"] == 2
    # the URL its clicks go to is kept
    assert api.sandbox.state.card_callback("card_1")[0] == "https://office.example/dingtalk/card"


def test_reset_empties_the_history_file(start):
    api = start()
    _conversation(api)
    assert requests.post(f"{api.sandbox.url}/sandbox/control/reset", timeout=10).ok

    api = start()

    assert chat(api.sandbox, "lina") == []
    assert api.sandbox.state.card("card_1") is None


def test_without_a_history_file_a_restart_starts_empty(dt_sandbox):
    api = OpenApi(dt_sandbox)
    api.message("lina", "sampleText", {"content": "在吗"})
    config = dt_sandbox.state.config
    with SandboxThread(config) as second:
        assert chat(second, "lina") == []


def test_a_history_file_of_the_wecom_sandbox_is_refused(tmp_path):
    wecom = tmp_path / "sandbox-chat.sqlite3"
    WeComHistory(wecom).close()
    config = SandboxConfig(app_key=APP_KEY, app_secret=APP_SECRET, robot_code=ROBOT_CODE,
                           token="", aes_key="", callback_url="", history=wecom)
    with pytest.raises(HistoryOfAnotherPlatform, match="wecom"):
        SandboxThread(config)
