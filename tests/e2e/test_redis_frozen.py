"""A frozen Redis (SIGSTOP: connections hang, nothing answers) does not stop callbacks.

The web process stores each message, gives Redis at most a fraction of a second, and
answers 200 within the platform's deadline (WeCom's 5 s); once Redis runs again, a
worker's sweep finds the messages and the people get their answers. The product runs as
real processes (`mashangban web`, `mashangban worker`) on a redis-server of the test's own.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tasks.models import InboxMessage
from tests.clocks import ShiftedClock
from tests.e2e.platforms import EVERY_PLATFORM
from tests.e2e.processes import RedisServer, eventually, free_port, healthy, start

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: the child processes read the system clock, so the sandbox must too."""
    return ShiftedClock()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()  # continues it first, whatever the test did


@pytest.fixture
def redis_url(own_redis: RedisServer) -> str:
    """The office, and the processes started from its settings, use the test's own Redis."""
    return own_redis.url


def test_callbacks_are_answered_while_redis_is_frozen_and_handled_once_it_runs(
        office, started, environment, tmp_path, own_redis, db):
    port = free_port()
    start(started, environment, tmp_path, "web", "--port", str(port), "--workers", "2")
    # --with-stream: on DingTalk the worker keeps the Stream connection (WeCom: nothing)
    start(started, environment, tmp_path, "worker", "--with-stream")
    eventually(lambda: healthy(port), "the web app answering /healthz")
    office.deliver_callbacks_to(f"http://127.0.0.1:{port}")

    own_redis.freeze()
    try:
        for number in range(1, 4):
            # The sandbox gives up after 5 s, as WeCom does: `say` asserts a 200.
            office.say("zhangwei", f"新建 核对来文{number} @李娜 2小时内", work=False)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        with db.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(InboxMessage))
    finally:
        own_redis.thaw()

    assert stored == 3
    assert health.status_code == 503 and health.json()["redis"].startswith("error")
    eventually(lambda: len(office.cards("lina")) == 3, "the three cards reaching the holder",
               timeout=60)
    eventually(lambda: len(office.replies("zhangwei")) == 3, "three confirmations", timeout=30)
    assert all("已创建任务" in reply for reply in office.replies("zhangwei"))
