"""Thread-safe state of the sandbox: directory, tokens, transcripts, cards, logs.

It lives in memory; with `SandboxConfig.history` set, what the chat page shows
(transcripts, cards as each member sees them, their response codes, uploaded media) is
also written to that file as it changes and read back at start (`history.py`).
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.sandbox_kit.calls import CallLog
from integrations.sandbox_kit.media import Media
from integrations.sandbox_kit.oauth import OAuthCodes
from integrations.sandbox_kit.rate import admit
from integrations.sandbox_kit.state import SandboxBase

from .cards import INTERACTIVE_CARD_TYPES
from .config import SandboxConfig
from .directory import Directory
from .history import ChatHistory

# WeCom: a response_code can be used once, within 72 hours.
RESPONSE_CODE_TTL = 72 * 3600
# What a WeCom client shows of a text as nothing at all: zero-width space, non-joiner and
# joiner, word joiner, zero-width no-break space. The transcript shows what a member sees.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass
class CardView:
    """What one recipient currently sees of a template card."""

    card: dict[str, Any]
    disabled: bool = False
    replace_text: str | None = None


@dataclass
class CardRecord:
    """A template card sent with a task_id, with a per-recipient view."""

    task_id: str
    card_type: str
    views: dict[str, CardView] = field(default_factory=dict)


@dataclass
class CheckedSend:
    """A message/send accepted with enable_duplicate_check: when, for how long, what answer."""

    accepted_at: float
    interval: int
    answer: dict[str, Any]


@dataclass
class Robot:
    """A group chat with a group robot (群机器人): its webhook key, name and what it showed."""

    key: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)  # the sandbox clock, for 20/min


@dataclass
class ResponseCode:
    """A single-use credential for message/update_template_card."""

    task_id: str
    issued_at: float
    used: bool = False


def normalize_path(path: str) -> str:
    """'/cgi-bin/message/send' and 'message/send' both become 'message/send'."""
    path = path.strip().strip("/")
    return path.removeprefix("cgi-bin/")


class SandboxState(SandboxBase[int | str]):
    """All mutable sandbox data, guarded by one lock (what every sandbox has, faults,
    tokens, media and the call log, in `SandboxBase`; injected answers are errcodes or
    "network")."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(normalize=normalize_path, token_ttl=config.token_ttl,
                         new_token=lambda: secrets.token_urlsafe(64),
                         new_media_id=lambda: "3" + secrets.token_urlsafe(40),
                         clock=lambda: config.clock(), call_clock=time.time)
        self.config = config
        self.lock = threading.Lock()
        self.directory = Directory()
        self._transcripts: dict[str, list[dict[str, Any]]] = {}
        self._cards: dict[str, CardRecord] = {}
        self._codes: dict[str, ResponseCode] = {}
        self._callbacks = CallLog(time.time)
        self._checked_sends: dict[str, CheckedSend] = {}
        self._robots: dict[str, Robot] = {}
        self.oauth_codes = OAuthCodes(lambda: config.clock())  # web sign-in codes
        # One flagged send at a time, so two identical requests racing deliver only once.
        self._checked_lock = threading.Lock()
        # MsgIds look like WeCom's: large 64-bit ints that keep increasing.
        self._msg_id = int(time.time()) << 32
        self._seq = 0
        self._history = ChatHistory(config.history) if config.history else None
        if self._history is not None:
            self._restore(self._history)

    def _restore(self, history: ChatHistory) -> None:
        """Take up the chat page's history where the last run left it."""
        for userid, entry in history.messages():
            self._transcripts.setdefault(userid, []).append(entry)
            self._seq = max(self._seq, int(entry["id"]))
            if isinstance(entry.get("msgid"), int):
                self._msg_id = max(self._msg_id, entry["msgid"])
        for record in history.cards():
            views = {u: CardView(**view) for u, view in record["views"].items()}
            self._cards[record["task_id"]] = CardRecord(record["task_id"],
                                                        record["card_type"], views)
        for code, task_id, issued_at, used in history.response_codes():
            self._codes[code] = ResponseCode(task_id, issued_at, used)
        for media_id, media_type, data, uploaded_at in history.media():
            self._media.put(media_id, Media(media_type, data, uploaded_at))

    def close(self) -> None:
        """Close the history file, if any (the server is stopping)."""
        with self.lock:
            if self._history is not None:
                self._history.close()
                self._history = None

    def _keep_card(self, record: CardRecord) -> None:
        if self._history is not None:
            self._history.save_card(record.task_id, dataclasses.asdict(record))

    def _keep_code(self, code: str) -> None:
        entry = self._codes[code]
        if self._history is not None:
            self._history.save_response_code(code, entry.task_id, entry.issued_at, entry.used)

    # -- access tokens -------------------------------------------------------------------
    def check_token(self, token: str) -> int:
        """WeCom errcode for this access_token: 0, 41001, 40014 or 42001."""
        problem = self._tokens.problem(token)
        return {None: 0, "missing": 41001, "invalid": 40014}.get(problem, 42001)

    # -- transcripts -----------------------------------------------------------------------
    def next_msg_id(self) -> int:
        """A fresh, increasing 64-bit MsgId."""
        with self.lock:
            self._msg_id += 1
            return self._msg_id

    def _append(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        stored = {"id": self._seq, "time": time.time(), **copy.deepcopy(entry)}
        self._transcripts.setdefault(userid, []).append(stored)
        if self._history is not None:
            self._history.add_message(userid, stored)
        return stored

    def append_message(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Add one entry to a member's transcript; returns it with id and time."""
        with self.lock:
            return copy.deepcopy(self._append(userid, entry))

    def deliver(self, userids: list[str], entry: dict[str, Any], task_id: str | None) -> bool:
        """Put a message into each transcript; a task_id card is registered atomically.

        Returns False (nothing delivered) when the task_id was already used in this app.
        """
        with self.lock:
            if task_id:
                if task_id in self._cards:
                    return False
                card = entry["card"]
                views = {u: CardView(copy.deepcopy(card)) for u in userids}
                self._cards[task_id] = CardRecord(task_id, card.get("card_type", ""), views)
                self._keep_card(self._cards[task_id])
            for userid in userids:
                self._append(userid, entry)
            return True

    def transcript(self, userid: str) -> list[dict[str, Any]]:
        """The member's transcript, cards shown as that member currently sees them."""
        with self.lock:
            return [self._render(userid, e) for e in self._transcripts.get(userid, [])]

    def _render(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        rendered = copy.deepcopy(entry)
        if isinstance(rendered.get("content"), str):
            rendered["content"] = visible(rendered["content"])
        record = self._cards.get(entry.get("task_id") or "")
        view = record.views.get(userid) if record else None
        if entry.get("msgtype") == "template_card" and view is not None:
            rendered["card"] = copy.deepcopy(view.card)
            rendered["disabled"] = view.disabled
            rendered["replace_text"] = view.replace_text
        return rendered

    def send_checked(
        self, key: str, interval: int, send: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """WeCom's duplicate check: (answer, duplicate) for a request identified by ``key``.

        If a request with the same key was accepted less than its interval ago, the answer
        it got is returned again and nothing is sent; otherwise ``send`` runs and, if it
        succeeded (errcode 0), the request is remembered. Times follow ``config.clock``.
        """
        with self._checked_lock:
            now = self.config.clock()
            with self.lock:
                earlier = self._checked_sends.get(key)
                if earlier is not None and now - earlier.accepted_at < earlier.interval:
                    return copy.deepcopy(earlier.answer), True
            answer = send()
            if answer.get("errcode") == 0:
                with self.lock:
                    self._checked_sends = {
                        k: v for k, v in self._checked_sends.items()
                        if now - v.accepted_at < v.interval
                    }
                    self._checked_sends[key] = CheckedSend(now, interval, copy.deepcopy(answer))
            return answer, False

    # -- media and group robots -------------------------------------------------------------
    def store_media(self, media_type: str, data: bytes) -> tuple[str, int]:
        """Keep an uploaded file; returns (media_id, created_at on the sandbox clock)."""
        with self.lock:
            media_id, media = self._media.store(media_type, data)
            if self._history is not None:
                self._history.save_media(media_id, media_type, data, media.uploaded_at)
        return media_id, int(media.uploaded_at)

    def add_robot(self, key: str, name: str) -> None:
        """Create a group chat with a robot whose webhook key is `key` (or rename it)."""
        with self.lock:
            robot = self._robots.get(key)
            if robot is None:
                self._robots[key] = Robot(key, name)
            else:
                robot.name = name

    def robot_post(self, key: str, entry: dict[str, Any]) -> int:
        """Show a message in the robot's group: 0, or 93000 (unknown key) / 45009 (over
        20 messages in the last minute of the sandbox clock, which WeCom refuses)."""
        now = self.config.clock()
        with self.lock:
            robot = self._robots.get(key)
            if robot is None:
                return 93000
            if not admit(robot.accepted_at, now):
                return 45009
            self._seq += 1
            robot.messages.append({"id": self._seq, "time": now, **copy.deepcopy(entry)})
            return 0

    def robots(self) -> list[dict[str, Any]]:
        """The group chats with a robot: key, name and how many messages each showed."""
        with self.lock:
            return [{"key": r.key, "name": r.name, "messages": len(r.messages)}
                    for r in self._robots.values()]

    def robot_messages(self, key: str) -> list[dict[str, Any]] | None:
        """What the robot's group chat shows, oldest first; None for an unknown key."""
        with self.lock:
            robot = self._robots.get(key)
            return None if robot is None else copy.deepcopy(robot.messages)

    # -- cards and response codes ----------------------------------------------------------
    def card_view(self, task_id: str, userid: str) -> tuple[str, CardView] | None:
        """(card_type, a copy of what ``userid`` sees) or None if they never got it."""
        with self.lock:
            record = self._cards.get(task_id)
            view = record.views.get(userid) if record else None
            return (record.card_type, copy.deepcopy(view)) if record and view else None

    def issue_code(self, task_id: str) -> str:
        """Register a fresh single-use response_code tied to the card ``task_id``."""
        code = secrets.token_urlsafe(48)
        with self.lock:
            self._codes[code] = ResponseCode(task_id, time.time())
            self._keep_code(code)
        return code

    def _take_code(self, code: str) -> CardRecord | None:
        entry = self._codes.get(code)
        if entry is None or entry.used or time.time() - entry.issued_at > RESPONSE_CODE_TTL:
            return None
        record = self._cards.get(entry.task_id)
        if record is not None:
            entry.used = True
        return record

    def update_card(
        self,
        code: str,
        userids: list[str] | None,
        replace_name: str | None = None,
        new_card: dict[str, Any] | None = None,
    ) -> tuple[int, list[str]]:
        """Consume ``code`` and update the card for ``userids`` (None = every recipient).

        Either ``replace_name`` greys the buttons, or ``new_card`` replaces the card (its
        ``replace_text``, if any, greys the new card). Returns (errcode, invalid userids).
        """
        with self.lock:
            record = self._codes.get(code)
            task = self._cards.get(record.task_id) if record else None
            if replace_name is not None and task and task.card_type not in INTERACTIVE_CARD_TYPES:
                return 40058, []
            task = self._take_code(code)
            if task is None:
                return 60140, []
            self._keep_code(code)
            targets = list(task.views) if userids is None else userids
            invalid = [u for u in targets if u not in task.views]
            for userid in targets:
                view = task.views.get(userid)
                if view is not None:
                    _apply_update(view, replace_name, new_card)
            self._keep_card(task)
            return 0, invalid

    # -- error injection and logs ----------------------------------------------------------
    def log_call(
        self,
        method: str,
        path: str,
        errcode: int | None,
        http_status: int,
        marks: dict[str, Any] | None = None,
    ) -> None:
        """Record one answered API call; ``marks`` add facts such as ``duplicate``."""
        self._calls.add({"method": method, "path": normalize_path(path), "errcode": errcode,
                         "http_status": http_status, **(marks or {})})

    def log_callback(self, entry: dict[str, Any]) -> None:
        """Record one callback delivery attempt to the product."""
        self._callbacks.add({**entry, "time": time.time()})

    def callbacks(self) -> list[dict[str, Any]]:
        """A copy of the callback delivery log, oldest first."""
        return self._callbacks.entries()

    def set_callback_url(self, url: str) -> None:
        """Point callbacks somewhere else (the product may start after the sandbox)."""
        with self.lock:
            self.config.callback_url = url

    def reset(self) -> None:
        """Restore the seeded directory; clear transcripts, cards, codes, injections, logs,
        the duplicate check's memory, uploaded media and the robots' group chats; the
        history file, if any, is emptied too.

        Tokens stay valid, and so do the robots' keys (the groups stay, emptied). Held
        calls are released first.
        """
        self.release_stalls()
        self.directory.reset()
        with self.lock:
            if self._history is not None:
                self._history.clear()
            self._checked_sends.clear()
            self._transcripts.clear()
            self._cards.clear()
            self._codes.clear()
            self._faults.clear_injections()
            self._calls.clear()
            self._callbacks.clear()
            self._media.clear()
            for robot in self._robots.values():
                robot.messages.clear()
                robot.accepted_at.clear()


def visible(text: str) -> str:
    """What a WeCom client shows of a text: the same, without its zero-width characters."""
    return text.translate(INVISIBLE)


def _apply_update(
    view: CardView, replace_name: str | None, new_card: dict[str, Any] | None
) -> None:
    if new_card is not None:
        view.card = copy.deepcopy(new_card)
        replace_text = new_card.get("replace_text")
        view.disabled = bool(replace_text)
        view.replace_text = replace_text or None
    else:
        view.disabled = True
        view.replace_text = replace_name
