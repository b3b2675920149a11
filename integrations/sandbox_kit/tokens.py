"""Access tokens as a platform issues them: the same token while it is valid, then a new
one; tests expire or revoke them all to see the product fetch again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Tokens:
    """Issued tokens and their expiry (wall-clock `time.time()`, as the real token's)."""

    def __init__(self, ttl: int, new_token: Callable[[], str]) -> None:
        self._ttl = ttl
        self._new_token = new_token
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._current: str | None = None

    def issue(self) -> tuple[str, int]:
        """(token, seconds it stays valid): the current token while it is valid."""
        now = time.time()
        with self._lock:
            current = self._current
            if current is not None and self._expiry.get(current, 0.0) > now:
                return current, max(1, round(self._expiry[current] - now))
            token = self._new_token()
            self._expiry[token] = now + self._ttl
            self._current = token
            return token, self._ttl

    def problem(self, token: str) -> str | None:
        """None for a valid token, else "missing", "invalid" (never issued or revoked) or
        "expired"; each sandbox answers these with its platform's codes."""
        if not token:
            return "missing"
        with self._lock:
            expires_at = self._expiry.get(token)
        if expires_at is None:
            return "invalid"
        return None if expires_at > time.time() else "expired"

    def expire_all(self) -> int:
        """Make every issued token expired from now on; returns how many there are."""
        past = time.time() - 1
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = past
            return len(self._expiry)

    def revoke_all(self) -> int:
        """Forget every issued token (unknown from now on); returns how many there were."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
            self._current = None
            return count
