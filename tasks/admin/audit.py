"""The office audit log: who changed which office setting, when, and from what to what.

Every change function in `tasks.admin` records one entry in the caller's transaction, so
an entry exists exactly when the change was saved. A change that changes nothing (the
same value again, a second click) records nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.models import OfficeAuditEntry, Person

CHANNEL_LABELS = {"web": "管理页面", "api": "接口", "cli": "命令行"}
AREA_LABELS = {
    "policy": "时限规则",
    "calendar": "工作日历",
    "routing": "归口办理",
    "roster": "值班表",
    "grant": "督办授权",
    "delivery": "发送失败",
    "token": "接口令牌",
}


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through what: an admin on a page or the API, or the command
    line (whoever holds the server; no person)."""

    person: Person | None
    channel: str  # web | api | cli

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(None, "cli")

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else CHANNEL_LABELS["cli"]


def record(session: Session, by: Actor, area: str, action: str, subject: str, *,
           before: str = "", after: str = "", now: datetime,
           detail: dict[str, Any] | None = None) -> OfficeAuditEntry:
    """Write one entry in the caller's transaction."""
    entry = OfficeAuditEntry(
        at=now, actor_id=by.person.id if by.person is not None else None,
        actor_name=by.name[:64], channel=by.channel, area=area, action=action,
        subject=subject, before=before, after=after, detail=detail or {})
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, area: str | None = None, limit: int = 200
           ) -> list[OfficeAuditEntry]:
    """The newest entries first, optionally of one area."""
    query = select(OfficeAuditEntry).order_by(OfficeAuditEntry.id.desc()).limit(limit)
    if area is not None:
        query = query.where(OfficeAuditEntry.area == area)
    return list(session.scalars(query))
