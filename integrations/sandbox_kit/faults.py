"""Injected answers and stalled calls, by API path: how tests make a platform misbehave.

An injection is the answer the next call to a path gets instead of the real one (an error
code, "network", …; each sandbox knows what its answers mean). A stall holds the next call
to a path before it is handled, as when the platform is slow: the caller may give up while
the call still takes effect once released.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

# A stalled call is answered by itself after this long if nobody releases it (seconds).
STALL_LIMIT = 60.0

Answer = TypeVar("Answer")


@dataclass
class Stall:
    """One API call held before the sandbox handles it: the call waits for `release` (or
    `limit` seconds), is then handled as usual, so its effect happens although the caller
    may have given up, and sets `answered`."""

    limit: float = STALL_LIMIT
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.release.wait(self.limit)


class Faults(Generic[Answer]):
    """Queued injected answers and stalls per path (`normalize` makes the platform's
    spellings of one path the same key), guarded by a lock of their own."""

    def __init__(self, normalize: Callable[[str], str]) -> None:
        self._normalize = normalize
        self._lock = threading.Lock()
        self._injections: dict[str, list[Answer]] = {}
        self._stalls: dict[str, list[Stall]] = {}  # path → stalls for its next calls
        self._held: list[Stall] = []  # calls being held right now

    def inject(self, path: str, answer: Answer, times: int = 1) -> None:
        """Queue `times` injected answers for API `path`."""
        with self._lock:
            self._injections.setdefault(self._normalize(path), []).extend([answer] * times)

    def pop_injection(self, path: str) -> Answer | None:
        """Consume the next injected answer for `path`, if any."""
        with self._lock:
            queue = self._injections.get(self._normalize(path))
            return queue.pop(0) if queue else None

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()

    def stall(self, path: str, times: int = 1, limit: float = STALL_LIMIT) -> None:
        """Hold the next `times` calls to API `path` until released (or `limit` s)."""
        with self._lock:
            queue = self._stalls.setdefault(self._normalize(path), [])
            queue.extend(Stall(limit) for _ in range(times))

    def take_stall(self, path: str) -> Stall | None:
        """The stall for this call of `path`, if one is queued; it counts as held."""
        with self._lock:
            queue = self._stalls.get(self._normalize(path))
            if not queue:
                return None
            stall = queue.pop(0)
            self._held.append(stall)
            return stall

    def stalls(self) -> dict[str, int]:
        """{"held": calls being held now, "queued": stalls waiting for their call}."""
        with self._lock:
            self._held = [s for s in self._held if not s.answered.is_set()]
            return {"held": len(self._held),
                    "queued": sum(len(q) for q in self._stalls.values())}

    def release_stalls(self, wait: float = 30.0) -> int:
        """Let every held call go on, drop the queued stalls, and wait until the held calls
        were handled; returns how many were held."""
        with self._lock:
            held, self._held = self._held, []
            self._stalls.clear()
        for stall in held:
            stall.release.set()
        for stall in held:
            stall.answered.wait(wait)
        return len(held)
