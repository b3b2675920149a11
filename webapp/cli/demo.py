"""`mashangban demo`: the whole product on one machine, talking to a platform's sandbox.

It fixes demo credentials shared by the sandbox and the product (the platform's
`demo_settings`; WeCom by default), migrates, starts the embedded Redis, the sandbox, the
web app and a worker, loads the sandbox's directory, and stops all of it on Ctrl-C.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

DEMO_ROUTING = Path(__file__).parent / "demo_routing.yaml"

DEMO_PLATFORM = "wecom"


def run_demo(*, web_port: int, sandbox_port: int) -> int:
    """Start everything, print where to chat, and wait for Ctrl-C."""
    from integrations import registry

    platform = registry.platform(DEMO_PLATFORM)
    os.environ["MASHANGBAN_PLATFORMS"] = DEMO_PLATFORM
    os.environ.update(platform.demo_settings(f"http://127.0.0.1:{sandbox_port}"))
    from webapp.cli import service

    service.db_upgrade()
    children = _start_children(web_port, sandbox_port, platform.callback_path)
    stop = _install_stop_handlers()
    try:
        _wait_until(lambda: _up(f"http://127.0.0.1:{sandbox_port}/"), "sandbox")
        _wait_until(lambda: _up(f"http://127.0.0.1:{web_port}/healthz"), "web app")
        service.sync_directory()
        _seed_routing_and_roster()
        print(f"\n马上办 demo is running. 打开浏览器开始聊天：http://127.0.0.1:{sandbox_port}/\n"
              "按 Ctrl-C 停止。", flush=True)
        while not stop() and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        _stop_children(children)
    return 0


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


def _start_children(web_port: int, sandbox_port: int,
                    callback_path: str) -> list[subprocess.Popen[bytes]]:
    from workers.runtime import Runtime
    from workers.settings import load_settings

    Runtime(load_settings()).redis.ping()  # starts the embedded Redis once, before the rest
    command = [sys.executable, "-m", "webapp.cli"]
    callback = f"http://127.0.0.1:{web_port}{callback_path}"
    return [
        subprocess.Popen([*command, "sandbox", "--port", str(sandbox_port),
                          "--callback", callback]),
        subprocess.Popen([*command, "web", "--port", str(web_port), "--workers", "2"]),
        subprocess.Popen([*command, "worker"]),
    ]


def _install_stop_handlers() -> Callable[[], bool]:
    stopping = {"now": False}

    def request_stop(_signum: int, _frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return lambda: stopping["now"]


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    from workers import embedded_redis
    from workers.settings import load_settings

    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    settings = load_settings()
    if not settings.redis_url:
        embedded_redis.stop(settings.var_dir)
    print("马上办 demo stopped.", flush=True)


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
