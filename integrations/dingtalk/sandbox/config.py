"""Static configuration of one sandboxed DingTalk organisation and its internal app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SandboxConfig:
    """What the developer console (open-dev.dingtalk.com) of a real organisation would hold
    for our app.

    `mode` is how the sandbox delivers what people do: `stream` pushes frames over the
    WebSocket the product's Stream client opened (`/v1.0/gateway/connections/open`);
    `http` POSTs signed robot messages to `callback_url` and encrypted events to
    `events_url` (derived from `callback_url`: same host, `/dingtalk/events`).
    """

    app_key: str
    app_secret: str
    robot_code: str
    token: str
    aes_key: str
    callback_url: str
    mode: str = "stream"
    events_url: str = ""
    corp_id: str = "dingsandboxcorp0000000001"
    token_ttl: int = 7200
    # The organisation's wall clock in epoch seconds, stamped on callbacks and frames. Tests
    # that move the product's clock to a chosen day move this one with it.
    clock: Callable[[], float] = field(default=time.time)
    # Where the chat page's history is kept across restarts; None keeps it in memory.
    history: Path | None = None

    def __post_init__(self) -> None:
        if not self.events_url and self.callback_url:
            base = self.callback_url.rsplit("/dingtalk/", 1)[0]
            self.events_url = f"{base}/dingtalk/events"
