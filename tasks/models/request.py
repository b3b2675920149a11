"""A natural request waiting for its writer's 创建 on the confirmation card.

`李娜，麻烦把会议纪要整理一下 明天下班前` is never created silently: its interpretation is
stored here, keyed to the card that shows it, so 创建 creates exactly what the card showed
(even after a restart), a second press creates nothing, and an old card can be refused.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Person

REQUEST_STATES = ("pending", "created", "cancelled")


class PendingRequest(Base):
    """One interpretation shown on a confirmation card: `command` is the CreateTask's fields,
    `deadline` the instant the card showed (None: the kind's default limit)."""

    __tablename__ = "pending_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    command: Mapped[dict[str, Any]] = mapped_column(JSON)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    task_ids: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sender: Mapped[Person] = relationship()
