"""Where one callback's time goes: the steps of `POST /wecom/callback`, timed one by one.

Runs in one process, sequentially (no concurrency, no HTTP server): the view through
Flask's test client next to `POST /bare`, then each step of the view on its own, on a
fresh SQLite file and the embedded Redis (or `--database-url`/`--redis-url`).

    .venv/bin/python -m benchmarks.callback_steps [--count 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.callback import Generator, backend, cleanup_redis, server_env

Request = tuple[dict[str, str], bytes]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--count", type=int, default=2000, help="requests per measurement")
    return parser.parse_args(argv)


def load_requests(prefix: Path) -> list[Request]:
    requests = []
    for line in Path(f"{prefix}.0.txt").read_text(encoding="utf-8").splitlines():
        target, body = line.split("\t", 1)
        requests.append((dict(parse_qsl(target.split("?", 1)[1])), body.encode()))
    return requests


def per_call_us(items: Iterable[Any], step: Callable[[Any], object]) -> float:
    items = list(items)
    started = time.perf_counter()
    for item in items:
        step(item)
    return (time.perf_counter() - started) / len(items) * 1e6


class Steps:
    """The steps of `webapp.wecom.receive`, callable one by one on the app's runtime."""

    def __init__(self, app: Any):
        self.rt = app.extensions["mashangban"]
        self.now = self.rt.clock()

    def decode(self, request: Request) -> Any:
        return self.rt.verifier.decode(request[0], request[1], self.now)

    def store(self, message: Any) -> None:
        self.rt.inbox.store(message, now=self.now)

    def after_commit(self, request: Request) -> None:
        from webapp import wecom

        wecom._after_commit(self.rt, request[0]["msg_signature"], wake=True)

    def all(self, request: Request) -> None:
        message = self.decode(request)
        self.store(message)
        self.after_commit(request)


def measure(app: Any, requests: list[Request], count: int) -> dict[str, float]:
    """Microseconds per call of the whole view and of each of its steps."""
    client, steps = app.test_client(), Steps(app)
    view, single = requests[:count], requests[count:2 * count]
    chain, warm = requests[2 * count:3 * count], requests[3 * count:]
    for params, body in warm:  # connections, caches, imports
        client.post("/wecom/callback", query_string=params, data=body)
    messages = [steps.decode(request) for request in single]
    return {
        "POST /bare (test client)": per_call_us(
            view, lambda r: client.post("/bare", query_string=r[0], data=r[1])),
        "POST /wecom/callback (test client)": per_call_us(
            view, lambda r: client.post("/wecom/callback", query_string=r[0], data=r[1])),
        "the view's steps in sequence, without Flask": per_call_us(chain, steps.all),
        "verify + AES-decrypt + parse": per_call_us(single, steps.decode),
        "DB: insert in its own transaction": per_call_us(messages, steps.store),
        "Redis: signature + wake-up (one pipeline)": per_call_us(single, steps.after_commit),
        "Redis: PING round trip": per_call_us(messages, lambda _: steps.rt.redis.ping()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="mashangban-steps-"))
    try:
        with backend(args, tmp) as (database_url, redis_url):
            os.environ.update(server_env(database_url, redis_url, tmp, "bench-steps"))
            from benchmarks.bench_app import app

            Generator().write(tmp / "steps", 1, args.count * 3 + 200, "/wecom/callback")
            results = measure(app, load_requests(tmp / "steps"), args.count)
            app.extensions["mashangban"].engine.dispose()
            cleanup_redis(redis_url, "bench-steps")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| step | µs per call |\n|---|---:|")
    for step, micros in results.items():
        print(f"| {step} | {micros:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
