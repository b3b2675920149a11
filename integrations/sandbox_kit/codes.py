"""Sign-in codes as a platform issues them: one member's, good once, for a few minutes.

Both platforms' sign-in hands the product a short-lived code that it trades for the
member's id on its server: WeCom's OAuth and QR login `code` (5 minutes, once), DingTalk's
免登 `authCode` and web-login `authCode` (5 minutes, once). A sandbox issues them here,
on its own clock (tests move it to see a code expire), and redeems each at most once.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

CODE_LIFETIME = 300.0  # seconds: both platforms say a sign-in code lives 5 minutes


@dataclass(frozen=True)
class Grant:
    """What a code stands for: who signed in, through which door (`kind`, the sandbox's
    own word: "oauth", "qr", "jsapi", …) and when it stops being good."""

    userid: str
    kind: str
    expires_at: float


class Codes:
    """Issued codes by value; `clock` is the sandbox's (epoch seconds, called each time)."""

    def __init__(self, clock: Callable[[], float], lifetime: float = CODE_LIFETIME,
                 new_code: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._new_code = new_code
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}

    def issue(self, userid: str, kind: str) -> str:
        """A new code signing `userid` in through `kind`."""
        code = self._new_code()
        with self._lock:
            self._drop_expired()
            self._grants[code] = Grant(userid, kind, self._clock() + self._lifetime)
        return code

    def redeem(self, code: str, *kinds: str) -> tuple[Grant | None, str]:
        """Use `code` up: (its grant, "") once, else (None, why): "unknown" (never issued,
        already used, or issued for another door than `kinds`) or "expired". A code is
        spent by its first redemption, good or not, as the platforms do."""
        with self._lock:
            grant = self._grants.pop(code, None)
        if grant is None or (kinds and grant.kind not in kinds):
            return None, "unknown"
        if grant.expires_at <= self._clock():
            return None, "expired"
        return grant, ""

    def clear(self) -> None:
        with self._lock:
            self._grants.clear()

    def _drop_expired(self) -> None:
        """Forget codes long past their time, so an idle sandbox does not grow."""
        now = self._clock()
        for code in [c for c, g in self._grants.items() if g.expires_at + 3600 < now]:
            del self._grants[code]
