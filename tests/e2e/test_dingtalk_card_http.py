"""DingTalk in http mode: every card names `/dingtalk/card` as its `callbackUrl`
(MASHANGBAN_DINGTALK_CARD_URL; 机器人发送互动卡片（普通版）: "可控制卡片回调的URL"), and its
clicks reach the product once that URL is registered with 注册互动卡片回调地址
(`mashangban dingtalk-card-callback`)."""

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from integrations.dingtalk.sandbox import SandboxConfig, SandboxThread
from tasks.messaging.channel import Card, CardButton
from tasks.models import InboxMessage
from tests.dingtalk_helpers import AES_KEY, APP_KEY, APP_SECRET, TOKEN, dingtalk_settings
from tests.e2e.office import ProductServer
from webapp import create_app
from webapp.cli.main import main
from workers.runtime import Runtime


@pytest.fixture
def product() -> Iterator[ProductServer]:
    server = ProductServer()
    yield server
    server.shutdown()


@pytest.fixture
def sandbox(product: ProductServer) -> Iterator[SandboxThread]:
    thread = SandboxThread(SandboxConfig(
        app_key=APP_KEY, app_secret=APP_SECRET, robot_code=APP_KEY, token=TOKEN,
        aes_key=AES_KEY, callback_url=f"{product.url}/dingtalk/callback", mode="http"))
    yield thread
    thread.shutdown()


@pytest.fixture
def rt(product, sandbox, var_dir, database_url, redis_url, db, redis_conn,
       monkeypatch) -> Runtime:
    settings = dingtalk_settings(var_dir, database_url, redis_url, dingtalk_mode="http",
                                 dingtalk_api_base=sandbox.url,
                                 dingtalk_card_url=f"{product.url}/dingtalk/card")
    runtime = Runtime(settings, _engine=db)
    product.app = create_app(runtime)
    for name, value in settings.raw.items():  # for the command line
        monkeypatch.setenv(f"MASHANGBAN_{name}", value)
    return runtime


def click(sandbox: SandboxThread) -> int:
    return requests.post(f"{sandbox.url}/sandbox/chat/lina/click",
                         json={"card_id": "card-1", "key": "accept:1"}, timeout=30
                         ).json()["status"]


def stored(rt: Runtime) -> list[dict]:
    with rt.sessions() as session:
        return [row.payload for row in session.scalars(select(InboxMessage))]


def test_clicks_arrive_once_the_card_callback_url_is_registered(rt, product, sandbox, capsys):
    card = Card(card_id="card-1", title="新任务 #1", buttons=(CardButton("接办", "accept:1"),))
    rt.channels["dingtalk"].send_card("lina", card)

    assert click(sandbox) == 0, "DingTalk has nowhere to send it yet"
    assert stored(rt) == []

    [sent] = [c for c in sandbox.state.calls() if c["path"].endswith("interactiveCards/send")]
    assert sent["status"] == 200
    assert main(["dingtalk-card-callback"]) == 0  # the URL cards name, from the settings
    assert "卡片回调已登记" in capsys.readouterr().out
    assert click(sandbox) == 200
    [action] = stored(rt)
    assert (action["type"], action["sender"], action["card_id"], action["action"]) == \
        ("card_action", "lina", "card-1", "accept:1")


@pytest.mark.parametrize("url", ["https://example.org/wecom/callback",
                                 "https://example.org/dingtalk/card?x=1",
                                 "https://other.example.org/dingtalk/card"])
def test_a_wrong_card_callback_url_is_one_line_and_registers_nothing(rt, sandbox, capsys, url):
    """Not the card URL, a query string (DingTalk: "URL地址不支持携带参数"), or a URL the
    cards do not name (their clicks would go elsewhere)."""
    assert main(["dingtalk-card-callback", url]) != 0
    assert capsys.readouterr().err.count("\n") == 1  # one line, naming the expected form
    assert not [c for c in sandbox.state.calls() if "callback/register" in c["path"]]
