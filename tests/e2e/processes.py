"""Real `mashangban worker` processes for fault tests: started, killed, stopped, and
polling for what they do with a deadline (they work on the system clock, not the test's)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


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
