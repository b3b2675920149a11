"""The sandbox organisation's live state, shared by every part of the fake.

Guarded by one lock; every part (OpenAPI, Stream gateway, HTTP push, chat page, control)
reads and changes it through methods, never through another part's module.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from .config import SandboxConfig


class SandboxState:
    """Conversations per member (what the chat page shows, oldest first) and the call log."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._calls: list[dict[str, Any]] = []

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def append_message(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Add `entry` ({"from": "user"|"app", "msgtype": …, …}) to `userid`'s chat."""
        with self.lock:
            entry = {"id": self.next_id(), "time": self.config.clock(), **entry}
            self._messages.setdefault(userid, []).append(entry)
            return entry

    def transcript(self, userid: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self._messages.get(userid, [])]

    def log_call(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self._calls.append({"time": self.config.clock(), **entry})

    def calls(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self._calls]

    def reset(self) -> None:
        with self.lock:
            self._messages.clear()
            self._calls.clear()

    def close(self) -> None:
        """Release what the state holds open (its history file, once there is one)."""

    # -- the delivering side (Stream gateway, HTTP push; helper "dtreceive") ---------------
    # Other parts announce a directory change here (`directory_changed`); the delivering side
    # listens and pushes DingTalk's contact event (a Stream EVENT frame or an encrypted
    # POST, by mode). `on_close` callbacks release what a part holds open (the gateway's
    # WebSocket server) when the sandbox stops.

    def add_directory_listener(self, listener: Callable[[str, list[str], list[str]], None]) -> None:
        with self.lock:
            self._directory_listeners().append(listener)

    def directory_changed(self, event_type: str, user_ids: list[str] | None = None,
                          dept_ids: list[str] | None = None) -> None:
        """DingTalk's contact event `event_type` (user_add_org, user_modify_org,
        user_leave_org, org_dept_create, org_dept_modify, org_dept_remove) for these ids."""
        with self.lock:
            listeners = list(self._directory_listeners())
        for listener in listeners:
            listener(event_type, list(user_ids or []), list(dept_ids or []))

    def on_close(self, callback: Callable[[], None]) -> None:
        with self.lock:
            self.__dict__.setdefault("_closers", []).append(callback)

    def run_closers(self) -> None:
        with self.lock:
            closers = list(self.__dict__.get("_closers", []))
        for callback in closers:
            callback()

    def _directory_listeners(self) -> list[Callable[[str, list[str], list[str]], None]]:
        listeners: list[Callable[[str, list[str], list[str]], None]] = \
            self.__dict__.setdefault("_listeners", [])
        return listeners
