"""Benchmark: the real WeCom callback path against a bare Flask endpoint, side by side.

Both endpoints are served by one gunicorn (sync workers, as `mashangban web` runs it) from
`benchmarks.bench_app`, and loaded by `wrk` on loopback with the same Lua script, the same
connection count and the same request bytes:

* `POST /bare` answers an empty 200 and touches nothing;
* `POST /wecom/callback` gets distinct, valid encrypted messages (unique MsgId and nonce,
  fresh timestamp), pre-generated before each timed round, so every one goes the full way:
  signature, AES decryption, replay check in Redis, insert into the inbox, worker signal.

Rounds are interleaved (bare, real, bare, real, ...) after a warm-up; the table reports
medians. Afterwards the inbox row count is checked against the 200 answers.

    .venv/bin/python -m benchmarks.callback [--write-docs]
    .venv/bin/python -m benchmarks.callback \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mashangban_bench \\
        --redis-url redis://127.0.0.1:6379/9
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).with_name("callback.lua")
DOC = ROOT / "docs" / "performance.md"
DEFAULT_SECTION = "callback-benchmark"  # markers <!-- NAME:start --> and <!-- NAME:end -->

TOKEN = "BenchToken2024"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 letters or digits
CORP_ID = "wwbench000000001"
AGENT_ID = 1000002
BARE_REQUESTS_PER_THREAD = 500  # the bare endpoint may repeat requests: it checks nothing


@dataclass
class Round:
    """One wrk run against one endpoint, as reported by callback.lua's done()."""

    endpoint: str
    stats: dict[str, float]

    @property
    def rps(self) -> float:
        return self.stats["requests"] / (self.stats["duration_us"] / 1e6)

    @property
    def p50_ms(self) -> float:
        return self.stats["p50_us"] / 1000

    @property
    def p99_ms(self) -> float:
        return self.stats["p99_us"] / 1000

    @property
    def errors(self) -> int:
        keys = ("connect_errors", "read_errors", "write_errors", "timeouts")
        return int(sum(self.stats[key] for key in keys))


@dataclass
class Generator:
    """Makes distinct valid callbacks: MsgId and nonce never repeat within a run."""

    next_msg_id: int = field(default_factory=lambda: time.time_ns() // 1000)
    nonce_prefix: str = field(default_factory=lambda: str(secrets.randbelow(10**6)))
    made: int = 0

    def write(self, prefix: Path, threads: int, per_thread: int, path: str) -> None:
        """Write PREFIX.N.txt for each wrk thread N, `per_thread` lines each."""
        from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback

        timestamp = str(int(time.time()))
        for thread in range(threads):
            lines = []
            for _ in range(per_thread):
                msg_id, self.next_msg_id = self.next_msg_id, self.next_msg_id + 1
                plain = build_text_xml(CORP_ID, "zhangsan", f"新建 压测任务 {msg_id}", msg_id,
                                       AGENT_ID, int(timestamp))
                nonce = f"{self.nonce_prefix}{msg_id}"
                params, body = encrypt_callback(plain, TOKEN, AES_KEY, CORP_ID, timestamp, nonce)
                lines.append(f"{path}?{urlencode(params)}\t{body.decode()}\n")
            Path(f"{prefix}.{thread}.txt").write_text("".join(lines), encoding="utf-8")
        self.made += threads * per_thread


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--redis-url", default="",
                        help="default: the embedded Redis in a temporary directory")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--worker-threads", type=int, default=1,
                        help="threads per gunicorn worker (gthread)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3, help="seconds per endpoint")
    parser.add_argument("--no-access-log", action="store_true",
                        help="serve without gunicorn's access log (mashangban web has one)")
    parser.add_argument("--whatif", default="",
                        help="serve benchmarks.whatif_app with these patches (comma-separated)")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"rewrite the results section of {DOC.relative_to(ROOT)}")
    parser.add_argument("--docs-section", default=DEFAULT_SECTION,
                        help="name in the section's markers (e.g. callback-benchmark-postgresql)")
    return parser.parse_args(argv)


def busy_cpu(seconds: float = 1.0) -> float:
    """Percentage of all CPUs busy over `seconds`: other load that would skew the numbers."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 100 * (1 - (idle2 - idle) / max(1, total2 - total))


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else "unknown",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": wrk.split(" Copyright")[0].strip(),
    }


@contextmanager
def backend(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL): fresh SQLite and embedded Redis unless given."""
    from workers import embedded_redis
    from workers.db import upgrade

    database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(database_url)
    redis_url = args.redis_url or embedded_redis.ensure_running(tmp)
    try:
        yield database_url, redis_url
    finally:
        if not args.redis_url:
            embedded_redis.stop(tmp)


def server_env(database_url: str, redis_url: str, tmp: Path, queue: str,
               whatif: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    env.update({
        "MASHANGBAN_BENCH_WHATIF": whatif,
        "MASHANGBAN_VAR_DIR": str(tmp),
        "MASHANGBAN_DATABASE_URL": database_url,
        "MASHANGBAN_REDIS_URL": redis_url,
        "MASHANGBAN_QUEUE": queue,
        "MASHANGBAN_WECOM_CORP_ID": CORP_ID,
        "MASHANGBAN_WECOM_AGENT_ID": str(AGENT_ID),
        "MASHANGBAN_WECOM_SECRET": "bench-secret",
        "MASHANGBAN_WECOM_TOKEN": TOKEN,
        "MASHANGBAN_WECOM_AES_KEY": AES_KEY,
        "PYTHONPATH": str(ROOT),
    })
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_command(args: argparse.Namespace, port: int, tmp: Path) -> list[str]:
    """The same settings as `webapp.server.serve`, bound to loopback."""
    command = [
        sys.executable, "-m", "gunicorn", "--chdir", str(ROOT),
        "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
        "--worker-class", args.worker_class, "--threads", str(args.worker_threads),
        "--graceful-timeout", "5", "--timeout", "30",
        "--error-logfile", str(tmp / "gunicorn.log"),
    ]
    if not args.no_access_log:
        command += ["--access-logfile", str(tmp / "access.log")]
    module = "benchmarks.whatif_app" if args.whatif else "benchmarks.bench_app"
    return command + [f"{module}:app"]


@contextmanager
def server(command: list[str], env: dict[str, str], port: int,
           output: Path | None = None) -> Iterator[None]:
    """Run gunicorn until the block ends; wait for /healthz before entering it.

    `output`: a file for what the app writes to stdout and stderr (default: ours)."""
    sink = output.open("a") if output is not None else None
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=sink, stderr=sink)
    try:
        wait_healthy(process, port)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if sink is not None:
            sink.close()


def wait_healthy(process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            command = [str(part) for part in process.args]  # type: ignore[union-attr]
            log_path = Path(command[command.index("--error-logfile") + 1])
            log = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy")


def run_wrk(args: argparse.Namespace, port: int, prefix: Path, path: str, cycle: bool,
            duration: int) -> dict[str, float]:
    """One wrk run; returns the JSON line printed by callback.lua."""
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(LUA_SCRIPT), f"http://127.0.0.1:{port}",
        "--", str(prefix), path, "cycle" if cycle else "unique",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=duration + 60).stdout
    for line in output.splitlines():
        if line.startswith("JSON "):
            return dict(json.loads(line[5:]))
    raise RuntimeError(f"no JSON line in wrk's output:\n{output}")


def inbox_count(database_url: str) -> int:
    from sqlalchemy import text

    from workers.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM inbox")).scalar_one())
    finally:
        engine.dispose()


@dataclass
class Bench:
    """The state of one benchmark run against a running server."""

    args: argparse.Namespace
    port: int
    tmp: Path
    generator: Generator = field(default_factory=Generator)
    expected_rps: float = 3000.0  # replaced by the fastest real-path rate seen
    real_rounds: list[Round] = field(default_factory=list)

    def bare(self, duration: int) -> Round:
        prefix = self.tmp / "bare"
        if not Path(f"{prefix}.0.txt").exists():
            self.generator.write(prefix, self.args.threads, BARE_REQUESTS_PER_THREAD, "/bare")
        stats = run_wrk(self.args, self.port, prefix, "/bare", True, duration)
        return Round("bare", stats)

    def real(self, duration: int) -> Round:
        """Pre-generate twice the expected need (untimed), then run wrk on them."""
        prefix = self.tmp / f"real{len(self.real_rounds)}"
        per_thread = math.ceil(self.expected_rps * duration * 2 / self.args.threads) + 200
        self.generator.write(prefix, self.args.threads, per_thread, "/wecom/callback")
        result = Round("callback", run_wrk(self.args, self.port, prefix, "", False, duration))
        self.expected_rps = max(self.expected_rps, result.rps)
        self.real_rounds.append(result)
        for thread in range(self.args.threads):
            Path(f"{prefix}.{thread}.txt").unlink()
        return result


def measure(bench: Bench) -> tuple[list[Round], list[Round]]:
    """Warm up both endpoints, then interleave timed rounds; (bare rounds, real rounds)."""
    args = bench.args
    for run in (bench.bare, bench.real):
        warm = run(args.warmup)
        print(f"warm-up {warm.endpoint}: {warm.rps:.0f} req/s", flush=True)
    bare: list[Round] = []
    real: list[Round] = []
    for number in range(1, args.rounds + 1):
        bare.append(bench.bare(args.duration))
        real.append(bench.real(args.duration))
        for result in (bare[-1], real[-1]):
            print(f"round {number} {result.endpoint}: {result.rps:.0f} req/s, "
                  f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms", flush=True)
    return bare, real


def check_inbox(bench: Bench, rows: int) -> tuple[bool, str]:
    """Every 200 on the real path is a stored row; nothing else was answered.

    A request still in flight when wrk stops is processed by the server but its answer is
    not counted, so rows may exceed the 200s by at most the requests sent but unanswered.
    """
    rounds = bench.real_rounds
    ok = int(sum(r.stats["ok"] for r in rounds))
    non_200 = int(sum(r.stats["other"] for r in rounds))
    sent = int(sum(r.stats["sent"] for r in rounds))
    errors = sum(r.errors for r in rounds)
    in_flight = sent - ok - non_200
    good = non_200 == 0 and ok <= rows <= ok + in_flight
    text = (f"real path, all rounds incl. warm-up: {sent} requests sent, {ok} answered 200, "
            f"{non_200} answered non-200, {errors} socket errors/timeouts, "
            f"{in_flight} unanswered when wrk stopped; inbox rows: {rows} "
            f"({rows - ok} beyond the 200s) -> {'OK' if good else 'MISMATCH'}")
    return good, text


def median_row(name: str, rounds: list[Round]) -> dict[str, float]:
    return {
        "name": name,
        "rps": statistics.median(r.rps for r in rounds),
        "p50": statistics.median(r.p50_ms for r in rounds),
        "p99": statistics.median(r.p99_ms for r in rounds),
        "non200": sum(r.stats["other"] + r.stats["status_errors"] for r in rounds),
    }


def results_markdown(args: argparse.Namespace, info: dict[str, str], bare: list[Round],
                     real: list[Round], check: str) -> str:
    """The results section: table, per-round numbers, verdict, machine and settings."""
    b, r = median_row("`POST /bare` (empty answer)", bare), median_row(
        "`POST /wecom/callback` (real path)", real)
    ratio = r["rps"] / b["rps"]
    met = ratio >= 0.5 and r["p99"] < 50
    lines = [
        f"Run on {time.strftime('%Y-%m-%d %H:%M %Z')}; {args.connections} connections, "
        f"medians of {args.rounds} interleaved rounds of {args.duration} s.",
        "",
        "| endpoint | throughput (req/s) | p50 (ms) | p99 (ms) | non-200 |",
        "|---|---:|---:|---:|---:|",
        *(f"| {x['name']} | {x['rps']:.0f} | {x['p50']:.1f} | {x['p99']:.1f} | "
          f"{x['non200']:.0f} |" for x in (b, r)),
        f"| **ratio real / bare** | **{ratio:.2f}** | {r['p50'] / b['p50']:.1f}x | "
        f"{r['p99'] / b['p99']:.1f}x | |",
        "",
        f"Target (real path ≥ 0.5 × bare throughput and p99 < 50 ms): "
        f"**{'met' if met else 'NOT met'}**.",
        "",
        "Rounds (req/s, p50 ms, p99 ms): " + "; ".join(
            f"{x.endpoint} {x.rps:.0f}/{x.p50_ms:.1f}/{x.p99_ms:.1f}"
            for pair in zip(bare, real, strict=True) for x in pair) + ".",
        "",
        f"Inbox check: {check}.",
        "",
        f"Machine: nproc {info['nproc']}, CPU `{info['cpu']}`, Python {info['python']}, "
        f"Linux {info['kernel']}, {info['wrk']}.",
        f"Server: gunicorn {args.workers} sync workers"
        f"{'' if args.no_access_log else ', access log to a file'}; wrk {args.threads} "
        f"threads; backend: {info['backend']}"
        f"{'; what-if build: ' + args.whatif if args.whatif else ''}; "
        f"CPU busy before the run (other load): {info['busy_before']}.",
    ]
    return "\n".join(lines)


def write_docs(section: str, name: str) -> None:
    """Replace the text between the section's markers; create the document if missing."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start_marker}\n{section}\n{end_marker}"
    if not DOC.exists():
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(DOC_TEMPLATE.replace("{results}", block), encoding="utf-8")
        return
    text = DOC.read_text(encoding="utf-8")
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        text = text.rstrip("\n") + f"\n\n## Results ({name})\n\n" + block + "\n"
    else:
        text = text[:start] + block + text[end + len(end_marker):]
    DOC.write_text(text, encoding="utf-8")


def describe_backend(database_url: str, redis_url: str) -> str:
    database = "SQLite (fresh file)" if database_url.startswith("sqlite") else re.sub(
        r"//[^@/]*@", "//", database_url)
    redis = "embedded Redis (unix socket)" if redis_url.startswith("unix://") else redis_url
    return f"{database} + {redis}"


def cleanup_redis(redis_url: str, queue: str) -> None:
    """Drop the benchmark's queue and wake-up flag (signature keys expire by themselves)."""
    import redis
    from rq import Queue

    from workers import signals

    connection = redis.Redis.from_url(redis_url)
    Queue(queue, connection=connection).delete(delete_jobs=True)
    signals.clear(connection)
    connection.close()


def run(args: argparse.Namespace, tmp: Path) -> tuple[str, bool]:
    """The whole benchmark in `tmp`; (results section, whether the inbox check passed)."""
    queue = f"bench-{secrets.token_hex(4)}"
    busy_before = f"{busy_cpu():.0f}%"
    print(f"CPU busy before the run (other load): {busy_before}", flush=True)
    with backend(args, tmp) as (database_url, redis_url):
        rows_before = inbox_count(database_url)
        port = free_port()
        env = server_env(database_url, redis_url, tmp, queue, args.whatif)
        bench = Bench(args, port, tmp)
        with server(gunicorn_command(args, port, tmp), env, port):
            bare, real = measure(bench)
            time.sleep(1)  # let requests still in flight at wrk's stop reach the database
        good, check = check_inbox(bench, inbox_count(database_url) - rows_before)
        print(check, flush=True)
        cleanup_redis(redis_url, queue)
        info = {**machine(), "backend": describe_backend(database_url, redis_url),
                "busy_before": busy_before}
        return results_markdown(args, info, bare, real, check), good


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    return run_and_report(run, args, "mashangban-bench-", args.docs_section)


def run_and_report(run: Callable[[argparse.Namespace, Path], tuple[str, bool]],
                   args: argparse.Namespace, prefix: str, section_name: str) -> int:
    """Run a benchmark in a scratch folder, print its section, and write it into
    docs/performance.md when asked (`--write-docs`); 1 if its own check failed."""
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        section, good = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(section)
    print(f"\n(total run time {time.monotonic() - started:.0f} s)")
    if args.write_docs:
        write_docs(section, section_name)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0 if good else 1


DOC_TEMPLATE = """# Performance

How fast the WeCom callback URL answers, measured against the cheapest possible endpoint
on the same stack. Sections between `<!-- ...:start -->` and `<!-- ...:end -->` markers
are rewritten by `python -m benchmarks.callback --write-docs`.

## Results

{results}
"""


if __name__ == "__main__":
    sys.exit(main())
