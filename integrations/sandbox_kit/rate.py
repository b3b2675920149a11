"""A send limit per sliding minute, as platforms put on robots (20 messages a minute)."""

from __future__ import annotations

ROBOT_PER_MINUTE = 20
ROBOT_WINDOW = 60.0


def admit(accepted_at: list[float], now: float, limit: int = ROBOT_PER_MINUTE,
          window: float = ROBOT_WINDOW) -> bool:
    """Whether one more send fits in the window ending `now` (the sandbox clock); if so it
    is counted. `accepted_at` (the earlier sends' times) is pruned in place either way."""
    accepted_at[:] = [t for t in accepted_at if now - t < window]
    if len(accepted_at) >= limit:
        return False
    accepted_at.append(now)
    return True
