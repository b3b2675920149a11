"""The chat page's history in a SQLite file, so a restarted sandbox shows what it showed.

The demo keeps its tasks in a database across restarts; without this the sandbox forgot
the conversations behind them, and the cards' buttons with them. Kept: every transcript
entry, each card as each recipient sees it, the response codes issued for cards, and the
uploaded media the transcripts show. Not kept (as after a real server restart, the
product copes): access tokens, injected errors, the call and callback logs, the duplicate
check's memory and the group robots.

`SandboxState` calls these methods while holding its lock, so one connection serves all
threads. Values are JSON or plain columns; `SandboxState` turns them back into its types.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY, userid TEXT NOT NULL,
                                    entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS card (task_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS response_code (code TEXT PRIMARY KEY, task_id TEXT NOT NULL,
                                          issued_at REAL NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS media (media_id TEXT PRIMARY KEY, media_type TEXT NOT NULL,
                                  data BLOB NOT NULL, uploaded_at REAL NOT NULL);
"""


class ChatHistory:
    """One SQLite file (created with its folder if missing) holding the page's history."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        """(userid, entry) for every transcript entry, oldest first."""
        rows = self._db.execute("SELECT userid, entry FROM message ORDER BY id")
        return [(userid, json.loads(entry)) for userid, entry in rows]

    def add_message(self, userid: str, entry: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO message (id, userid, entry) VALUES (?, ?, ?)",
                         (entry["id"], userid, _json(entry)))

    def cards(self) -> list[dict[str, Any]]:
        """Each card record: {task_id, card_type, views: {userid: {card, disabled, …}}}."""
        return [json.loads(record) for (record,) in self._db.execute("SELECT record FROM card")]

    def save_card(self, record: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO card (task_id, record) VALUES (?, ?)",
                         (record["task_id"], _json(record)))

    def response_codes(self) -> list[tuple[str, str, float, bool]]:
        """(code, task_id, issued_at, used) of every code issued."""
        rows = self._db.execute("SELECT code, task_id, issued_at, used FROM response_code")
        return [(code, task_id, issued_at, bool(used)) for code, task_id, issued_at, used in rows]

    def save_response_code(self, code: str, task_id: str, issued_at: float, used: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO response_code (code, task_id, issued_at, used) "
                         "VALUES (?, ?, ?, ?)", (code, task_id, issued_at, int(used)))

    def media(self) -> list[tuple[str, str, bytes, float]]:
        """(media_id, media_type, data, uploaded_at) of every uploaded file."""
        rows = self._db.execute("SELECT media_id, media_type, data, uploaded_at FROM media")
        return [(media_id, kind, bytes(data), at) for media_id, kind, data, at in rows]

    def save_media(self, media_id: str, media_type: str, data: bytes, uploaded_at: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO media (media_id, media_type, data, uploaded_at) "
                         "VALUES (?, ?, ?, ?)", (media_id, media_type, data, uploaded_at))

    def clear(self) -> None:
        """Forget everything (the control endpoint `reset`)."""
        self._db.executescript("BEGIN; DELETE FROM message; DELETE FROM card; "
                               "DELETE FROM response_code; DELETE FROM media; COMMIT;")

    def close(self) -> None:
        self._db.close()


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
