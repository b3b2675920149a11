"""What a close leaves behind: the closure record (办结记录), the requester's rating (好差评)
and the runs of the scheduled reports, each kept for the supervisors and the assessment.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Department, Person
from tasks.models.task import Task
from tasks.vocabulary import BAD_LEVELS


class Closure(Base):
    """One close of a task, with its figures frozen at that moment.

    A task closed, reopened (重办) and closed again has two rows; `round` is the task's
    `reopen_count` when it closed. Minutes are wall-clock minutes; on-time flags are None
    when the task had no deadline.
    """

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("task_id", "round", name="uq_closures_task_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    result: Mapped[str] = mapped_column(Text, default="")
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    close_minutes: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_time_original: Mapped[bool | None] = mapped_column(Boolean)  # against the first deadline
    on_time_extended: Mapped[bool | None] = mapped_column(Boolean)  # against the approved one
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    reminders_received: Mapped[int] = mapped_column(Integer, default=0)
    chases_received: Mapped[int] = mapped_column(Integer, default=0)
    # per holder, from the ledger: [{"person_id", "name", "seconds", "accepted", "stand_in_for_id"}]
    holder_times: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    task: Mapped[Task] = relationship()
    holder: Mapped[Person | None] = relationship(foreign_keys=[holder_id])
    department: Mapped[Department | None] = relationship()



class DashboardDay(Base):
    """The closures of one Shanghai day summed for the dashboard (`tasks.feedback.rollup`):
    per closing department (0: none), and per holder only for closures without a
    department (else 0). Written in the transaction of each close and rating change."""

    __tablename__ = "dashboard_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    with_deadline: Mapped[int] = mapped_column(Integer, default=0)  # judged on time or late
    on_time: Mapped[int] = mapped_column(Integer, default=0)  # against the first deadline
    with_deadline_extended: Mapped[int] = mapped_column(Integer, default=0)
    on_time_extended: Mapped[int] = mapped_column(Integer, default=0)  # the approved one
    rated_1: Mapped[int] = mapped_column(Integer, default=0)  # RATING_LEVELS, in order
    rated_2: Mapped[int] = mapped_column(Integer, default=0)
    rated_3: Mapped[int] = mapped_column(Integer, default=0)
    rated_4: Mapped[int] = mapped_column(Integer, default=0)
    rated_5: Mapped[int] = mapped_column(Integer, default=0)
    not_rated: Mapped[int] = mapped_column(Integer, default=0)  # 超时未评
    waiting: Mapped[int] = mapped_column(Integer, default=0)  # 待评价
    not_asked: Mapped[int] = mapped_column(Integer, default=0)  # 无需评价
    # the closures' first-response minutes, packed four bytes each (rollup.pack_minutes):
    # the P90 stays exact, and a department's day has a handful of closures, so a list
    # is smaller than a histogram
    minutes: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class DashboardNewMonth(Base):
    """How many tasks created in one Shanghai month each holder and department hold now
    (0: none), for the dashboard's 新增 (`tasks.feedback.rollup`): it counts by the task's
    holder now, so a 接办 of an offered task and a 转办 move a task from one row to
    another. Written in the transaction of the creation, the 接办 and the 转办."""

    __tablename__ = "dashboard_new_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    holder_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """The requester's verdict on one close (好差评), asked once per close.

    `state`: asked → rated, or → not_rated when the window passes (never counted as
    satisfied). A bad level waits for a reason (`awaiting_reason`), then the supervisor
    decides a follow-up: `reopened` (重办) or `rectification` (整改, a task of its own).
    """

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    closure_id: Mapped[int] = mapped_column(ForeignKey("closures.id"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="asked", index=True)
    level: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    awaiting_reason: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    followup: Mapped[str | None] = mapped_column(String(16))  # reopened | rectification
    followup_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    followup_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(foreign_keys=[task_id])
    closure: Mapped[Closure] = relationship()
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    followup_task: Mapped[Task | None] = relationship(foreign_keys=[followup_task_id])

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class ReportRun(Base):
    """A scheduled report that has gone out: (`name`, `period`) is unique, so the morning
    digest of a day or a department's weekly summary is sent exactly once, even with many
    workers and after a restart. The row is written in the transaction that queues the
    messages."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("name", "period", name="uq_report_runs_name_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))  # digest | summary-daily | summary-weekly
    period: Mapped[str] = mapped_column(String(64))  # e.g. 2026-11-24, 2026-W48:dept-3
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    messages: Mapped[int] = mapped_column(Integer, default=0)
