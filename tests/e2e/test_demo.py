"""`make demo` as a newcomer meets it (README, "Quick start").

A busy port is one line naming the port and the variable that moves it, and nothing
starts; the window stays quiet while people chat (`-v` shows the logs); the chat page's
history outlives a restart, as the tasks in the database do; and installing the checkout
for the demo prints no setuptools warning box.

The demo runs as a child process on embedded defaults in a temporary var dir, as on a
fresh clone.

`make demo` runs the WeCom sandbox; the last test runs the demo on DingTalk's.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.processes import free_port, free_ports
from webapp.cli.demo import Child, DemoPort, StartFailed, wait_for_start
from workers import embedded_redis

REPO = Path(__file__).resolve().parents[2]
# Lines that would appear once per chat message if the processes logged at info.
PER_MESSAGE = ("/wecom/callback", "/sandbox/chat", "/cgi-bin/", "process_messages", "Job OK")


@pytest.fixture
def occupied() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def demo_environment(tmp_path: Path) -> dict[str, str]:
    """A fresh clone's environment: no MASHANGBAN_* of the developer's, var under tmp."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environ["MASHANGBAN_VAR_DIR"] = str(tmp_path / "var")
    environ["PYTHONPATH"] = str(REPO)
    return environ


def eventually(check: Callable[[], object], what: str, timeout: float = 120.0) -> object:
    """Poll with a deadline: the demo's processes start on their own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.mark.parametrize(("via_make", "busy_one", "fix"), [
    (True, "sandbox", "make demo SANDBOX_PORT="),
    (False, "web", "mashangban demo --port "),
])
def test_a_busy_port_is_one_line_naming_it_and_how_to_move_it(tmp_path, occupied, via_make,
                                                              busy_one, fix):
    web, sandbox = (occupied, free_port()) if busy_one == "web" else (free_port(), occupied)
    command = [sys.executable, "-m", "webapp.cli", "demo", "--port", str(web),
               "--sandbox-port", str(sandbox), *(["--via-make"] if via_make else [])]

    done = subprocess.run(command, cwd=tmp_path, env=demo_environment(tmp_path),
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"mashangban: port {occupied} (")
    assert "is already in use" in line and fix in line
    assert not (tmp_path / "var").exists()  # nothing migrated, nothing started


def test_a_server_dying_at_start_up_on_a_taken_port_is_the_same_one_line(occupied):
    """Another program may take the port between the check and our server's start."""
    ports = [DemoPort(free_port(), "the web app", "PORT", "--port"),
             DemoPort(occupied, "the sandbox's chat page", "SANDBOX_PORT", "--sandbox-port")]
    died = subprocess.Popen([sys.executable, "-c", "raise SystemExit(2)"])
    died.wait(timeout=30)

    with pytest.raises(StartFailed) as failed:
        wait_for_start([Child("the sandbox", died, ports[1])], ports, lambda: False,
                       via_make=True)

    line = str(failed.value)
    assert "\n" not in line
    assert line.startswith(f"port {occupied} (the sandbox's chat page) is already in use")
    assert "make demo SANDBOX_PORT=" in line and "PORT=" not in line.replace("SANDBOX_PORT", "")


def test_a_worker_dying_at_start_up_is_one_line_with_its_exit_code():
    ports = [DemoPort(free_port(), "the web app", "PORT", "--port")]
    died = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    died.wait(timeout=30)

    with pytest.raises(StartFailed) as failed:
        wait_for_start([Child("the worker", died)], ports, lambda: False, via_make=True)

    assert str(failed.value).startswith("the worker stopped while starting (exit code 3)")


class Demo:
    """`mashangban demo` running as a child, its window (stdout and stderr) in a file."""

    def __init__(self, tmp_path: Path, run: int, *options: str) -> None:
        self.web, self.sandbox = free_ports(2)
        self.window = tmp_path / f"window-{run}.txt"
        with self.window.open("w") as window:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "webapp.cli", "demo", "--port", str(self.web),
                 "--sandbox-port", str(self.sandbox), "--via-make", *options],
                cwd=tmp_path, env=demo_environment(tmp_path), stdout=window,
                stderr=subprocess.STDOUT, start_new_session=True)  # its children with it
        eventually(self.running, "the demo saying it is running")

    def running(self) -> bool:
        assert self.process.poll() is None, self.lines()
        return "is running" in self.window.read_text()

    def lines(self) -> list[str]:
        return [line for line in self.window.read_text().splitlines() if line.strip()]

    def transcript(self, userid: str) -> list[dict]:
        url = f"http://127.0.0.1:{self.sandbox}/sandbox/chat/{userid}/messages"
        return requests.get(url, timeout=10).json()["messages"]

    def chat(self, userid: str, text: str) -> str:
        """Send `text` as `userid` on the chat page; the app's reply once it arrives."""
        before = len(self.transcript(userid))
        url = f"http://127.0.0.1:{self.sandbox}/sandbox/chat/{userid}/send"
        assert requests.post(url, json={"text": text}, timeout=30).json()["status"] == 200
        replies = eventually(lambda: [m for m in self.transcript(userid)[before:]
                                      if m["from"] == "app"], f"the reply to {text}")
        assert isinstance(replies, list)
        return replies[0]["content"]

    def stop(self) -> list[str]:
        """Ctrl-C; what the window shows in the end."""
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=60) == 0
        return self.lines()


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[list[Demo]]:
    """Demos a test starts; one a failed test left running is ended with its children
    (its process group) and its embedded Redis, which runs as a daemon of its own."""
    started: list[Demo] = []
    yield started
    for demo in started:
        if demo.process.poll() is None:
            os.killpg(demo.process.pid, signal.SIGTERM)
            try:
                demo.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(demo.process.pid, signal.SIGKILL)
                demo.process.wait(timeout=30)
    embedded_redis.stop(tmp_path / "var")


def created_number(reply: str) -> int:
    """The number of the task a 新建 reply says was created."""
    found = re.search(r"已创建任务 #(\d+)", reply)
    assert found, reply
    return int(found.group(1))


def test_a_quiet_window_a_history_that_outlives_a_restart_and_logs_on_request(tmp_path,
                                                                              demos):
    demos.append(first := Demo(tmp_path, 1))
    assert "指令一览" in first.chat("zhangwei", "帮助")
    created = first.chat("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    number = created_number(created)  # after the demo's history (webapp/cli/demo_history.py)
    window = first.stop()

    assert not [line for line in window if any(mark in line for mark in PER_MESSAGE)]
    assert not [line for line in window if "Traceback" in line or "INFO" in line]
    assert len(window) == 5, window  # starting, running, the workbench, how to stop, stopped
    assert "is running" in window[1] and "make demo V=1" in window[3]
    assert window[2].startswith(f"工作台：http://127.0.0.1:{first.web}/m/")

    demos.append(second := Demo(tmp_path, 2, "--verbose"))
    shown = [(m["from"], m.get("content")) for m in second.transcript("zhangwei")]
    assert shown[0] == ("member", "帮助")
    assert ("member", "新建 起草年度工作总结 @李娜 3天内") in shown
    assert [m["card"]["main_title"]["title"] for m in second.transcript("lina")
            if m["msgtype"] == "template_card"] == [f"新任务 #{number}"]
    assert (f"[#{number}](http://127.0.0.1:{second.web}/m/tasks/{number}?p=wecom) "
            "起草年度工作总结" in second.chat("lina", "我的"))
    window = second.stop()

    assert [line for line in window if "/wecom/callback" in line]
    assert [line for line in window if "process_messages" in line]


def test_a_card_in_the_chat_page_opens_the_task_page_signed_in_as_its_member(tmp_path,
                                                                             demos):
    """The newcomer's way into the workbench: the card 李娜 got links to the demo's own
    task page, and following it (the sandbox's OAuth, as the member chosen on the chat
    page) lands on that page signed in as her."""
    demos.append(demo := Demo(tmp_path, 1))
    number = created_number(demo.chat("zhangwei", "新建 起草年度工作总结 @李娜 3天内"))
    card = eventually(lambda: [m["card"] for m in demo.transcript("lina")
                               if m["msgtype"] == "template_card"], "李娜's card")[0]
    link = card["card_action"]["url"]
    assert link == f"http://127.0.0.1:{demo.web}/m/tasks/{number}?p=wecom"
    assert card["horizontal_content_list"][-1]["url"] == link

    browser = requests.Session()  # the chat page chose 李娜: its cookie says so
    browser.cookies.set("sandbox_member", "lina", domain="127.0.0.1")
    landed = browser.get(link, timeout=30)

    assert landed.status_code == 200
    assert landed.url.split("?")[0] == f"http://127.0.0.1:{demo.web}/m/tasks/{number}"
    assert [r.status_code for r in landed.history] == [302, 302, 302, 302]  # OAuth round
    assert "起草年度工作总结" in landed.text and "李娜" in landed.text
    me = browser.get(f"http://127.0.0.1:{demo.web}/api/v1/me", timeout=30).json()
    assert me["userid"] == "lina"


def test_installing_the_checkout_for_the_demo_prints_no_warning_box(tmp_path):
    """`make demo` runs `pip install -e .`; setuptools' "Editable installation" box (its
    meta path finder for a layout it does not recognise) was the first thing people saw."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"

    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "-q", "--no-deps", "--no-input", "-e", str(REPO)],
                          capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "Editable installation" not in said and "!!" not in said and "*****" not in said
    path = subprocess.run([str(python), "-c", "import sys; print(sys.path)"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert repr(str(REPO)) in path  # the checkout itself is importable, as before


def connected(demo: Demo) -> None:
    """Wait for the worker's Stream connection: it opens just after start-up, and a message
    typed before that waits in the sandbox and goes out on connect, the reply later."""
    frames = f"http://127.0.0.1:{demo.sandbox}/sandbox/control/frames"
    eventually(lambda: requests.get(frames, timeout=10).json()["connects"] >= 1,
               "the worker's Stream connection")


def test_the_demo_runs_the_office_on_dingtalk_through_its_stream(tmp_path, demos):
    """`make demo PLATFORM=dingtalk`: the same office on DingTalk's sandbox, the messages
    arriving over the Stream connection the demo's worker keeps, cards pressed in place;
    restarted, it shows the earlier conversation and its card goes on working."""
    demos.append(demo := Demo(tmp_path, 1, "--platform", "dingtalk"))
    assert "钉钉" in demo.lines()[0]
    connected(demo)
    number = created_number(demo.chat("zhangwei", "新建 起草年度工作总结 @李娜 3天内"))
    card = eventually(lambda: [m for m in demo.transcript("lina") if m["msgtype"] == "card"],
                      "李娜's card")[0]
    assert card["card"]["header"]["title"]["text"] == f"新任务 #{number}"
    url = f"http://127.0.0.1:{demo.sandbox}/sandbox/chat/lina/click"
    pressed = requests.post(url, json={"card_id": card["card_id"], "key": f"accept:{number}"},
                            timeout=30).json()
    assert pressed["status"] == 200
    eventually(lambda: any(f"已接办任务 #{number}" in (m.get("content") or "")
                           for m in demo.transcript("lina")), "the reply to 接办")
    before = {user: demo.transcript(user) for user in ("zhangwei", "lina")}
    window = demo.stop()
    assert not [line for line in window if "Traceback" in line or "INFO" in line]

    demos.append(again := Demo(tmp_path, 2, "--platform", "dingtalk"))
    for user, earlier in before.items():  # as it was (the office may have said more since)
        assert again.transcript(user)[:len(earlier)] == earlier
    shown = [(m["from"], m.get("content")) for m in again.transcript("zhangwei")]
    assert ("user", "新建 起草年度工作总结 @李娜 3天内") in shown
    connected(again)
    assert (f"[#{number}](http://127.0.0.1:{again.web}/m/tasks/{number}?p=dingtalk) "
            "起草年度工作总结" in again.chat("lina", "我的"))
    again.stop()
