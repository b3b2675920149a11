"""The production entry points as an operator starts them: `mashangban web` and `worker`."""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.clocks import ShiftedClock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventually(check: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    """Poll with a deadline; the processes work on their own clock, not the test's."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: the child processes read the system clock, so the sandbox must too."""
    return ShiftedClock()


@pytest.fixture
def started(environment, tmp_path) -> Iterator[list[subprocess.Popen]]:
    children: list[subprocess.Popen] = []
    yield children
    for child in children:
        child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


def start(started, environment, tmp_path, *args: str) -> subprocess.Popen:
    log = (tmp_path / f"{args[0]}.log").open("w")  # the child keeps it open until it exits
    child = subprocess.Popen([sys.executable, "-m", "webapp.cli", *args], cwd=tmp_path,
                             env=environment, stdout=log, stderr=subprocess.STDOUT)
    started.append(child)
    return child


def test_web_and_worker_processes_serve_a_conversation(office, started, environment, tmp_path):
    port = free_port()
    start(started, environment, tmp_path, "web", "--port", str(port), "--workers", "2")
    start(started, environment, tmp_path, "worker")
    eventually(lambda: _healthy(port), "the web app answering /healthz")
    requests.post(f"{office.sandbox.url}/sandbox/control/callback-url",
                  json={"url": f"http://127.0.0.1:{port}/wecom/callback"}, timeout=10)

    office.say("zhangwei", "新建 核对来文 @李娜 2小时内", work=False)

    eventually(lambda: office.cards("lina"), "the card reaching the holder")
    eventually(lambda: office.replies("zhangwei"), "the confirmation reaching the requester")
    assert "已创建任务 #1" in office.last_reply("zhangwei")
    office.click("lina", "接办", work=False)
    eventually(lambda: office.cards("lina")[-1]["disabled"], "the card being updated")
    assert office.cards("lina")[-1]["replace_text"] == "已由李娜接办"


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False
