"""The sandbox organisation's live state, shared by every part of the fake.

Guarded by one lock; every part (OpenAPI, Stream gateway, HTTP push, chat page, control)
reads and changes it through methods, never through another part's module.

It lives in memory; with `SandboxConfig.history` set, what the chat page shows (each
member's conversation, the cards with their latest cardData and who has them, uploaded
media) is also written to that file as it changes and read back at start
(`integrations.sandbox_kit.history`).
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.sandbox_kit.history import ChatHistory
from integrations.sandbox_kit.media import Media
from integrations.sandbox_kit.oauth import OAuthCodes
from integrations.sandbox_kit.rate import admit
from integrations.sandbox_kit.state import SandboxBase

from .config import SandboxConfig
from .directory import Directory

ContactListener = Callable[[str, dict[str, list[Any]]], Any]


@dataclass
class CardRecord:
    """An interactive card by its cardBizId: its latest cardData and who was shown it."""

    card_biz_id: str
    card: dict[str, Any]
    process_query_key: str
    receivers: list[str] = field(default_factory=list)
    updates: int = 0
    callback_url: str = ""  # the callbackUrl it was sent with: its clicks go there if registered


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


class SandboxState(SandboxBase[str]):
    """Conversations per member (what the chat page shows, oldest first), the directory,
    cards, groups; tokens, media, injected errors and stalls, and the call log in
    `SandboxBase` (an injected answer is "rate_limited", "expired_token", "network",
    "flow_controlled" or a code)."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(normalize=normalize_path, token_ttl=config.token_ttl,
                         new_token=lambda: secrets.token_hex(16),
                         new_media_id=lambda: "@lADPSandbox" + secrets.token_urlsafe(24),
                         clock=lambda: config.clock(), call_clock=lambda: config.clock())
        self.config = config
        self.lock = threading.RLock()
        self._last_id = 0
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self.directory = Directory()
        self._cards: dict[str, CardRecord] = {}
        self._card_callbacks: dict[str, tuple[str, str]] = {}  # callbackUrl → (url, secret)
        self._groups: dict[str, Group] = {}
        self._received: dict[str, list[float]] = {}  # userid → robot messages' times
        self._contact_listeners: list[ContactListener] = []
        # sign-in codes, one store per door: 免登's (the client) and the web login's
        self.jsapi_codes = OAuthCodes(lambda: config.clock())
        self.login_codes = OAuthCodes(lambda: config.clock())
        self._user_tokens: dict[str, tuple[str, float]] = {}  # user accessToken → (userid, until)
        self._seed_groups()
        self._history = ChatHistory(config.history, "dingtalk") if config.history else None
        if self._history is not None:
            self._restore(self._history)

    def _restore(self, history: ChatHistory) -> None:
        """Take up the chat page's history where the last run left it."""
        for userid, entry in history.messages():
            self._messages.setdefault(userid, []).append(entry)
            self._last_id = max(self._last_id, int(entry["id"]))
        for record in history.cards():
            self._cards[record["card_biz_id"]] = CardRecord(**record)
        for media_id, media_type, data, uploaded_at in history.media():
            self._media.put(media_id, Media(media_type, data, uploaded_at))

    def _keep_card(self, record: CardRecord) -> None:
        if self._history is not None:
            self._history.save_card(record.card_biz_id, dataclasses.asdict(record))

    def next_id(self) -> int:
        """A fresh id, increasing across restarts with a history file (messages, keys)."""
        with self.lock:
            self._last_id += 1
            return self._last_id

    def append_message(self, userid: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Add `entry` ({"from": "user"|"app", "msgtype": …, …}) to `userid`'s chat."""
        with self.lock:
            entry = {"id": self.next_id(), "time": self.config.clock(), **entry}
            self._messages.setdefault(userid, []).append(entry)
            if self._history is not None:
                self._history.add_message(userid, entry)
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
        """Record one answered call ({method, path, status, code | errcode, …})."""
        self._calls.add(entry)

    def reset(self) -> None:
        """Release held calls; restore the seeded directory; clear chats, cards, media,
        groups' messages, injections and the call log; the history file, if any, is
        emptied too. Tokens stay valid."""
        self.release_stalls()
        self.directory.reset()
        with self.lock:
            if self._history is not None:
                self._history.clear()
            self._messages.clear()
            self._calls.clear()
            self._media.clear()
            self._cards.clear()
            self._received.clear()
            self._faults.clear_injections()
            self._groups.clear()
            self._seed_groups()
            self.jsapi_codes = OAuthCodes(lambda: self.config.clock())
            self.login_codes = OAuthCodes(lambda: self.config.clock())
            self._user_tokens.clear()

    def close(self) -> None:
        """Release held calls and close the history file, if any (the sandbox stops)."""
        self.release_stalls(wait=1.0)
        with self.lock:
            if self._history is not None:
                self._history.close()
                self._history = None

    # == OpenAPI side (sending: tokens, robot messages, cards, media, groups) ===========

    # -- access tokens ---------------------------------------------------------------------
    def check_token(self, token: str) -> str | None:
        """None for a valid token, else "missing", "invalid" or "expired"."""
        return self._tokens.problem(token)

    def token_fetches(self) -> int:
        """How many accessToken calls succeeded (tests: one fetch shared by all)."""
        return sum(1 for c in self._calls.entries()
                   if c["path"] == "v1.0/oauth2/accessToken" and c["status"] == 200)

    # -- robot messages to people ------------------------------------------------------------
    def robot_deliver(self, userids: list[str], entry: dict[str, Any]
                      ) -> tuple[list[str], list[str]]:
        """Show a robot message to each of `userids`; returns (invalid, flow controlled):
        people not in the organisation, and people over 20 robot messages in the last
        minute of the sandbox clock (`rate.admit`: DingTalk allows a robot 20 a minute in a
        group; the sandbox holds one person's chat to the same pace and holds back the rest,
        who get nothing)."""
        now = self.config.clock()
        known = self.directory.userids()
        invalid, held = [], []
        with self.lock:
            for userid in userids:
                if userid not in known:
                    invalid.append(userid)
                    continue
                if not admit(self._received.setdefault(userid, []), now):
                    held.append(userid)
                    continue
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
            self._keep_card(record)
            self.append_message(userid, {"from": "app", "msgtype": "card",
                                         "card_id": card_biz_id})
            return record.process_query_key, True

    def set_card_callback_url(self, card_biz_id: str, url: str) -> None:
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is not None and url:
                record.callback_url = url
                self._keep_card(record)

    def register_card_callback(self, url: str, api_secret: str) -> None:
        """注册互动卡片回调地址: clicks of cards naming `url` as their callbackUrl are
        POSTed there, signed with `api_secret`."""
        with self.lock:
            self._card_callbacks[url] = (url, api_secret)

    def card_callback(self, card_biz_id: str) -> tuple[str | None, tuple[str, str] | None]:
        """(callbackUrl, where its clicks go) for a card in http mode: the callbackUrl it
        was sent with (None without one, or for a card unknown here) and the (url,
        api_secret) registered for it (None: that URL was never registered)."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None or not record.callback_url:
                return None, None
            registered = self._card_callbacks.get(record.callback_url)
            return record.callback_url, registered

    def update_card(self, card_biz_id: str, card: dict[str, Any]) -> bool:
        """Redraw the card in place for everyone who has it; False for an unknown id."""
        with self.lock:
            record = self._cards.get(card_biz_id)
            if record is None:
                return False
            record.card = copy.deepcopy(card)
            record.updates += 1
            self._keep_card(record)
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
        with self.lock:
            media_id, media = self._media.store(media_type, data)
            if self._history is not None:
                self._history.save_media(media_id, media_type, data, media.uploaded_at)
        return media_id, int(media.uploaded_at * 1000)

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
            if not admit(group.accepted_at, now):
                return "rate"
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

    # -- sign-in (免登 and the web login; `signin.py`) --------------------------------------
    def issue_user_token(self, userid: str) -> tuple[str, int]:
        """A user accessToken for the member a web-login authCode named (userAccessToken):
        (token, seconds it lives), on the sandbox clock like the codes."""
        token = secrets.token_hex(16)
        lifetime = self.config.token_ttl
        with self.lock:
            self._user_tokens[token] = (userid, self.config.clock() + lifetime)
        return token, lifetime

    def user_of_token(self, token: str) -> tuple[str | None, str]:
        """(userid, "") for a live user token, else (None, "invalid" | "expired")."""
        with self.lock:
            found = self._user_tokens.get(token)
        if found is None:
            return None, "invalid"
        if found[1] <= self.config.clock():
            return None, "expired"
        return found[0], ""

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
