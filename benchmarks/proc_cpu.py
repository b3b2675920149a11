"""CPU time per process and for the whole machine, read from /proc (Linux).

The end-to-end benchmark runs every part of the system on the same cores (web, workers,
sandbox, database, Redis, the load generator); to say which part costs most per message,
and how much of the machine other people's work took meanwhile, it reads each process's
utime+stime (`/proc/<pid>/stat`) and the machine's busy and total time (`/proc/stat`)
at the start and end of a step, and every second in between so that a process that
exits mid-step (a database backend, a gunicorn worker) keeps the time it used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
OUTSIDE = "outside"  # processes that are not part of the system measured


@dataclass(frozen=True)
class ProcStat:
    """One process as /proc/<pid>/stat shows it: parent, name, CPU ticks used so far."""

    pid: int
    ppid: int
    comm: str
    ticks: int  # utime + stime
    start: int  # starttime in ticks since boot: with pid, names the process uniquely


def parse_stat(text: str) -> ProcStat:
    """Fields of /proc/<pid>/stat; the name is in parentheses and may hold spaces or
    parentheses itself, so the fields are counted from its last ')'."""
    pid = int(text[:text.index(" ")])
    comm = text[text.index("(") + 1:text.rindex(")")]
    rest = text[text.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): utime is field 14, stime 15, starttime 22
    return ProcStat(pid, int(rest[1]), comm, int(rest[11]) + int(rest[12]), int(rest[19]))


def read_processes(proc: Path = PROC) -> dict[int, ProcStat]:
    """Every process now; those that exit while being read are left out."""
    found = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            found[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
    return found


def read_cmdline(pid: int, proc: Path = PROC) -> str:
    try:
        return (proc / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def machine_ticks(proc: Path = PROC) -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot, from the first line of /proc/stat;
    idle and iowait are not busy; guest time is already inside user time."""
    fields = [int(v) for v in (proc / "stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return total - fields[3] - fields[4], total


def descendants(roots: Mapping[int, str], processes: Mapping[int, ProcStat]) -> dict[int, str]:
    """Each root's component given to every process below it (gunicorn's workers, RQ's
    forked scheduler); a process under two roots takes the nearest."""
    children: dict[int, list[int]] = {}
    for stat in processes.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    owner: dict[int, str] = {}
    for root, component in roots.items():
        stack = [root]
        while stack:
            pid = stack.pop()
            if pid in owner and pid != root:
                continue
            owner[pid] = component
            stack.extend(p for p in children.get(pid, []) if p not in roots)
    return owner


@dataclass
class CpuUse:
    """CPU milliseconds per component over a window, the machine's busy and total."""

    wall_s: float
    by_component: dict[str, float]  # ms; OUTSIDE: busy time of everything else
    machine_busy_ms: float
    machine_total_ms: float

    def system_ms(self, exclude: tuple[str, ...] = ()) -> float:
        return sum(ms for name, ms in self.by_component.items()
                   if name != OUTSIDE and name not in exclude)


Classifier = Callable[[ProcStat, dict[int, str]], "str | None"]


@dataclass
class CpuMeter:
    """Samples /proc from `begin()` to `end()` and charges each process's CPU to a
    component: `roots` (pid → component, with their descendants) and `classify`, asked
    for other processes (the database server, Redis), returning a component or None.

    Per process: the ticks at its last sample minus those at its first (0 if it started
    after `begin`), so time used between the last sample and its exit is lost: at most
    `interval` seconds of one process."""

    roots: Callable[[], Mapping[int, str]]
    classify: Classifier = lambda stat, owner: None
    interval: float = 1.0
    proc: Path = PROC
    _first: dict[tuple[int, int], int] = field(default_factory=dict)
    _last: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    _started: float = 0.0
    _machine: tuple[int, int] = (0, 0)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self, first: bool = False) -> None:
        processes = read_processes(self.proc)
        owner = descendants(self.roots(), processes)
        for pid, stat in processes.items():
            key = (pid, stat.start)
            component = owner.get(pid) or self.classify(stat, owner) or OUTSIDE
            if key not in self._first:
                self._first[key] = stat.ticks if first else 0
            self._last[key] = (stat.ticks, component)

    def begin(self) -> None:
        import time

        self._first.clear()
        self._last.clear()
        self._stop.clear()
        self._started = time.monotonic()
        self._machine = machine_ticks(self.proc)
        self.sample(first=True)
        self._thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def end(self) -> CpuUse:
        import time

        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        busy0, total0 = self._machine
        busy1, total1 = machine_ticks(self.proc)
        ms = 1000 / TICKS_PER_S
        by_component: dict[str, float] = {}
        for key, (ticks, component) in self._last.items():
            used = (ticks - self._first[key]) * ms
            by_component[component] = by_component.get(component, 0.0) + used
        machine_busy = (busy1 - busy0) * ms
        inside = sum(v for k, v in by_component.items() if k != OUTSIDE)
        by_component[OUTSIDE] = max(0.0, machine_busy - inside)
        return CpuUse(time.monotonic() - self._started, by_component, machine_busy,
                      (total1 - total0) * ms)
