"""A log of what happened, oldest first, for tests and the control endpoints: the API
calls the sandbox answered, the callbacks it delivered."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any


class CallLog:
    """Entries stamped with `time` from `clock` (the sandbox's own choice of clock, called
    each time: tests move it while the sandbox runs)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        """Record one entry; its own `time`, if any, wins over the clock's."""
        stamped = {"time": self._clock(), **entry}
        with self._lock:
            self._entries.append(stamped)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the log, oldest first."""
        with self._lock:
            return copy.deepcopy(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
