"""Static configuration of one sandboxed WeCom corp and its self-built app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SandboxConfig:
    """What the admin console of a real WeCom corp would hold for our app.

    ``callback_url`` is where the sandbox POSTs encrypted callbacks (the "接收消息" URL);
    ``token``/``aes_key`` are the callback Token and EncodingAESKey (43 chars).
    """

    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    callback_url: str
    token_ttl: int = 7200
    # The corp's wall clock in epoch seconds, stamped on callbacks. Tests that move the
    # product's clock to a chosen day move this one with it, as two real servers agree.
    clock: Callable[[], float] = field(default=time.time)
    # Where the chat page's history is kept across restarts (a SQLite file; the demo puts
    # it beside its database); None keeps everything in memory, as tests want.
    history: Path | None = None
