"""The part of a sandbox's state every platform has: injected answers and stalls, access
tokens, uploaded media and the call log, with the methods the control endpoints and the
API handlers call. Each sandbox's `SandboxState` subclasses it and adds its platform's
data (conversations, cards, groups) and shapes (error codes, ids)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic

from .calls import CallLog
from .faults import STALL_LIMIT, Answer, Faults, Stall
from .media import Media, MediaStore
from .tokens import Tokens


class SandboxBase(Generic[Answer]):
    """Faults by `normalize`d path, tokens living `token_ttl` s made by `new_token`, media
    with ids from `new_media_id` and the call log, both stamped by `clock` (called each
    time: tests move it while the sandbox runs)."""

    def __init__(self, *, normalize: Callable[[str], str], token_ttl: int,
                 new_token: Callable[[], str], new_media_id: Callable[[], str],
                 clock: Callable[[], float], call_clock: Callable[[], float]) -> None:
        self._faults: Faults[Answer] = Faults(normalize)
        self._tokens = Tokens(token_ttl, new_token)
        self._media = MediaStore(clock, new_media_id)
        self._calls = CallLog(call_clock)

    # -- injected answers and stalls ----------------------------------------------------------
    def inject(self, path: str, answer: Answer, times: int = 1) -> None:
        """The next `times` calls to API `path` get `answer` (the sandbox says what the
        answers mean: an error code, "network", …)."""
        self._faults.inject(path, answer, times)

    def pop_injection(self, path: str) -> Answer | None:
        """Consume the next injected answer for `path`, if any."""
        return self._faults.pop_injection(path)

    def stall(self, path: str, times: int = 1, limit: float = STALL_LIMIT) -> None:
        """Hold the next `times` calls to API `path` until released (or `limit` s)."""
        self._faults.stall(path, times, limit)

    def take_stall(self, path: str) -> Stall | None:
        """The stall for this call of `path`, if one is queued; it counts as held."""
        return self._faults.take_stall(path)

    def stalls(self) -> dict[str, int]:
        """{"held": calls being held now, "queued": stalls waiting for their call}."""
        return self._faults.stalls()

    def release_stalls(self, wait: float = 30.0) -> int:
        """Let every held call go on, drop the queued stalls, and wait until the held calls
        were handled; returns how many were held."""
        return self._faults.release_stalls(wait)

    # -- access tokens ----------------------------------------------------------------------
    def issue_token(self) -> tuple[str, int]:
        """(token, seconds it stays valid): the same token while it is valid."""
        return self._tokens.issue()

    def expire_tokens(self) -> int:
        """Every issued token is expired from now on; the next fetch gets a new one."""
        return self._tokens.expire_all()

    def revoke_tokens(self) -> int:
        """Forget every issued token (unknown from now on)."""
        return self._tokens.revoke_all()

    # -- media and the call log ---------------------------------------------------------------
    def media(self, media_id: str, *, for_sending: bool = False) -> Media | None:
        """An uploaded file; for sending, None once it is older than 3 days."""
        return self._media.get(media_id, for_sending=for_sending)

    def calls(self) -> list[dict[str, Any]]:
        """A copy of the API call log, oldest first."""
        return self._calls.entries()
