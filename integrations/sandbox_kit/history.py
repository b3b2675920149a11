"""The chat page's history in a SQLite file, so a restarted sandbox shows what it showed.

The demo keeps its tasks in a database across restarts; without this a sandbox forgot the
conversations behind them, and the cards' buttons with them. Kept: every transcript entry,
each card's record (whatever the sandbox needs to draw it for each recipient, as JSON) and
the uploaded media the transcripts show. A sandbox that needs more (WeCom's response
codes) subclasses `ChatHistory` with tables of its own. Not kept (as after a real server
restart, the product copes): access tokens, injected errors and stalls, the logs.

A file belongs to one platform's sandbox (recorded in it): the chat of one platform is
never shown by another's. The sandbox calls these methods while holding its lock, so one
connection serves all threads; each change is committed as it happens.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY, userid TEXT NOT NULL,
                                    entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS card (card_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS media (media_id TEXT PRIMARY KEY, media_type TEXT NOT NULL,
                                  data BLOB NOT NULL, uploaded_at REAL NOT NULL);
"""


class HistoryOfAnotherPlatform(ValueError):
    """The history file was written by another platform's sandbox."""


class ChatHistory:
    """One SQLite file (created with its folder if missing) holding the page's history of
    `platform`'s sandbox."""

    SCHEMA = SCHEMA
    TABLES: tuple[str, ...] = ("message", "card", "media")  # what `clear` empties

    def __init__(self, path: Path, platform: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._rename_old_card_key()
        self._db.executescript(self.SCHEMA)
        self._claim(platform)

    def _rename_old_card_key(self) -> None:
        """Files written before the sandboxes shared this code keyed cards by `task_id`
        (WeCom's word); they are read on as they are."""
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(card)")]
        if "task_id" in columns:
            self._db.execute("ALTER TABLE card RENAME COLUMN task_id TO card_id")

    def _claim(self, platform: str) -> None:
        row = self._db.execute("SELECT value FROM sandbox WHERE key = 'platform'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO sandbox (key, value) VALUES ('platform', ?)",
                             (platform,))
        elif row[0] != platform:
            self._db.close()
            raise HistoryOfAnotherPlatform(
                f"{self.path} holds the chat history of the {row[0]} sandbox; "
                f"give the {platform} sandbox a history file of its own")

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        """(userid, entry) for every transcript entry, oldest first."""
        rows = self._db.execute("SELECT userid, entry FROM message ORDER BY id")
        return [(userid, json.loads(entry)) for userid, entry in rows]

    def add_message(self, userid: str, entry: dict[str, Any]) -> None:
        """Keep a transcript entry; its `id` orders the transcript."""
        self._db.execute("INSERT OR REPLACE INTO message (id, userid, entry) VALUES (?, ?, ?)",
                         (entry["id"], userid, _json(entry)))

    def cards(self) -> list[dict[str, Any]]:
        """Each card's record as last saved."""
        return [json.loads(record) for (record,) in self._db.execute("SELECT record FROM card")]

    def save_card(self, card_id: str, record: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO card (card_id, record) VALUES (?, ?)",
                         (card_id, _json(record)))

    def media(self) -> list[tuple[str, str, bytes, float]]:
        """(media_id, media_type, data, uploaded_at) of every uploaded file."""
        rows = self._db.execute("SELECT media_id, media_type, data, uploaded_at FROM media")
        return [(media_id, kind, bytes(data), at) for media_id, kind, data, at in rows]

    def save_media(self, media_id: str, media_type: str, data: bytes, uploaded_at: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO media (media_id, media_type, data, uploaded_at) "
                         "VALUES (?, ?, ?, ?)", (media_id, media_type, data, uploaded_at))

    def clear(self) -> None:
        """Forget everything but whose file it is (the control endpoint `reset`)."""
        deletes = " ".join(f"DELETE FROM {table};" for table in self.TABLES)
        self._db.executescript(f"BEGIN; {deletes} COMMIT;")

    def close(self) -> None:
        self._db.close()


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
