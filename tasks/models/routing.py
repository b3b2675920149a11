"""Who answers for what: supervisor grants, intake rules, the duty roster, leave and the
per-holder ledger of every task, with the flags raised when work is passed around."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Department, Person


class SupervisorGrant(Base):
    """A local grant of supervision over a department, beside the platform's leaders."""

    __tablename__ = "supervisor_grants"
    __table_args__ = (UniqueConstraint("person_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    department: Mapped[Department] = relationship()


class RoutingRule(Base):
    """归口办理: requests naming a keyword or category go to a department's intake.

    Rules are tried in `position` order; the one marked `is_default` catches the rest.
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    department: Mapped[Department] = relationship()


class DutyShift(Base):
    """One person's place on the duty roster (值班表) for a span of time.

    `role` is `lead` (带班), `duty` (值班) or `standby` (候班); a shift without a department
    is the whole office's.
    """

    __tablename__ = "duty_shifts"
    __table_args__ = (Index("ix_duty_shifts_span", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    department: Mapped[Department | None] = relationship()
    person: Mapped[Person] = relationship()


class Leave(Base):
    """请假: while it lasts, new work meant for `person` goes to `backup` (补位)."""

    __tablename__ = "leaves"
    __table_args__ = (Index("ix_leaves_person_span", "person_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 销假 before ends_at

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    backup: Mapped[Person | None] = relationship(foreign_keys=[backup_id])


class Holding(Base):
    """One stretch of a task in one pair of hands: the per-holder ledger.

    Time is counted against whoever held the task, so the person who consumed it is the
    one whose figures show it; `stand_in_for` names the absent person a backup covered.
    """

    __tablename__ = "holdings"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    stand_in_for_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))  # transferred|closed|cancelled

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    department: Mapped[Department | None] = relationship()
    stand_in_for: Mapped[Person | None] = relationship(foreign_keys=[stand_in_for_id])


class TaskOffer(Base):
    """A task offered to someone who may claim it: a department's duty officer or members.

    While a task has no holder, its open offers say who may press 接办; the first to do so
    becomes holder and every offer is withdrawn.
    """

    __tablename__ = "task_offers"
    __table_args__ = (Index("ix_task_offers_person_open", "person_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class TaskFlag(Base):
    """A warning raised to supervisors about a task: 推诿扯皮, 领而不办, a holder who left.

    `key` makes each flag fire once: the same bounce or the same idle interval is never
    reported twice.
    """

    __tablename__ = "task_flags"
    __table_args__ = (UniqueConstraint("task_id", "flag", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    flag: Mapped[str] = mapped_column(String(24))  # buck_passing | idle | holder_left
    key: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
