"""The end-to-end benchmark's CPU accounting (`benchmarks/proc_cpu.py`): it reads
/proc the way Linux writes it, charges each process to the right part of the system, and
keeps the time of a process that exits mid-step. A wrong reading would name the wrong
component as the one that costs most per message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import proc_cpu
from benchmarks.proc_cpu import OUTSIDE, CpuMeter, descendants, parse_stat


def stat_line(pid: int, comm: str, ppid: int, utime: int, stime: int, start: int = 500) -> str:
    """A /proc/<pid>/stat line as Linux writes it: utime is the 14th field, stime the
    15th, starttime the 22nd."""
    fields = ["S", str(ppid)] + ["0"] * 9 + [str(utime), str(stime)] + ["0"] * 6
    fields += [str(start)] + ["0"] * 30
    return f"{pid} ({comm}) {' '.join(fields)}\n"


class FakeProc:
    """A /proc tree in a folder: processes and the machine's counters, changed at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.machine(busy=0, idle=0)

    def process(self, pid: int, comm: str, ppid: int, utime: int, stime: int = 0,
                cmdline: str = "", start: int = 500) -> None:
        folder = self.root / str(pid)
        folder.mkdir(exist_ok=True)
        (folder / "stat").write_text(stat_line(pid, comm, ppid, utime, stime, start))
        (folder / "cmdline").write_bytes(cmdline.replace(" ", "\0").encode())

    def exit(self, pid: int) -> None:
        for name in ("stat", "cmdline"):
            (self.root / str(pid) / name).unlink()
        (self.root / str(pid)).rmdir()

    def machine(self, busy: int, idle: int) -> None:
        # user nice system idle iowait irq softirq steal guest guest_nice
        (self.root / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3\n")


def test_a_name_with_spaces_and_parentheses_does_not_shift_the_fields():
    stat = parse_stat(stat_line(42, "gunicorn: worker (web) x", 7, 130, 20, start=999))

    assert (stat.pid, stat.ppid, stat.comm, stat.ticks, stat.start) == (
        42, 7, "gunicorn: worker (web) x", 150, 999)


def test_this_process_reads_as_itself():
    stat = proc_cpu.read_processes()[os.getpid()]

    assert stat.ppid == os.getppid() and stat.ticks >= 0


def test_children_belong_to_their_root_and_a_nested_root_keeps_its_own():
    processes = {s.pid: s for s in [
        parse_stat(stat_line(10, "python", 1, 0, 0)),  # the benchmark
        parse_stat(stat_line(20, "python", 10, 0, 0)),  # gunicorn master
        parse_stat(stat_line(21, "python", 20, 0, 0)),  # gunicorn worker
        parse_stat(stat_line(30, "python", 10, 0, 0)),  # a worker
        parse_stat(stat_line(31, "python", 30, 0, 0)),  # its forked scheduler
        parse_stat(stat_line(40, "bash", 1, 0, 0)),  # someone else's
    ]}

    owner = descendants({10: "load generator", 20: "web", 30: "workers"}, processes)

    assert owner == {10: "load generator", 20: "web", 21: "web", 30: "workers",
                     31: "workers"}


def test_cpu_is_charged_per_component_and_the_rest_of_the_machine_is_outside(tmp_path):
    proc = FakeProc(tmp_path)
    proc.process(20, "python", 1, utime=1000)  # web master
    proc.process(21, "python", 20, utime=500)  # a gunicorn worker, exits mid-step
    proc.process(60, "postgres", 1, utime=300, cmdline="postgres: 15/main: postgres ours x")
    proc.process(61, "postgres", 1, utime=300, cmdline="postgres: 15/main: postgres other x")
    proc.process(70, "bash", 1, utime=100)
    proc.machine(busy=10_000, idle=10_000)

    def classify(stat, owner):
        if stat.comm == "postgres":
            return "database" if " ours " in proc_cmdline(stat.pid) else None
        return None

    def proc_cmdline(pid):
        return proc_cpu.read_cmdline(pid, tmp_path)

    meter = CpuMeter(lambda: {20: "web"}, classify, interval=3600, proc=tmp_path)
    meter.begin()
    proc.process(21, "python", 20, utime=540)
    meter.sample()
    proc.exit(21)  # its 40 ticks stay counted
    proc.process(22, "python", 20, utime=7, start=900)  # a new worker: all its time counts
    proc.process(20, "python", 1, utime=1010)
    proc.process(60, "postgres", 1, utime=350, cmdline="postgres: 15/main: postgres ours x")
    proc.process(61, "postgres", 1, utime=400, cmdline="postgres: 15/main: postgres other x")
    proc.process(70, "bash", 1, utime=130)
    proc.machine(busy=10_300, idle=10_100)
    use = meter.end()

    tick_ms = 1000 / proc_cpu.TICKS_PER_S
    assert use.by_component["web"] == pytest.approx((10 + 40 + 7) * tick_ms)
    assert use.by_component["database"] == pytest.approx(50 * tick_ms)
    assert use.machine_busy_ms == pytest.approx(300 * tick_ms)
    assert use.machine_total_ms == pytest.approx(400 * tick_ms)
    # everything busy that is not the system: the other database, bash, the kernel
    assert use.by_component[OUTSIDE] == pytest.approx((300 - 57 - 50) * tick_ms)
    assert use.system_ms() == pytest.approx(107 * tick_ms)
    assert use.system_ms(exclude=("database",)) == pytest.approx(57 * tick_ms)
