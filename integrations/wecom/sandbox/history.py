"""The WeCom chat page's history in a SQLite file (`sandbox_kit.history`), plus what only
WeCom needs kept: the response codes issued for cards, so a card's buttons still update
it after a restart.

Kept: every transcript entry, each card as each recipient sees it, the response codes and
the uploaded media the transcripts show. Not kept (as after a real server restart, the
product copes): access tokens, injected errors, the call and callback logs, the duplicate
check's memory and the group robots.
"""

from __future__ import annotations

from pathlib import Path

from integrations.sandbox_kit.history import SCHEMA
from integrations.sandbox_kit.history import ChatHistory as SharedHistory


class ChatHistory(SharedHistory):
    """The shared history file with WeCom's response codes."""

    SCHEMA = SCHEMA + """
CREATE TABLE IF NOT EXISTS response_code (code TEXT PRIMARY KEY, task_id TEXT NOT NULL,
                                          issued_at REAL NOT NULL, used INTEGER NOT NULL);
"""
    TABLES = (*SharedHistory.TABLES, "response_code")

    def __init__(self, path: Path) -> None:
        super().__init__(path, platform="wecom")

    def response_codes(self) -> list[tuple[str, str, float, bool]]:
        """(code, task_id, issued_at, used) of every code issued."""
        rows = self._db.execute("SELECT code, task_id, issued_at, used FROM response_code")
        return [(code, task_id, issued_at, bool(used)) for code, task_id, issued_at, used in rows]

    def save_response_code(self, code: str, task_id: str, issued_at: float, used: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO response_code (code, task_id, issued_at, used) "
                         "VALUES (?, ?, ?, ?)", (code, task_id, issued_at, int(used)))
