"""The sandbox organisation's live state, shared by every part of the fake.

Guarded by one lock; every part (OpenAPI, Stream gateway, HTTP push, chat page, control)
reads and changes it through methods, never through another part's module.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import SandboxConfig
from .directory import Directory

# DingTalk: temporary media (media/upload) is usable for 3 days.
MEDIA_TTL = 3 * 24 * 3600
# DingTalk: a robot sends at most 20 messages a minute to one group; the sandbox holds one
# person's robot messages to the same pace (beyond it: flowControlledStaffIdList).
ROBOT_PER_MINUTE = 20
ROBOT_WINDOW = 60.0
# A stalled call is answered by itself after this long if nobody releases it (seconds).
STALL_LIMIT = 60.0

ContactListener = Callable[[str, dict[str, list[Any]]], Any]


@dataclass
class Stall:
    """One API call held before the sandbox handles it, as when DingTalk is slow: the call
    waits for `release` (or `limit` seconds), is then handled as usual, so its effect
    happens although the caller may have given up, and sets `answered`."""

    limit: float = STALL_LIMIT
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.release.wait(self.limit)


@dataclass
class Media:
    """An uploaded temporary media file, stamped on the sandbox clock."""

    media_type: str
    data: bytes
    uploaded_at: float


@dataclass
class CardRecord:
    """An interactive card by its cardBizId: its latest cardData and who was shown it."""

    card_biz_id: str
    card: dict[str, Any]
    process_query_key: str
    receivers: list[str] = field(default_factory=list)
    updates: int = 0
    route_key: str = ""  # the callbackUrl it was sent with: its clicks go there if registered


@dataclass
class Group:
    """A group chat the robot is in, by openConversationId."""

    open_conversation_id: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)


def normalize_path(path: str) -> str:
    """'/v1.0/robot/oToMessages/batchSend/' → 'v1.0/robot/oToMessages/batchSend'."""
    return path.strip().strip("/")


def seeded_group_id(dept_id: int) -> str:
    """The openConversationId of the seeded group chat of department `dept_id`."""
    return f"cidSandboxDept{dept_id}Group0000000000="


class SandboxState:
    """Conversations per member (what the chat page shows, oldest first), the directory,
    tokens, cards, media, groups, injected errors and stalls, and the call log."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._calls: list[dict[str, Any]] = []
        self.directory = Directory()
        self._tokens: dict[str, float] = {}  # token → expiry (time.time())
        self._current_token: str | None = None
        self._media: dict[str, Media] = {}
        self._cards: dict[str, CardRecord] = {}
        self._groups: dict[str, Group] = {}
        self._received: dict[str, list[float]] = {}  # userid → robot messages' times
        self._injections: dict[str, list[str]] = {}
        self._stalls: dict[str, list[Stall]] = {}
        self._held: list[Stall] = []
        self._contact_listeners: list[ContactListener] = []
        self._seed_groups()

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def append_message(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Add `entry` ({"from": "user"|"app", "msgtype": …, …}) to `userid`'s chat."""
        with self.lock:
            entry = {"id": self.next_id(), "time": self.config.clock(), **entry}
            self._messages.setdefault(userid, []).append(entry)
            return copy.deepcopy(entry)

    def transcript(self, userid: str) -> list[dict[str, Any]]:
        """`userid`'s chat, oldest first; a card as it was last updated."""
        with self.lock:
            shown = []
            for message in self._messages.get(userid, []):
                message = copy.deepcopy(message)
                record = self._cards.get(message.get("card_id") or "")
                if message.get("msgtype") == "card" and record is not None:
                    message["card"] = copy.deepcopy(record.card)
                shown.append(message)
            return shown

    def log_call(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self._calls.append({"time": self.config.clock(), **entry})

    def calls(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self._calls]

    def reset(self) -> None:
        """Release held calls; restore the seeded directory; clear chats, cards, media,
        groups' messages, injections and the call log. Tokens stay valid."""
        self.release_stalls()
        self.directory.reset()
        with self.lock:
            self._messages.clear()
            self._calls.clear()
            self._media.clear()
            self._cards.clear()
            self._received.clear()
            self._injections.clear()
            self._groups.clear()
            self._seed_groups()

    def close(self) -> None:
        """Release what the state holds open (its history file, once there is one)."""
        self.release_stalls(wait=1.0)

    # == OpenAPI side (sending: tokens, robot messages, cards, media, groups) ===========

    # -- access tokens ---------------------------------------------------------------------
    def issue_token(self) -> tuple[str, int]:
        """(accessToken, expireIn): the same token while it is valid, as DingTalk does."""
        now = time.time()
        with self.lock:
            current = self._current_token
            if current is not None and self._tokens.get(current, 0.0) > now:
                return current, max(1, round(self._tokens[current] - now))
            token = secrets.token_hex(16)
            self._tokens[token] = now + self.config.token_ttl
            self._current_token = token
            return token, self.config.token_ttl

    def check_token(self, token: str) -> str | None:
        """None for a valid token, else "missing", "invalid" or "expired"."""
        if not token:
            return "missing"
        with self.lock:
            expires_at = self._tokens.get(token)
        if expires_at is None:
            return "invalid"
        return None if expires_at > time.time() else "expired"

    def expire_tokens(self) -> int:
        """Every issued token is expired from now on; the next fetch gets a new one."""
        past = time.time() - 1
        with self.lock:
            for token in self._tokens:
                self._tokens[token] = past
            return len(self._tokens)

    def revoke_tokens(self) -> int:
        """Forget every issued token (unknown from now on)."""
        with self.lock:
            count = len(self._tokens)
            self._tokens.clear()
            self._current_token = None
            return count

    def token_fetches(self) -> int:
        """How many accessToken calls succeeded (tests: one fetch shared by all)."""
        with self.lock:
            return sum(1 for c in self._calls
                       if c["path"] == "v1.0/oauth2/accessToken" and c["status"] == 200)

    # -- robot messages to people ------------------------------------------------------------
    def robot_deliver(self, userids: list[str], entry: dict[str, Any]
                      ) -> tuple[list[str], list[str]]:
        """Show a robot message to each of `userids`; returns (invalid, flow controlled):
        people not in the organisation, and people over `ROBOT_PER_MINUTE` in the last
        minute of the sandbox clock (DingTalk holds those back; they get nothing)."""
        now = self.config.clock()
        known = self.directory.userids()
        invalid, held = [], []
        with self.lock:
            for userid in userids:
                if userid not in known:
                    invalid.append(userid)
                    continue
                times = [t for t in self._received.get(userid, []) if now - t < ROBOT_WINDOW]
                if len(times) >= ROBOT_PER_MINUTE:
                    held.append(userid)
                    self._received[userid] = times
                    continue
                self._received[userid] = [*times, now]
                self.append_message(userid, {"from": "app", **copy.deepcopy(entry)})
        return invalid, held

    # -- interactive cards ---------------------------------------------------------------------
    def send_card(self, card_biz_id: str, userid: str, card: dict[str, Any]
                  ) -> tuple[str, bool]:
        """Show a card to `userid`; (processQueryKey, shown now). A cardBizId already shown
        to that person is not shown again (a resend is idempotent): its key is answered."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None:
                record = CardRecord(card_biz_id, copy.deepcopy(card), secrets.token_hex(12))
                self._cards[card_biz_id] = record
            if userid in record.receivers:
                return record.process_query_key, False
            record.receivers.append(userid)
            self.append_message(userid, {"from": "app", "msgtype": "card",
                                         "card_id": card_biz_id})
            return record.process_query_key, True

    def set_card_route(self, card_biz_id: str, route_key: str) -> None:
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is not None and route_key:
                record.route_key = route_key

    def register_card_callback(self, route_key: str, url: str, api_secret: str) -> None:
        """注册互动卡片回调地址: clicks of cards naming `route_key` (their callbackUrl; the
        sandbox keys registrations by URL) are POSTed to `url`, signed with `api_secret`."""
        with self.lock:
            self.__dict__.setdefault("_card_callbacks", {})[route_key] = (url, api_secret)

    def card_callback(self, card_biz_id: str) -> tuple[str | None, tuple[str, str] | None]:
        """(callbackUrl, where its clicks go) for a card in http mode: the callbackUrl it
        was sent with (None without one, or for a card unknown here) and the (url,
        api_secret) registered for it (None: that URL was never registered)."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None or not record.route_key:
                return None, None
            registered = self.__dict__.get("_card_callbacks", {}).get(record.route_key)
            return record.route_key, registered

    def update_card(self, card_biz_id: str, card: dict[str, Any]) -> bool:
        """Redraw the card in place for everyone who has it; False for an unknown id."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None:
                return False
            record.card = copy.deepcopy(card)
            record.updates += 1
            return True

    def card(self, card_biz_id: str) -> dict[str, Any] | None:
        """The card's latest cardData and receivers (for the click callback and tests)."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None:
                return None
            return {"card": copy.deepcopy(record.card), "receivers": list(record.receivers),
                    "updates": record.updates}

    # -- media -------------------------------------------------------------------------------
    def store_media(self, media_type: str, data: bytes) -> tuple[str, int]:
        """Keep an uploaded file; (media_id, created_at in ms on the sandbox clock)."""
        media_id = "@lADPSandbox" + secrets.token_urlsafe(24)
        now = self.config.clock()
        with self.lock:
            self._media[media_id] = Media(media_type, data, now)
        return media_id, int(now * 1000)

    def media(self, media_id: str, *, for_sending: bool = False) -> Media | None:
        """An uploaded file; for sending, None once it is older than 3 days."""
        with self.lock:
            found = self._media.get(media_id)
        if found is None:
            return None
        if for_sending and self.config.clock() - found.uploaded_at > MEDIA_TTL:
            return None
        return found

    # -- group chats ---------------------------------------------------------------------------
    def _seed_groups(self) -> None:
        """One group chat per seeded department, the robot in each."""
        for department, _people in self.directory.users_by_department():
            cid = seeded_group_id(department["dept_id"])
            self._groups[cid] = Group(cid, f"{department['name']}工作群")

    def add_group(self, open_conversation_id: str, name: str) -> None:
        with self.lock:
            group = self._groups.get(open_conversation_id)
            if group is None:
                self._groups[open_conversation_id] = Group(open_conversation_id, name)
            else:
                group.name = name

    def group_post(self, open_conversation_id: str, entry: dict[str, Any]) -> str | None:
        """Show a robot message in a group: None, or why not ("unknown" group, "rate":
        over 20 in the last minute of the sandbox clock)."""
        now = self.config.clock()
        with self.lock:
            group = self._groups.get(open_conversation_id)
            if group is None:
                return "unknown"
            group.accepted_at = [t for t in group.accepted_at if now - t < ROBOT_WINDOW]
            if len(group.accepted_at) >= ROBOT_PER_MINUTE:
                return "rate"
            group.accepted_at.append(now)
            group.messages.append({"id": self.next_id(), "time": now, "from": "app",
                                   **copy.deepcopy(entry)})
            return None

    def groups(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"openConversationId": g.open_conversation_id, "name": g.name,
                     "messages": len(g.messages)} for g in self._groups.values()]

    def group_messages(self, open_conversation_id: str) -> list[dict[str, Any]] | None:
        with self.lock:
            group = self._groups.get(open_conversation_id)
            return None if group is None else copy.deepcopy(group.messages)

    # -- injected errors and stalls -------------------------------------------------------------
    def inject(self, path: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls to `path` with `error` ("rate_limited",
        "expired_token", "network", "flow_controlled" or a code)."""
        with self.lock:
            self._injections.setdefault(normalize_path(path), []).extend([error] * times)

    def pop_injection(self, path: str) -> str | None:
        with self.lock:
            queue = self._injections.get(normalize_path(path))
            return queue.pop(0) if queue else None

    def stall(self, path: str, times: int = 1, limit: float = STALL_LIMIT) -> None:
        """Hold the next `times` calls to `path` until released (or `limit` s)."""
        with self.lock:
            self._stalls.setdefault(normalize_path(path), []).extend(
                Stall(limit) for _ in range(times))

    def take_stall(self, path: str) -> Stall | None:
        with self.lock:
            queue = self._stalls.get(normalize_path(path))
            if not queue:
                return None
            stall = queue.pop(0)
            self._held.append(stall)
            return stall

    def stalls(self) -> dict[str, int]:
        with self.lock:
            self._held = [s for s in self._held if not s.answered.is_set()]
            return {"held": len(self._held),
                    "queued": sum(len(q) for q in self._stalls.values())}

    def release_stalls(self, wait: float = 30.0) -> int:
        """Let every held call go on, drop queued stalls, wait until the held calls were
        answered; returns how many were held."""
        with self.lock:
            held, self._held = self._held, []
            self._stalls.clear()
        for stall in held:
            stall.release.set()
        for stall in held:
            stall.answered.wait(wait)
        return len(held)

    # -- contact changes ---------------------------------------------------------------------
    def on_contact_change(self, listener: ContactListener) -> None:
        """Call `listener(event_type, ids)` after each directory change, e.g. the event
        push of the receiving side; ids is {"UserId": [...]} or {"DeptId": [...]}. What the
        listener returns is reported by `change_contact`."""
        with self.lock:
            self._contact_listeners.append(listener)

    def change_contact(self, change: dict[str, Any], *, notify: bool = True
                       ) -> dict[str, Any]:
        """Apply an admin change to the directory (`Directory.apply_change`, may raise
        `ContactError`) and, with `notify`, tell the listeners; returns {"event", "ids",
        "pushed": [what each listener returned]}."""
        event, ids = self.directory.apply_change(change)
        with self.lock:
            listeners = list(self._contact_listeners) if notify else []
        pushed = [listener(event, ids) for listener in listeners]
        return {"event": event, "ids": ids, "pushed": pushed}

    # -- the delivering side (Stream gateway, HTTP push; helper "dtreceive") ---------------
    # Other parts announce a directory change here (`directory_changed`); the delivering side
    # listens and pushes DingTalk's contact event (a Stream EVENT frame or an encrypted
    # POST, by mode). `on_close` callbacks release what a part holds open (the gateway's
    # WebSocket server) when the sandbox stops.

    def add_directory_listener(self, listener: Callable[[str, list[str], list[str]], None]) -> None:
        """Hear `directory_changed` and the admin's changes (`change_contact`) alike."""
        with self.lock:
            self._directory_listeners().append(listener)
        self.on_contact_change(lambda event, ids: listener(
            event, list(ids.get("UserId", [])), [str(d) for d in ids.get("DeptId", [])]))

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
