"""The production entry points as an operator starts them: `mashangban web` and `worker`."""

import pytest

from tests.clocks import ShiftedClock
from tests.e2e.platforms import EVERY_PLATFORM
from tests.e2e.processes import eventually, free_port, healthy, start

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: the child processes read the system clock, so the sandbox must too."""
    return ShiftedClock()


def test_web_and_worker_processes_serve_a_conversation(office, started, environment, tmp_path):
    port = free_port()
    start(started, environment, tmp_path, "web", "--port", str(port), "--workers", "2")
    # --with-stream: on DingTalk the worker keeps the Stream connection (WeCom: nothing)
    start(started, environment, tmp_path, "worker", "--with-stream")
    eventually(lambda: healthy(port), "the web app answering /healthz")
    office.deliver_callbacks_to(f"http://127.0.0.1:{port}")

    office.say("zhangwei", "新建 核对来文 @李娜 2小时内", work=False)

    eventually(lambda: office.cards("lina"), "the card reaching the holder")
    eventually(lambda: office.replies("zhangwei"), "the confirmation reaching the requester")
    assert "已创建任务 #1" in office.last_reply("zhangwei")
    office.click("lina", "接办", work=False)
    eventually(lambda: office.cards("lina")[-1].disabled, "the card being updated")
    assert office.cards("lina")[-1].status == "已由李娜接办"

