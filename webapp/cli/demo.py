"""`mashangban demo`: the whole product on one machine, talking to a platform's sandbox.

It fixes demo credentials shared by the sandbox and the product (the platform's
`demo_settings`; WeCom by default, `--platform dingtalk` / `make demo PLATFORM=dingtalk`
for DingTalk), migrates, starts the embedded Redis, the sandbox, the web app and a worker
(which also keeps the platform's receiving connection, for DingTalk's Stream mode), loads
the sandbox's directory, and stops all of it on Ctrl-C.

A newcomer reads its window, so it explains itself: a busy port is one line naming the
port and how to pick another (`make demo PORT=…` when started by make), and the processes
log only problems unless asked (`-v`, `make demo V=1`). The sandbox keeps its chat history
beside the demo's database (a file per platform), so a restarted demo shows the
conversations behind its tasks.
"""

import argparse
import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from webapp.cli import common

DEMO_ROUTING = Path(__file__).parent / "demo_routing.yaml"

DEMO_PLATFORM = "wecom"  # the default; `--platform` chooses another
DEMO_HOST = "127.0.0.1"
DEMO_ADMINS = "liuyang"  # the demo's admin (MASHANGBAN_ADMINS), so the admin pages can be tried
HISTORY_FILE = "sandbox-chat.sqlite3"  # in the var dir, beside the SQLite database
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class DemoPort:
    """One port the demo listens on, and how the person who started it changes it."""

    port: int
    what: str  # "the web app"
    make_variable: str  # PORT
    option: str  # --port


@dataclass(frozen=True)
class Child:
    """A process the demo started; a server has its `port` and the `path` that answers
    200 there once it is up."""

    name: str
    process: "subprocess.Popen[bytes]"
    port: DemoPort | None = None
    path: str = "/"


def history_file(platform_name: str) -> str:
    """The sandbox's chat history file in the var dir: one per platform, as a history file
    belongs to one platform's sandbox and the demo's var dir serves them all; the default
    platform's keeps the name it had before there were two."""
    if platform_name == DEMO_PLATFORM:
        return HISTORY_FILE
    return HISTORY_FILE.replace(".sqlite3", f"-{platform_name}.sqlite3")


def public_url(web_port: int) -> str:
    """The demo's product, as the links it sends in chat name it."""
    return f"http://{DEMO_HOST}:{web_port}"


class StartFailed(Exception):
    """The demo cannot start; the message is the one line to show."""


def run_demo(*, web_port: int, sandbox_port: int, platform_name: str = DEMO_PLATFORM,
             verbose: bool = False, via_make: bool = False) -> int:
    """Start everything, print where to chat, and wait for Ctrl-C."""
    ports = [DemoPort(web_port, "the web app", "PORT", "--port"),
             DemoPort(sandbox_port, "the sandbox's chat page", "SANDBOX_PORT", "--sandbox-port")]
    problem = ports_problem(ports, via_make)
    if problem:  # before migrating or starting anything: nothing to undo
        return common.fail(problem)
    from integrations import registry

    platform = registry.platform(platform_name)
    os.environ["MASHANGBAN_PLATFORMS"] = platform_name
    os.environ.update(platform.demo_settings(f"http://{DEMO_HOST}:{sandbox_port}"))
    # The links on cards and in replies open the demo's own workbench, and the sandbox's
    # sign-in sends the browser back there (docs/workbench.md, "Links from chat").
    os.environ["MASHANGBAN_PUBLIC_URL"] = public_url(web_port)
    # 刘洋 administers the demo office (an installation's own MASHANGBAN_ADMINS wins)
    os.environ.setdefault("MASHANGBAN_ADMINS", DEMO_ADMINS)
    from webapp.cli import service
    from workers.settings import load_settings

    var_dir = load_settings().var_dir
    print(f"马上办 demo 正在启动（{platform.title}，数据在 {var_dir}/）…", flush=True)
    with _quiet_unless(verbose):
        service.db_upgrade()
    stop = _install_stop_handlers()
    children = _start_children(ports, platform.callback_path, var_dir / history_file(platform_name),
                               log_level="info" if verbose else "warning")
    started = False
    try:
        wait_for_start(children, ports, stop, via_make=via_make)
        started = True
        if not stop():
            with _quiet_unless(verbose):
                service.sync_directory()
                _seed_routing_and_roster()
                _seed_history(platform_name)
            _say_running(ports, var_dir, via_make)
        return _wait_for_stop(children, stop)
    except StartFailed as failed:
        return common.fail(str(failed))
    finally:
        _stop_children(children)
        if started:
            print("马上办 demo stopped.", flush=True)


def ports_problem(ports: list[DemoPort], via_make: bool,
                  checked: list[DemoPort] | None = None) -> str | None:
    """One line saying which of the `checked` ports (all by default) cannot be used and
    how to choose others, or None when they are free."""
    if len({p.port for p in ports}) < len(ports):
        listed = " and ".join(p.what for p in ports)
        return f"{listed} need different ports (both are {ports[0].port})"
    blocked = [(p, reason) for p in (ports if checked is None else checked)
               if (reason := common.port_unavailable(DEMO_HOST, p.port))]
    if not blocked:
        return None
    taken = {p.port for p in ports}
    what = "; ".join(f"port {p.port} ({p.what}) {reason}" for p, reason in blocked)
    others = [(p, _free_port_near(p.port, taken)) for p, _ in blocked]
    if via_make:
        fix = "make demo " + " ".join(f"{p.make_variable}={n}" for p, n in others)
    else:
        fix = "mashangban demo " + " ".join(f"{p.option} {n}" for p, n in others)
    return f"{what}; choose another, e.g. {fix}"


def _free_port_near(port: int, taken: set[int]) -> int:
    """A port after `port` that is free now, for the suggestion (port + 1 if none is)."""
    for candidate in range(port + 1, min(port + 50, 65536)):
        if candidate not in taken and common.port_unavailable(DEMO_HOST, candidate) is None:
            taken.add(candidate)
            return candidate
    return port + 1 if port < 65535 else 1024


def wait_for_start(children: list[Child], ports: list[DemoPort], stop: Callable[[], bool],
                   *, via_make: bool, timeout: float = START_TIMEOUT) -> None:
    """Wait until each server answers; raise StartFailed at once if a child exits.

    A child that dies because its port was taken after our check (another program was
    quicker) is told as a busy port, like the check before starting.
    """
    deadline = time.monotonic() + timeout
    pending = [c for c in children if c.port is not None]
    while not stop():
        for child in children:
            if child.process.poll() is not None:
                raise StartFailed(_death_line(child, ports, via_make))
        pending = [c for c in pending if not _answers(c)]
        if not pending:
            return
        if time.monotonic() > deadline:
            names = " and ".join(c.name for c in pending)
            raise StartFailed(f"{names} did not answer within {timeout:.0f} s; "
                              f"run {_verbose_demo(via_make)} to see why")
        time.sleep(0.2)


def _death_line(child: Child, ports: list[DemoPort], via_make: bool) -> str:
    if child.port is not None:
        busy = ports_problem(ports, via_make, checked=[child.port])
        if busy:
            return busy
    code = child.process.returncode
    return (f"{child.name} stopped while starting (exit code {code}); see the lines above, "
            f"or run {_verbose_demo(via_make)} for its log")


def _verbose_demo(via_make: bool) -> str:
    return "make demo V=1" if via_make else "mashangban demo -v"


def _answers(child: Child) -> bool:
    if child.port is None:
        return True
    try:
        return requests.get(f"http://{DEMO_HOST}:{child.port.port}{child.path}",
                            timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _say_running(ports: list[DemoPort], var_dir: Path, via_make: bool) -> None:
    web, sandbox = ports
    logs = _verbose_demo(via_make)
    print(f"\n马上办 demo is running. 打开浏览器开始聊天：http://{DEMO_HOST}:{sandbox.port}/\n"
          f"工作台：{public_url(web.port)}/m/（点卡片或回复里的链接即以聊天页所选成员登录打开）\n"
          f"（数据与聊天记录：{var_dir}/；查看日志：{logs}；按 Ctrl-C 停止。）\n", flush=True)


def _wait_for_stop(children: list[Child], stop: Callable[[], bool]) -> int:
    """Run until Ctrl-C (0), or until a process dies on its own (1, saying which)."""
    while not stop():
        for child in children:
            if child.process.poll() is not None and not stop():
                common.fail(f"{child.name} stopped (exit code {child.process.returncode}); "
                            "stopping the demo")
                return 1
        time.sleep(0.5)
    return 0


@contextlib.contextmanager
def _quiet_unless(verbose: bool) -> Iterator[None]:
    """Hold back what the set-up commands print; show it only if one of them fails."""
    if verbose:
        yield
        return
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            yield
    except BaseException:
        sys.stderr.write(said.getvalue())
        raise


def _seed_routing_and_roster() -> None:
    """Give the demo office intake rules and a duty roster for today, so 请示, 突发 and 值班
    show what they do; a demo that already has rules or a roster for today keeps its own."""
    from datetime import datetime

    from sqlalchemy import select

    from tasks.calendar.workdays import SHANGHAI
    from tasks.models import RoutingRule
    from webapp.cli.admin import routing_import
    from webapp.cli.roster import import_roster
    from workers.runtime import Runtime
    from workers.settings import load_settings

    with Runtime(load_settings()).sessions() as session:
        has_rules = session.scalar(select(RoutingRule.id).limit(1)) is not None
    if not has_rules:
        routing_import(argparse.Namespace(file=str(DEMO_ROUTING)))
    today = datetime.now(SHANGHAI).date().isoformat()
    roster = load_settings().var_dir / "demo-roster-today.csv"
    roster.write_text("日期,开始,结束,部门,带班,值班,候班\n"
                      f"{today},00:00,24:00,,周建国,马骏,杨帆\n", encoding="utf-8")
    import_roster(argparse.Namespace(file=str(roster), replace=False, year=None))


def _seed_history(platform_name: str) -> None:
    """Two weeks of the office's history on a fresh demo (webapp/cli/demo_history.py)."""
    from webapp.cli import demo_history
    from workers.runtime import Runtime
    from workers.settings import load_settings

    rt = Runtime(load_settings())
    with rt.sessions.begin() as session:
        demo_history.seed(session, now=rt.clock(), rules=rt.settings.rules,
                          platform=platform_name)


def _start_children(ports: list[DemoPort], callback_path: str, history: Path, *,
                    log_level: str) -> list[Child]:
    from workers.runtime import Runtime
    from workers.settings import load_settings

    Runtime(load_settings()).redis.ping()  # starts the embedded Redis once, before the rest
    web, sandbox = ports
    command = [sys.executable, "-m", "webapp.cli"]
    level = ["--log-level", log_level]
    callback = f"http://{DEMO_HOST}:{web.port}{callback_path}"
    return [
        Child("the sandbox", subprocess.Popen([
            *command, "sandbox", "--port", str(sandbox.port), "--callback", callback,
            "--history", str(history), *level]), sandbox),
        Child("the web app", subprocess.Popen([
            *command, "web", "--port", str(web.port), "--workers", "2", *level]), web,
              "/healthz"),
        # --with-stream: the worker also keeps the connection of a platform that pushes over
        # one we open (DingTalk's Stream mode); a callback platform has none.
        Child("the worker", subprocess.Popen([*command, "worker", "--with-stream", *level])),
    ]


def _install_stop_handlers() -> Callable[[], bool]:
    stopping = {"now": False}

    def request_stop(_signum: int, _frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return lambda: stopping["now"]


def _stop_children(children: list[Child]) -> None:
    from workers import embedded_redis
    from workers.settings import load_settings

    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.process.kill()
    settings = load_settings()
    if not settings.redis_url:
        embedded_redis.stop(settings.var_dir)
