"""Reminders derived from a task's state: one row per (task, timer, level, cycle)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime
from tasks.models.task import Task


class Reminder(Base):
    """A reminder or escalation that falls due at `due_at` (马上就办、有请必复).

    Rows are planned from the task's state in the transaction that changed it; the
    dispatcher sends a row and marks it `sent` in one transaction, so each (task, timer,
    level, cycle) acts exactly once. `cycle` tells repeated timers apart: the stretch of
    holding for a first response, the anchor of a progress interval, the deadline for
    due-soon and overdue reminders.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("task_id", "timer", "level", "cycle"),
        Index("ix_reminders_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    timer: Mapped[str] = mapped_column(String(16))  # first_response|progress|due_soon|overdue
    level: Mapped[int] = mapped_column(Integer, default=0)
    cycle: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # sent | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship()
