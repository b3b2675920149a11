"""Benchmark: a soak run with faults; nothing may be lost and nothing done twice.

The system of `benchmarks/e2e.py` (`mashangban web`, `mashangban worker` processes, the
WeCom sandbox with a large directory synced into the product) on PostgreSQL and Redis
takes open-loop load at a steady rate (default 20 messages/s for 20 minutes) while:

* every `--kill-every` seconds (default 120) one worker, in turn, is killed with SIGKILL
  together with what it forked (RQ's scheduler), wherever it is in its work, and a new
  worker is started at once;
* once, at `--flush-at` seconds (default: half-way), the product's Redis database is
  emptied (FLUSHDB: the Redis server may be shared, so only the product's db; its queue,
  wake-up flag, replay-check keys and locks are gone).

Each message is `新建 压测E2E… @某人`, whose holder must get exactly one card. After the load
the run waits for the backlog to drain (at most `--drain` seconds), then reports lost
(a message whose card never arrived), duplicated (a recipient got a message's token
twice, not counting sends WeCom's duplicate check dropped), message→delivered p50/p99/max
and the callback's answer times. The verdict needs 0 lost and 0 duplicated.

    .venv/bin/python -m benchmarks.soak [--write-docs]
    .venv/bin/python -m benchmarks.soak --duration 180 --kill-every 30   # a short proof

It recreates the PostgreSQL database of `--pg-url` (named `bench_e2e…`) and flushes the
Redis db of `--redis-url`; it is a benchmark, not a CI test.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import e2e

SECTION = "soak-benchmark"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_e2e_soak"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=1200.0, help="seconds of load")
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--kill-every", type=float, default=120.0,
                        help="seconds between worker kills (0: none)")
    parser.add_argument("--flush-at", type=float, default=None,
                        help="second of the load at which Redis is flushed (default: half-way;"
                             " negative: never)")
    parser.add_argument("--drain", type=float, default=420.0,
                        help="seconds after the load for the backlog to drain; more than "
                             "the product's release of a send a killed worker left in "
                             "`sending` (5 min) plus the sweep's lag")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--write-docs", action="store_true",
                        help=f"write the 'Soak run' section of {e2e.DOC.relative_to(e2e.ROOT)}")
    args = parser.parse_args(argv)
    if args.flush_at is None:
        args.flush_at = args.duration / 2
    return args


class Chaos(threading.Thread):
    """Kills a worker every `kill_every` seconds (restarting it at once) and flushes the
    product's Redis db once at `flush_at`, both counted from `origin` (monotonic), until
    `until` seconds after it (no faults after the load)."""

    def __init__(self, system: e2e.System, kill_every: float, flush_at: float, origin: float,
                 until: float) -> None:
        super().__init__(name="soak-chaos", daemon=True)
        self.system, self.kill_every, self.flush_at = system, kill_every, flush_at
        self.origin, self.until = origin, until
        self.events: list[str] = []
        self.kills = 0
        self.stopped = threading.Event()

    def _plan(self) -> Iterator[tuple[float, str]]:
        faults = []
        if self.kill_every > 0:
            at = self.kill_every
            while at < self.until:
                faults.append((at, "kill"))
                at += self.kill_every
        if 0 <= self.flush_at < self.until:
            faults.append((self.flush_at, "flush"))
        return iter(sorted(faults))

    def run(self) -> None:
        for at, fault in self._plan():
            if self.stopped.wait(max(0.0, self.origin + at - time.monotonic())):
                return
            if fault == "kill":
                self._kill()
            else:
                self._flush()

    def _kill(self) -> None:
        alive = [w for w in self.system.workers if w.poll() is None]
        victim = alive[0] if alive else None  # the oldest: each worker in turn
        if victim is not None:
            self.system.kill_worker(victim)
        self.system.start_worker()
        self.kills += 1
        self._note(f"SIGKILL worker pid {victim.pid if victim else '-'} and started another")

    def _flush(self) -> None:
        e2e.flush_redis(self.system.redis_url)
        self._note("FLUSHDB on the product's Redis db")

    def _note(self, what: str) -> None:
        line = f"{time.monotonic() - self.origin:.0f} s: {what}"
        self.events.append(line)
        print(f"  {line}", flush=True)


@dataclass
class SoakResult:
    messages: int
    step: e2e.StepResult
    events: list[str]
    load_before: float
    load_after: float
    drained_in: float  # seconds after the load until the last delivery (or the deadline)
    lost_tokens: list[str]
    dropped: int  # sends WeCom's duplicate check (or an error) kept from the chat


def run(args: argparse.Namespace, tmp: Path) -> SoakResult:
    tag = secrets.token_hex(2)
    with e2e.backend("postgresql", tmp, args.pg_url, args.redis_url) as (database, redis):
        system = e2e.System(tmp, database, redis, args.web_workers, args.people)
        try:
            system.start(args.workers)
            maker = e2e.CallbackMaker()
            warm = e2e.run_step(system, maker, 5, 1.0, 60, 0, tag)
            if warm.lost:
                raise RuntimeError("warm-up messages were not delivered:\n" + system.logs_tail())
            count = round(args.rate * args.duration)
            messages = e2e.make_messages(1000, count, args.people, tag)
            load_before = os.getloadavg()[0]
            origin = time.monotonic()
            chaos = Chaos(system, args.kill_every, args.flush_at, origin, args.duration)
            chaos.start()
            try:
                sent = e2e.send_open_loop(
                    system.web_port, (maker.request(m, system.web_port) for m in messages),
                    args.rate)
            finally:
                chaos.stopped.set()
                chaos.join()
            load_end, load_end_wall = time.monotonic(), time.time()
            print(f"  load done ({len(sent)} sent); draining", flush=True)
            outcome = e2e.wait_delivered(system.deliveries, messages, load_end + args.drain,
                                         grace=5.0)
            drained = max(outcome.delivered.values(), default=load_end_wall) - load_end_wall
            step = e2e.StepResult.of(args.rate, messages, sent, outcome, load_before)
            return SoakResult(count, step, chaos.events, load_before, os.getloadavg()[0],
                              drained, outcome.lost, outcome.dropped)
        finally:
            system.stop()


def results_markdown(args: argparse.Namespace, result: SoakResult, command: str) -> str:
    step = result.step
    good = step.lost == 0 and step.duplicated == 0
    return "\n".join([
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `{command}`: "
        f"{args.duration:g} s at {args.rate:g} messages/s on PostgreSQL + Redis, "
        f"{args.workers} workers, {args.people} generated people.",
        "",
        "| messages | lost | duplicated | p50 message→delivered (s) | p99 (s) | max (s) "
        "| delivered/s | callback p50 (ms) | callback p99 (ms) | non-200 | worker kills "
        "| Redis flushes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.messages} | {step.lost} | {step.duplicated} | "
        f"{e2e.fmt(e2e.percentile(step.latencies, .5))} | "
        f"{e2e.fmt(e2e.percentile(step.latencies, .99))} | "
        f"{e2e.fmt(max(step.latencies, default=float('nan')))} | {step.delivered_per_s:.1f} | "
        f"{e2e.fmt(e2e.percentile(step.callback_ms, .5), 0)} | "
        f"{e2e.fmt(e2e.percentile(step.callback_ms, .99), 0)} | {step.non_200} | "
        f"{sum('SIGKILL' in e for e in result.events)} | "
        f"{sum('FLUSH' in e for e in result.events)} |",
        "",
        f"Verdict (0 lost, 0 duplicated): **{'met' if good else 'NOT met'}**. The last card "
        f"arrived {result.drained_in:.1f} s after the load ended. Sends that did not reach "
        f"the chat (WeCom's duplicate check dropping a resend, or an error answer): "
        f"{result.dropped}; every message made {step.sends_per_message:.2f} sends on average "
        "(a card and the sender's confirmation: 2 without resends).",
        "",
        "Faults, in seconds from the start of the load: " + "; ".join(result.events) + ".",
        "",
        f"Machine: {e2e.describe_machine()}; load average (1 min) {result.load_before:.2f} "
        f"before the run, {result.load_after:.2f} after it.",
    ])


SOAK_INTRO = """\
`benchmarks/soak.py` runs the end-to-end system (as in "End to end") on PostgreSQL and
Redis at a steady open-loop rate while a worker is killed with SIGKILL at regular
intervals (and restarted at once) and the product's Redis db is flushed once, then waits
for the backlog to drain and counts lost and duplicated cards. The full run is
`.venv/bin/python -m benchmarks.soak --write-docs` (20 minutes at 20 messages/s, a kill
every 2 minutes, the flush half-way; then up to 7 minutes of drain). The kills take the
oldest worker each time, with what it forked (RQ's scheduler); the flush is `FLUSHDB` on
the product's Redis db rather than `FLUSHALL`, so that a Redis server shared with other
databases keeps them; for the product it is the same, since it uses one db. A send that
WeCom's duplicate check drops (a resend after a kill) is not a duplicate: the member
sees nothing; the run reports how many there were.

"""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m benchmarks.soak " + " ".join(sys.argv[1:] if argv is None else argv)
    tmp = Path(tempfile.mkdtemp(prefix="mashangban-soak-"))
    started = time.monotonic()
    try:
        result = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section = results_markdown(args, result, command.strip())
    print()
    print(section)
    if result.lost_tokens:
        print(f"lost (first 20): {', '.join(result.lost_tokens[:20])}")
    print(f"\n(total run time {time.monotonic() - started:.0f} s)")
    if args.write_docs:
        e2e.write_docs(section, SECTION, "Soak run", SOAK_INTRO)
        print(f"wrote {e2e.DOC.relative_to(e2e.ROOT)}")
    return 0 if result.step.lost == 0 and result.step.duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
