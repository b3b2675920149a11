"""The office audit log: every change an admin makes to the office's settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Person


class OfficeAuditEntry(Base):
    """One admin change (an SLA policy, a calendar day, a routing rule, the roster, a grant,
    a resend, an API token): who, when, through which channel, and what it was before and
    after, as short summaries a person reads. Tasks keep their own log (`TaskEvent`).

    `actor_id` is empty for the command line (run by whoever holds the server); `actor_name`
    keeps the name shown at the time, so the entry reads the same after someone leaves.
    """

    __tablename__ = "office_audit"
    __table_args__ = (Index("ix_office_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # web | api | cli
    area: Mapped[str] = mapped_column(String(16))  # policy | calendar | routing | roster | ...
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship()
