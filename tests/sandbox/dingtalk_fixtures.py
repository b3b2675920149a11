"""Fixtures for the DingTalk sandbox tests: a running sandbox and channels built by the
platform's own factory on the test Redis (import them into a test module)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import requests
from wechatpy.session.redisstorage import RedisStorage

from integrations.dingtalk.channel import DingTalkChannel
from integrations.dingtalk.platform import make_channel
from integrations.dingtalk.sandbox import SandboxConfig, SandboxThread
from integrations.dingtalk.settings import DingTalkSettings
from integrations.platform import Services
from workers.runtime import _token_lock

APP_KEY = "dingsandboxapp0001"
APP_SECRET = "sandbox-secret-0123456789"
ROBOT_CODE = "dingsandboxrobot01"


class Clock:
    """A sandbox's wall clock (the corp's, the organisation's), moved by the test; the
    WeCom tests use it too."""

    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dt_clock() -> Clock:
    return Clock()


@pytest.fixture
def dt_sandbox(dt_clock: Clock) -> Iterator[SandboxThread]:
    config = SandboxConfig(app_key=APP_KEY, app_secret=APP_SECRET, robot_code=ROBOT_CODE,
                           token="", aes_key="", callback_url="http://127.0.0.1:9/unset",
                           clock=dt_clock)
    thread = SandboxThread(config)
    yield thread
    thread.shutdown()


def settings_for(url: str, secret: str = APP_SECRET) -> DingTalkSettings:
    return DingTalkSettings(app_key=APP_KEY, app_secret=secret, robot_code=ROBOT_CODE,
                            aes_key="", token="", api_base=url, oapi_base="", mode="stream")


@pytest.fixture
def make_dt_channel(dt_sandbox: SandboxThread, redis_conn: redis.Redis
                    ) -> Callable[..., DingTalkChannel]:
    """A new channel (as another process would build it) on the shared test Redis."""
    services = Services(storage=lambda prefix: RedisStorage(redis_conn, prefix=prefix),
                        lock=lambda name: _token_lock(redis_conn, name))

    def make(**overrides: Any) -> DingTalkChannel:
        channel = make_channel(settings_for(dt_sandbox.url, **overrides), services)
        assert isinstance(channel, DingTalkChannel)
        return channel

    return make


@pytest.fixture
def dt_channel(make_dt_channel: Callable[..., DingTalkChannel]) -> DingTalkChannel:
    return make_dt_channel()


def control(sandbox: SandboxThread, action: str, **body: Any) -> dict[str, Any]:
    answer = requests.post(f"{sandbox.url}/sandbox/control/{action}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def chat(sandbox: SandboxThread, userid: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{sandbox.url}/sandbox/chat/{userid}/messages", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["messages"]
