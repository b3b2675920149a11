"""Benchmark: from a user's message to the reply delivered at the WeCom API, end to end.

The whole product runs as an operator runs it, each in processes of its own:
`mashangban web` (gunicorn, the real callback URL), N `mashangban worker` processes, and
the WeCom sandbox as the API (`benchmarks.e2e_sandbox`: the product's sandbox with a large
generated directory, loaded into the product by `mashangban sync-directory`, and a log of
every `message/send` with its arrival time).

Load is open-loop: at each rate, encrypted callbacks (pre-generated, valid, each with a
unique MsgId and nonce) are sent on a fixed schedule, i/rate seconds after the start,
whatever the server answers or how slowly, each on its own connection. Each message is
`新建 压测E2E… @某人`, a new task for a generated person: the product answers it with a
card to the holder. Senders and holders take turns through the directory so that no one
gets more than a few messages per step (the per-member rate limit is not what is
measured). A message is delivered when the sandbox receives the `message/send` to its
holder that carries its unique token; message→delivered is that arrival minus the
callback's send time (both on this machine's wall clock).

Per configuration (database × worker processes) and rate it reports p50/p99/max
message→delivered, delivered per second (deliveries over first send to last delivery),
the callback's p50/p99 answer time, non-200 answers, lost (no delivery to the holder by
`--drain` seconds after the step's load ended) and duplicated (a recipient got its token
more than once). Steps run one after the other, each waiting for its backlog to drain.

It also accounts the CPU of every process of the system over each step's load and drain
(`benchmarks/proc_cpu.py`, from /proc): web (gunicorn and its workers), workers,
sandbox, database (the PostgreSQL server's processes and this run's backends), Redis and
the load generator (this process), as milliseconds per delivered message, their sum, the
share of the machine's capacity they used, the share other work on the machine used (the
noise), and the ceiling that cost allows on these cores (nproc × 1000 ms / ms per message).

    .venv/bin/python -m benchmarks.e2e [--write-docs]
    .venv/bin/python -m benchmarks.e2e --quick
    .venv/bin/python -m benchmarks.e2e --databases postgresql --workers 2 --rates 100

PostgreSQL runs in a database created afresh for each configuration (`bench_e2e` on the
server of `--pg-url`, dropped at the end) with the Redis of `--redis-url` (its db is
flushed first); SQLite runs on a fresh file with the embedded Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.e2e_sandbox import person_name, userid
from benchmarks.proc_cpu import OUTSIDE, CpuMeter, CpuUse, ProcStat, read_cmdline, read_processes

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
SECTION = "e2e-benchmark"  # markers <!-- e2e-benchmark:start --> ... :end -->
TOKEN = "E2eBenchToken"
AES_KEY = "e2eBenchKey0123456789abcdefghijklmnopqrstuv"  # 43 letters or digits
CORP_ID = "wwe2ebench000001"
AGENT_ID = 1000002
CALLBACK_PATH = "/wecom/callback"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_e2e"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
GENERATOR = "load generator"
COMPONENTS = ("web", "workers", "sandbox", "database", "redis", GENERATOR)


# ---- messages and their callbacks --------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One user message of the load: who sends it, whose card it should produce."""

    number: int
    token: str
    sender: str
    holder: str
    text: str


def make_messages(start: int, count: int, directory_size: int, tag: str) -> list[Message]:
    """Messages `start`..`start+count-1`: senders walk the directory in order, holders in
    steps of 37, so within a step everyone sends and receives about equally often."""
    messages = []
    for number in range(start, start + count):
        sender = number % directory_size
        holder = (number * 37 + 11) % directory_size
        if holder == sender:
            holder = (holder + 1) % directory_size
        token = f"E2E{tag}{number:06d}"
        messages.append(Message(number, token, userid(sender), userid(holder),
                                f"新建 压测{token} @{person_name(holder)}"))
    return messages


@dataclass
class CallbackMaker:
    """Encrypted, signed WeCom callbacks as raw HTTP requests; MsgId and nonce never repeat."""

    token: str = TOKEN
    aes_key: str = AES_KEY
    corp_id: str = CORP_ID
    next_msg_id: int = field(default_factory=lambda: time.time_ns() // 1000)
    nonce_prefix: str = field(default_factory=lambda: secrets.token_hex(4))

    def request(self, message: Message, port: int, path: str = CALLBACK_PATH) -> bytes:
        from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback

        msg_id, self.next_msg_id = self.next_msg_id, self.next_msg_id + 1
        timestamp = int(time.time())
        plain = build_text_xml(self.corp_id, message.sender, message.text, msg_id, AGENT_ID,
                               timestamp)
        params, body = encrypt_callback(plain, self.token, self.aes_key, self.corp_id,
                                        str(timestamp), f"{self.nonce_prefix}{msg_id}")
        head = (f"POST {path}?{urlencode(params)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n")
        return head.encode() + body


# ---- open-loop sender ----------------------------------------------------------------------


@dataclass
class Sent:
    """One callback as the sender saw it: wall-clock send time, answer time, HTTP status
    (0: no answer, connection error or timeout)."""

    at: float
    seconds: float
    status: int


async def _one(port: int, raw: bytes, timeout: float) -> Sent:
    at, started = time.time(), time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout)
        try:
            writer.write(raw)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()
        match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
        status = int(match.group(1)) if match else 0
    except (TimeoutError, OSError):
        status = 0
    return Sent(at, time.perf_counter() - started, status)


async def _open_loop(port: int, requests: Iterable[bytes], rate: float, timeout: float
                     ) -> list[Sent]:
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1
    tasks = []
    for index, raw in enumerate(requests):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(port, raw, timeout)))
    return list(await asyncio.gather(*tasks))


def send_open_loop(port: int, requests: Iterable[bytes], rate: float,
                   timeout: float = 30.0) -> list[Sent]:
    """Send request i at start + i/rate, never waiting for earlier answers. `requests`
    may be a generator making each just in time (a callback's timestamp must be fresh).

    A slow server means many connections open at once (rate × answer time), so the
    open-file limit is raised to its maximum first: running out of descriptors would
    show as refused callbacks that the server never saw."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return asyncio.run(_open_loop(port, requests, rate, timeout))


# ---- deliveries and their correlation ------------------------------------------------------


@dataclass
class Outcome:
    """What became of a set of messages, from the sandbox's delivery log."""

    delivered: dict[str, float]  # token -> first arrival of a send to its holder
    duplicated: list[str]  # tokens some recipient received more than once
    lost: list[str]  # tokens never delivered to their holder
    sends: int  # message/send calls carrying one of the tokens (reaching the chat or not)
    dropped: int = 0  # of those, refused or dropped by WeCom's duplicate check (resends)


def correlate(messages: Sequence[Message], log: Sequence[Sequence[Any]]) -> Outcome:
    """Match the delivery log ([arrival, touser, [tokens], msgtype, reached chat]
    entries) to the messages; a send that did not reach the chat delivers nothing."""
    wanted = {m.token: m for m in messages}
    delivered: dict[str, float] = {}
    seen: dict[tuple[str, str], int] = {}
    sends = dropped = 0
    for at, touser, tokens, *rest in log:
        reached = bool(rest[1]) if len(rest) > 1 else True
        for token in tokens:
            message = wanted.get(token)
            if message is None:
                continue
            sends += 1
            if not reached:  # refused, or dropped by WeCom's duplicate check
                dropped += 1
                continue
            for recipient in str(touser).split("|"):
                seen[(token, recipient)] = seen.get((token, recipient), 0) + 1
                if recipient == message.holder and token not in delivered:
                    delivered[token] = float(at)
    duplicated = sorted({token for (token, _), count in seen.items() if count > 1})
    lost = [m.token for m in messages if m.token not in delivered]
    return Outcome(delivered, duplicated, lost, sends, dropped)


def fetch_deliveries(sandbox_port: int, since: int = 0) -> list[list[Any]]:
    url = f"http://127.0.0.1:{sandbox_port}/bench/deliveries?since={since}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return list(json.loads(answer.read()))


@dataclass
class DeliveryFeed:
    """The sandbox's delivery log, fetched incrementally (a soak run logs tens of
    thousands of sends; polling it whole would load the sandbox being measured)."""

    sandbox_port: int
    entries: list[list[Any]] = field(default_factory=list)

    def refresh(self) -> list[list[Any]]:
        self.entries += fetch_deliveries(self.sandbox_port, len(self.entries))
        return self.entries


def wait_delivered(feed: DeliveryFeed, messages: Sequence[Message], deadline: float,
                   grace: float = 1.0) -> Outcome:
    """Poll the delivery log until every message reached its holder or the monotonic
    deadline passes; then `grace` seconds more for late duplicates."""
    while True:
        outcome = correlate(messages, feed.refresh())
        if not outcome.lost or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    time.sleep(grace)
    return correlate(messages, feed.refresh())


# ---- results --------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


@dataclass
class StepResult:
    """One rate on one configuration."""

    rate: float
    messages: int
    latencies: list[float]  # message -> delivered, seconds
    delivered_per_s: float
    callback_ms: list[float]
    non_200: int
    lost: int
    duplicated: int
    sends_per_message: float
    load_before: float
    cpu: CpuUse | None = None  # CPU per component over the step's load and drain

    @classmethod
    def of(cls, rate: float, messages: Sequence[Message], sent: Sequence[Sent],
           outcome: Outcome, load_before: float) -> StepResult:
        by_token = {m.token: s for m, s in zip(messages, sent, strict=True)}
        latencies = [outcome.delivered[t] - by_token[t].at for t in outcome.delivered]
        first = min(s.at for s in sent)
        last = max(outcome.delivered.values(), default=first)
        return cls(rate, len(messages), latencies,
                   len(outcome.delivered) / max(last - first, 1e-9),
                   [s.seconds * 1000 for s in sent], sum(s.status != 200 for s in sent),
                   len(outcome.lost), len(outcome.duplicated),
                   outcome.sends / max(1, len(messages)), load_before)

    def line(self) -> str:
        return (f"{self.rate:g}/s: {self.messages} msgs, message→delivered p50 "
                f"{percentile(self.latencies, .5):.2f} s p99 {percentile(self.latencies, .99):.2f}"
                f" s max {max(self.latencies, default=float('nan')):.2f} s, delivered "
                f"{self.delivered_per_s:.1f}/s, callback p50 {percentile(self.callback_ms, .5):.0f}"
                f" ms p99 {percentile(self.callback_ms, .99):.0f} ms, non-200 {self.non_200}, "
                f"lost {self.lost}, duplicated {self.duplicated}, load before "
                f"{self.load_before:.2f}" + (f"\n      CPU {self.cpu_line()}" if self.cpu else ""))

    @property
    def delivered(self) -> int:
        return self.messages - self.lost

    def cpu_ms_per_message(self, component: str) -> float:
        """CPU milliseconds `component` spent per delivered message (NaN: none)."""
        if self.cpu is None or not self.delivered:
            return float("nan")
        return self.cpu.by_component.get(component, 0.0) / self.delivered

    def system_ms_per_message(self, with_generator: bool = True) -> float:
        if self.cpu is None or not self.delivered:
            return float("nan")
        exclude = () if with_generator else (GENERATOR,)
        return self.cpu.system_ms(exclude) / self.delivered

    def ceiling(self, with_generator: bool = True) -> float:
        """Messages/s these cores could sustain at most at this CPU cost per message."""
        return (os.cpu_count() or 1) * 1000 / self.system_ms_per_message(with_generator)

    def capacity_used(self) -> float:
        """The system's CPU over the machine's capacity during the step (0–1)."""
        if self.cpu is None:
            return float("nan")
        return self.cpu.system_ms() / max(self.cpu.machine_total_ms, 1e-9)

    def outside_share(self) -> float:
        """Other work's CPU over the machine's capacity during the step (0–1)."""
        if self.cpu is None:
            return float("nan")
        return self.cpu.by_component[OUTSIDE] / max(self.cpu.machine_total_ms, 1e-9)

    def cpu_line(self) -> str:
        parts = ", ".join(f"{name} {fmt(self.cpu_ms_per_message(name), 1)}"
                          for name in COMPONENTS)
        return (f"ms per delivered message: {parts}; sum {fmt(self.system_ms_per_message(), 1)}"
                f" ({fmt(self.system_ms_per_message(False), 1)} without the load generator); "
                f"system {fmt(100 * self.capacity_used(), 0)} % of the machine, outside "
                f"{fmt(100 * self.outside_share(), 0)} %; ceiling "
                f"{fmt(self.ceiling(False), 0)}/s ({fmt(self.ceiling(), 0)}/s with the "
                "generator)")


# ---- the system under test ------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as answer:
        return bool(answer.status == 200)


@dataclass
class System:
    """The product's processes and the sandbox for one configuration, in `folder`."""

    folder: Path
    database_url: str
    redis_url: str
    web_workers: int
    people: int
    web_port: int = field(default_factory=free_port)
    sandbox_port: int = field(default_factory=free_port)
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deliveries = DeliveryFeed(self.sandbox_port)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
        env.update({
            "MASHANGBAN_VAR_DIR": str(self.folder),
            "MASHANGBAN_DATABASE_URL": self.database_url,
            "MASHANGBAN_REDIS_URL": self.redis_url,
            "MASHANGBAN_QUEUE": "e2e",
            "MASHANGBAN_WECOM_CORP_ID": CORP_ID,
            "MASHANGBAN_WECOM_AGENT_ID": str(AGENT_ID),
            "MASHANGBAN_WECOM_SECRET": "e2e-bench-secret",
            "MASHANGBAN_WECOM_TOKEN": TOKEN,
            "MASHANGBAN_WECOM_AES_KEY": AES_KEY,
            "MASHANGBAN_WECOM_API_BASE": f"http://127.0.0.1:{self.sandbox_port}",
            "PYTHONPATH": str(ROOT),
        })
        return env

    def _spawn(self, name: str, *args: str, group: bool = False) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        child = subprocess.Popen([sys.executable, *args], cwd=self.folder, env=self.env,
                                 stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=group)
        log.close()
        return child

    def start(self, worker_count: int) -> None:
        """Sandbox, directory sync, web, workers; returns once the web answers."""
        self.children.append(self._spawn(
            "sandbox", "-m", "benchmarks.e2e_sandbox", "--port", str(self.sandbox_port),
            "--people", str(self.people),
            "--callback", f"http://127.0.0.1:{self.web_port}{CALLBACK_PATH}"))
        wait_for(lambda: http_ok(f"http://127.0.0.1:{self.sandbox_port}/bench/deliveries"),
                 "the sandbox answering")
        sync = subprocess.run([sys.executable, "-m", "webapp.cli", "sync-directory"],
                              cwd=self.folder, env=self.env, capture_output=True, text=True,
                              timeout=300)
        if sync.returncode:
            raise RuntimeError(f"sync-directory failed:\n{sync.stdout}\n{sync.stderr}")
        self.children.append(self._spawn(
            "web", "-m", "webapp.cli", "web", "--port", str(self.web_port),
            "--workers", str(self.web_workers), "--log-level", "warning"))
        wait_for(lambda: http_ok(f"http://127.0.0.1:{self.web_port}/healthz"), "the web answering")
        for _ in range(worker_count):
            self.start_worker()

    def start_worker(self) -> subprocess.Popen[bytes]:
        """A `mashangban worker` in a process group of its own (RQ forks its scheduler)."""
        child = self._spawn(f"worker-{len(self.workers)}", "-m", "webapp.cli", "worker",
                            "--log-level", "warning", group=True)
        self.workers.append(child)
        return child

    def kill_worker(self, child: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker and what it forked, at the same instant."""
        _signal_group(child, signal.SIGKILL)
        child.wait(timeout=30)

    def stop(self) -> None:
        for child in self.workers:
            if child.poll() is None:
                _signal_group(child, signal.SIGTERM)
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        for child in [*self.workers, *self.children]:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child in self.workers:
                _signal_group(child, signal.SIGKILL)  # a forked scheduler left behind

    def cpu_meter(self) -> CpuMeter:
        """CPU accounting for this system: the web (gunicorn's master and its workers),
        the workers (with RQ's forked scheduler), the sandbox, this process (the load
        generator), Redis (the embedded server of the SQLite runs; for PostgreSQL runs the
        server of the Redis URL, which other users' dbs may share) and the database: the
        PostgreSQL server's own processes and the backends of this run's database
        (backends of other databases count as outside work); SQLite runs inside the web
        and worker processes."""
        web = self.children[1].pid if len(self.children) > 1 else None
        sandbox = self.children[0].pid if self.children else None
        redis_pids = self._redis_pids()

        def roots() -> dict[int, str]:
            found = {os.getpid(): GENERATOR}
            found.update({pid: "redis" for pid in redis_pids})
            if sandbox:
                found[sandbox] = "sandbox"
            if web:
                found[web] = "web"
            found.update({w.pid: "workers" for w in self.workers})
            return found

        database = self.database_url.rsplit("/", 1)[-1].split("?")[0]

        def classify(stat: ProcStat, owner: dict[int, str]) -> str | None:
            if stat.comm != "postgres" or self.database_url.startswith("sqlite"):
                return None
            backend = re.match(r"postgres: [^:]+: \S+ (\S+) ", read_cmdline(stat.pid))
            return "database" if backend is None or backend.group(1) == database else None

        return CpuMeter(roots, classify)

    def _redis_pids(self) -> list[int]:
        if self.redis_url.startswith("unix://"):
            try:
                return [int((self.folder / "redis.pid").read_text().split()[0])]
            except (OSError, ValueError, IndexError):
                return []
        port = re.search(r":(\d+)(?:/|$)", self.redis_url.split("@")[-1])
        wanted = f":{port.group(1) if port else 6379}"
        return [s.pid for s in read_processes().values()
                if s.comm.startswith("redis-server") and wanted in read_cmdline(s.pid)]

    def logs_tail(self, chars: int = 2000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}"
                         for p in sorted(self.folder.glob("*.log")))


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


@contextmanager
def backend(database: str, folder: Path, pg_url: str, redis_url: str
            ) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL) for one configuration: a fresh SQLite file and the
    embedded Redis, or a fresh PostgreSQL database and a flushed Redis db."""
    from workers import embedded_redis
    from workers.db import upgrade

    if database == "sqlite":
        url = f"sqlite:///{folder / 'e2e.db'}"
        upgrade(url)
        redis = embedded_redis.ensure_running(folder)
        try:
            yield url, redis
        finally:
            embedded_redis.stop(folder)
        return
    recreate_pg(pg_url)
    flush_redis(redis_url)
    upgrade(pg_url)
    try:
        yield pg_url, redis_url
    finally:
        drop_pg(pg_url)
        flush_redis(redis_url)


def _pg_admin(url: str, statements: Sequence[str]) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def recreate_pg(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or not name.startswith("bench_e2e"):
        raise SystemExit(f"refusing to recreate database {name!r}: name it bench_e2e…")
    _pg_admin(url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"])


def drop_pg(url: str) -> None:
    from sqlalchemy.engine import make_url

    _pg_admin(url, [f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"])


def flush_redis(url: str) -> None:
    import redis

    connection = redis.Redis.from_url(url)
    connection.flushdb()
    connection.close()


# ---- the run ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts")
    parser.add_argument("--rates", default="10,25,50,100", help="messages per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per rate")
    parser.add_argument("--drain", type=float, default=45.0,
                        help="seconds after a step's load for its replies (then: lost)")
    parser.add_argument("--no-skip", action="store_true",
                        help="run the higher rates of a configuration even after a step "
                             "whose backlog did not drain (by default they are skipped: "
                             "they would start on that backlog and can only do worse)")
    parser.add_argument("--people", type=int, default=1000,
                        help="generated people in the directory (plus the 15 seeded)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--pg-url", default=DEFAULT_PG,
                        help="PostgreSQL URL; its database (bench_e2e…) is recreated")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS,
                        help="Redis for the PostgreSQL runs; its db is flushed")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: SQLite, 1 worker, 10 and 25/s for 4 s, 300 people "
                             "(options given as well win)")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"write the 'End to end' section of {DOC.relative_to(ROOT)}")
    if parser.parse_args(argv).quick:  # its settings, unless given
        parser.set_defaults(databases="sqlite", workers="1", rates="10,25", duration=4.0,
                            people=300, drain=30.0)
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    for database in args.databases:
        if database not in ("sqlite", "postgresql"):
            parser.error(f"--databases: sqlite or postgresql, not {database!r}")
    return args


@dataclass
class ConfigResult:
    database: str
    workers: int
    steps: list[StepResult]
    setup_seconds: float


def run_step(system: System, maker: CallbackMaker, rate: float, duration: float,
             drain: float, start: int, tag: str) -> StepResult:
    """One rate: pre-generate, send open-loop, wait for the replies."""
    count = max(1, round(rate * duration))
    messages = make_messages(start, count, system.people, tag)
    requests = [maker.request(m, system.web_port) for m in messages]
    load_before = os.getloadavg()[0]
    meter = system.cpu_meter()
    meter.begin()
    sent = send_open_loop(system.web_port, requests, rate)
    outcome = wait_delivered(system.deliveries, messages, time.monotonic() + drain)
    step = StepResult.of(rate, messages, sent, outcome, load_before)
    step.cpu = meter.end()
    return step


def run_config(args: argparse.Namespace, database: str, workers: int, tmp: Path) -> ConfigResult:
    folder = tmp / f"{database}-{workers}"
    folder.mkdir()
    started = time.monotonic()
    tag = secrets.token_hex(2)
    with backend(database, folder, args.pg_url, args.redis_url) as (database_url, redis_url):
        system = System(folder, database_url, redis_url, args.web_workers, args.people)
        try:
            system.start(workers)
            maker = CallbackMaker()
            warm = run_step(system, maker, 5, 1.0, 60, 0, tag)  # tokens and connections
            if warm.lost:
                raise RuntimeError("warm-up messages were not delivered:\n" + system.logs_tail())
            setup = time.monotonic() - started
            steps: list[StepResult] = []
            start = 1000
            for rate in args.rates:
                if steps and steps[-1].lost and not args.no_skip:
                    print(f"  {database}, {workers} worker(s), {rate:g}/s: skipped (the "
                          f"backlog of {steps[-1].rate:g}/s did not drain)", flush=True)
                    continue
                step = run_step(system, maker, rate, args.duration, args.drain, start, tag)
                start += step.messages
                print(f"  {database}, {workers} worker(s), {step.line()}", flush=True)
                steps.append(step)
            return ConfigResult(database, workers, steps, setup)
        finally:
            system.stop()


def describe_machine() -> str:
    import platform

    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return (f"nproc {os.cpu_count()}, CPU `{model.group(1).strip() if model else 'unknown'}`, "
            f"Python {platform.python_version()}, Linux {platform.release()}")


def fmt(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def results_markdown(args: argparse.Namespace, results: list[ConfigResult],
                     command: str) -> str:
    rows = []
    for config in results:
        name = f"{'SQLite' if config.database == 'sqlite' else 'PostgreSQL'}, {config.workers}"
        by_rate = {step.rate: step for step in config.steps}
        for rate in args.rates:
            step = by_rate.get(rate)
            if step is None:
                rows.append(f"| {name} | {rate:g} | skipped: a lower rate's backlog did not "
                            "drain |" + " |" * 9)
                continue
            rows.append(
                f"| {name} | {step.rate:g} | {fmt(percentile(step.latencies, .5))} | "
                f"{fmt(percentile(step.latencies, .99))} | "
                f"{fmt(max(step.latencies, default=float('nan')))} | "
                f"{step.delivered_per_s:.1f} | {fmt(percentile(step.callback_ms, .5), 0)} | "
                f"{fmt(percentile(step.callback_ms, .99), 0)} | {step.non_200} | {step.lost} | "
                f"{step.duplicated} | {step.load_before:.2f} |")
    return "\n".join([
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `{command}`: "
        f"{args.duration:g} s of open-loop load per rate, {args.people} generated people "
        f"(+ 15 seeded), gunicorn {args.web_workers} sync workers, replies awaited up to "
        f"{args.drain:g} s after each step's load.",
        "",
        "| database, workers | rate (msg/s) | p50 message→delivered (s) | p99 (s) | max (s) "
        "| delivered/s | callback p50 (ms) | callback p99 (ms) | non-200 | lost | duplicated "
        "| load avg before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Machine: {describe_machine()}. The load average (1 min) is the machine's before "
        "each step: other work shares these cores, so compare rows of similar load.",
        *cpu_markdown(results),
    ])


def cpu_markdown(results: list[ConfigResult]) -> list[str]:
    """The CPU table: milliseconds per delivered message per component, over each step's
    load and drain, and what that allows on this machine's cores."""
    steps = [(c, s) for c in results for s in c.steps if s.cpu is not None]
    if not steps:
        return []
    nproc = os.cpu_count() or 1
    rows = []
    for config, step in steps:
        name = f"{'SQLite' if config.database == 'sqlite' else 'PostgreSQL'}, {config.workers}"
        per = " | ".join(fmt(step.cpu_ms_per_message(c), 1) for c in COMPONENTS)
        assert step.cpu is not None
        rows.append(
            f"| {name} | {step.rate:g} | {step.delivered} | {step.cpu.wall_s:.0f} | {per} | "
            f"{fmt(step.system_ms_per_message(False), 1)} | {fmt(step.system_ms_per_message(), 1)}"
            f" | {fmt(100 * step.capacity_used(), 0)} | {fmt(100 * step.outside_share(), 0)} | "
            f"{fmt(step.ceiling(False), 0)} | {fmt(step.ceiling(), 0)} |")
    return [
        "",
        "CPU per delivered message, by component (milliseconds of utime+stime from "
        "`/proc/<pid>/stat`, over the step's load and drain, divided by the messages "
        "delivered): web = gunicorn's master and workers, workers = the `mashangban worker` "
        "processes, database = the PostgreSQL server's processes and this run's backends "
        "(0 for SQLite, which runs inside web and workers), redis = the Redis server (shared "
        "with other users' dbs on PostgreSQL runs; embedded on SQLite), load generator = the "
        "benchmark process. System % = the system's CPU over the machine's capacity (wall × "
        f"{nproc} cores); outside % = busy CPU of everything else on the machine (other "
        "people's work: the noise), from `/proc/stat`. Ceiling = "
        f"{nproc} cores × 1000 ms / CPU-ms per message: the most messages/s these cores "
        "could carry at that cost, with nothing else running.",
        "",
        "| database, workers | rate (msg/s) | delivered | wall (s) | web (ms/msg) | workers "
        "| sandbox | database | redis | load generator | sum without generator | sum "
        "| system % of machine | outside % | ceiling without generator (msg/s) | ceiling "
        "with generator (msg/s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


def command_line(args: argparse.Namespace) -> str:
    """The command that repeats this run, every setting spelled out."""
    return ("python -m benchmarks.e2e "
            f"--databases {','.join(args.databases)} "
            f"--workers {','.join(map(str, args.workers))} "
            f"--rates {','.join(f'{r:g}' for r in args.rates)} --duration {args.duration:g} "
            f"--drain {args.drain:g} --people {args.people} --web-workers {args.web_workers}"
            + (" --no-skip" if args.no_skip else ""))


def write_docs(section: str, name: str = SECTION, heading: str = "End to end",
               intro: str = "") -> None:
    """Replace the text between the section's markers, or append the section."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start_marker}\n{section}\n{end_marker}"
    text = DOC.read_text(encoding="utf-8")
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{intro}{block}\n"
    else:
        text = text[:start] + block + text[end + len(end_marker):]
    DOC.write_text(text, encoding="utf-8")


E2E_INTRO = """\
`benchmarks/e2e.py` measures the whole path, from a user's message to the holder's card
arriving at the WeCom API: `mashangban web` (gunicorn) receives open-loop encrypted
callbacks (`新建 压测E2E… @某人`, sent on a fixed schedule whatever the answers) from a
directory of about a thousand people synced from the sandbox, `mashangban worker`
processes do the work, and the WeCom sandbox (`benchmarks/e2e_sandbox.py`) logs the arrival
of each `message/send`. Each message yields two sends: the task card to the holder and a
text confirmation to the sender. A message is delivered when its holder's card, carrying
the message's unique token, arrives; lost means not delivered within the drain time after the
step's load (at a rate the workers cannot sustain, that is the backlog still queued at the
deadline, not a message dropped); duplicated means a recipient got the token twice (a send
that WeCom's duplicate check drops does not count). Steps run one after the other on one
system per configuration, each after the previous one's backlog drained; a rate after a
step whose backlog did not drain within the deadline is skipped unless `--no-skip`.
Rerun with `.venv/bin/python -m benchmarks.e2e --write-docs` (about 10–15 minutes on a
quiet machine; `--quick` for a one-minute smoke run; `--databases`, `--workers`,
`--rates`, `--duration`, `--drain` to choose, e.g. `--databases postgresql --workers 2
--rates 100`). `tests/benchmarks/test_e2e_harness.py` checks the harness itself.
A second table gives each step's CPU per delivered message by component (web, workers,
sandbox, database, Redis, load generator; `benchmarks/proc_cpu.py`, checked by
`tests/benchmarks/test_proc_cpu.py`), the share of the machine other work took (the
noise) and the ceiling that cost allows on these cores; "What stands in the way of
100 messages/s" below reads it.

"""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="mashangban-e2e-"))
    started = time.monotonic()
    results = []
    try:
        for database in args.databases:
            for workers in args.workers:
                print(f"{database}, {workers} worker(s): starting", flush=True)
                results.append(run_config(args, database, workers, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section = results_markdown(args, results, command_line(args))
    print()
    print(section)
    print(f"\n(total run time {time.monotonic() - started:.0f} s)")
    if args.write_docs:
        write_docs(section, intro=E2E_INTRO)
        print(f"wrote {DOC.relative_to(ROOT)}")
    good = all(s.lost == 0 and s.duplicated == 0 for c in results for s in c.steps)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
