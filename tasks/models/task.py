"""Tasks, their append-only audit log, and the interactive cards sent about them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.errors import Refusal
from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Person


class Task(Base):
    """One piece of work with exactly one holder at a time.

    The primary key doubles as the number people type (`#12`): it is short, unique and
    never reused, which is all a human-friendly number needs to be.
    """

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_holder_state", "holder_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="general")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    first_responder_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    holder: Mapped[Person] = relationship(foreign_keys=[holder_id])
    first_responder: Mapped[Person] = relationship(foreign_keys=[first_responder_id])
    events: Mapped[list["TaskEvent"]] = relationship(
        back_populates="task", order_by="TaskEvent.id"
    )

    @property
    def number(self) -> int:
        return self.id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def accept(self, by: Person, now: datetime) -> None:
        """Take the task on (接办); only its holder may, and only while it waits."""
        if by.id != self.holder_id:
            raise Refusal(f"任务 #{self.id} 由 {self.holder.name} 承办，只有 TA 可以接办。")
        if self.state != "pending":
            raise Refusal(f"任务 #{self.id} 当前状态为「{STATE_LABELS[self.state]}」，无需接办。")
        self.state = "accepted"
        self.accepted_at = now
        self.updated_at = now

    def close(self, by: Person, result: str, now: datetime) -> None:
        """Finish the task with a result (办结); a waiting task is accepted on the way."""
        if by.id != self.holder_id:
            raise Refusal(
                f"只有承办人 {self.holder.name} 可以办结任务 #{self.id}。"
                f"如需帮助，请联系 {self.holder.name}。"
            )
        if not self.is_open:
            raise Refusal(f"任务 #{self.id} 当前状态为「{STATE_LABELS[self.state]}」，不能再办结。")
        if not result.strip():
            raise Refusal(f"办结需要写明办理结果，例如：办结 #{self.id} 已报送初稿")
        self.accepted_at = self.accepted_at or now
        self.state = "closed"
        self.result = result.strip()
        self.closed_at = now
        self.updated_at = now


class TaskEvent(Base):
    """One line of the audit log (登记、存档): who did what, when, through which channel."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    task: Mapped[Task] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()


class Card(Base):
    """An interactive card shown to one person, and the code that lets us update it.

    `platform_card_id` is what the platform echoes back on a click (WeCom's `task_id`);
    `response_code` is the latest unconsumed update credential (single use on WeCom).
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_card_id: Mapped[str] = mapped_column(String(128), unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="offer")
    response_code: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship()
    recipient: Mapped[Person] = relationship()


OPEN_STATES = ("pending", "accepted")

STATE_LABELS = {
    "pending": "待接办",
    "accepted": "办理中",
    "closed": "已办结",
    "cancelled": "已撤销",
}

KIND_LABELS = {"general": "一般件"}
