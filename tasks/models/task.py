"""Tasks, their append-only audit log, extension requests and the cards sent about them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.errors import Refusal
from tasks.markup import plain_text
from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import Department, Person


class Task(Base):
    """One piece of work with at most one holder at a time.

    The primary key doubles as the number people type (`#12`): short, unique and never
    reused. A task offered to a department has no holder until one of its members accepts
    it; the first to do so becomes holder (and first responder, if nobody was yet).

    State changes live here as methods that check only the state machine; who may ask for
    them is decided by `tasks.authority` before they are called.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_holder_state", "holder_id", "state"),
        Index("ix_tasks_department_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="general")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The policy as it was when the task was created (or its kind last changed), so that an
    # admin editing a policy never silently moves the deadlines of running tasks.
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_every: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"amount", "unit"}
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for on-time figures
    deadline_explicit: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 补位: the person the task was meant for while a backup holds it during their leave
    stand_in_for_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # who the task climbs to next if nobody acts in time (userids, nearest first)
    escalation: Mapped[list[str]] = mapped_column(JSON, default=list)
    # an emergency's ladder by role: duty, standby, supervisors, lead → userids (0009)
    ladder: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    holder: Mapped[Person | None] = relationship(foreign_keys=[holder_id])
    department: Mapped[Department | None] = relationship()
    first_responder: Mapped[Person | None] = relationship(foreign_keys=[first_responder_id])
    stand_in_for: Mapped[Person | None] = relationship(foreign_keys=[stand_in_for_id])
    events: Mapped[list["TaskEvent"]] = relationship(
        back_populates="task", order_by="TaskEvent.id"
    )

    @property
    def number(self) -> int:
        return self.id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def holder_label(self) -> str:
        """Who holds it, in words: a person, or the department still to claim it."""
        if self.holder is not None:
            return self.holder.name
        return f"{self.department.name}（待认领）" if self.department else "受理人员（待认领）"

    def accept(self, by: Person, now: datetime) -> None:
        """Take the task on (接办). A department offer is claimed by whoever accepts first."""
        if self.state == "accepted" and self.holder_id == by.id:
            raise Refusal(f"你已接办任务 #{self.id}，无需重复接办。")
        if self.state == "accepted" and self.holder is not None:
            raise Refusal(f"任务 #{self.id} 已由 {plain_text(self.holder.name)} 接办。")
        self._require_state("接办", "pending")
        self.holder = by
        self.first_responder = self.first_responder or by
        self.state = "accepted"
        self.accepted_at = self.accepted_at or now
        self.updated_at = now

    def report_progress(self, now: datetime) -> None:
        """Record that the holder reported progress (进展), which restarts the progress timer."""
        self._require_state("报告进展", "accepted")
        self.last_progress_at = now
        self.updated_at = now

    def transfer(self, to_person: Person | None, to_department: Department | None,
                 now: datetime) -> None:
        """Hand the task over (转办); the new holder must accept it again.

        The first responder is left untouched: they stay accountable on the record.
        """
        self._require_state("转办", "pending", "accepted")
        self.holder = to_person
        self.department = to_department if to_person is None else self.department
        self.first_responder = self.first_responder or self.holder
        self.state = "pending"
        self.transfer_count += 1
        self.updated_at = now

    def extend(self, new_deadline: datetime, now: datetime) -> None:
        """Move the deadline after an approved extension (延期); the original stays on record."""
        self._require_state("延期", "pending", "accepted")
        self.original_deadline = self.original_deadline or self.deadline
        self.deadline = new_deadline
        self.updated_at = now

    def correct_deadline(self, new_deadline: datetime, now: datetime) -> None:
        """Correct the deadline the task was given (the writer moving a deadline written for
        a day off to the working day before): not an extension, so a deadline still the
        original one stays the original, and on-time figures count against the corrected one."""
        self._require_state("修改期限", "pending", "accepted")
        if self.original_deadline is None or self.original_deadline == self.deadline:
            self.original_deadline = new_deadline
        self.deadline = new_deadline
        self.updated_at = now

    def close(self, result: str, now: datetime) -> None:
        """Finish the task with a result (办结); a waiting task is accepted on the way."""
        self._require_state("办结", "pending", "accepted")
        if not result.strip():
            raise Refusal(f"办结需要写明办理结果，例如：办结 #{self.id} 已报送初稿")
        self.accepted_at = self.accepted_at or now
        self.state = "closed"
        self.result = result.strip()
        self.closed_at = now
        self.updated_at = now

    def reopen(self, new_deadline: datetime | None, now: datetime) -> None:
        """Send a closed task back to its holder (重办), who must accept it again."""
        self._require_state("重办", "closed")
        self.state = "pending"
        self.result = None
        self.closed_at = None
        self.reopen_count += 1
        if new_deadline is not None:
            self.original_deadline = self.original_deadline or self.deadline
            self.deadline = new_deadline
        self.updated_at = now

    def cancel(self, now: datetime) -> None:
        """Withdraw the task (撤销); it stays in the record with its reason."""
        self._require_state("撤销", "pending", "accepted")
        self.state = "cancelled"
        self.cancelled_at = now
        self.updated_at = now

    def _require_state(self, action: str, *allowed: str) -> None:
        if self.state not in allowed:
            wanted = "或".join(f"「{STATE_LABELS[s]}」" for s in allowed)
            raise Refusal(
                f"任务 #{self.id} 当前状态为「{STATE_LABELS[self.state]}」，"
                f"只有{wanted}的任务可以{action}。"
            )


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


class Extension(Base):
    """A request to move a task's deadline (延期申请) and the supervisor's decision on it."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="requested")  # approved | refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    task: Mapped[Task] = relationship()
    requested_by: Mapped[Person] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])


class Card(Base):
    """An interactive card shown to one person, and the code that lets us update it.

    `platform_card_id` is what the platform echoes back on a click (WeCom's `task_id`);
    `update_handle` is the latest unconsumed handle a card update must present: opaque to
    the domain (on WeCom it is the single-use ResponseCode).
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_card_id: Mapped[str] = mapped_column(String(128), unique=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("pending_requests.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="offer")
    update_handle: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship()  # None only for a confirmation card (purpose "request")
    recipient: Mapped[Person] = relationship()


OPEN_STATES = ("pending", "accepted")

STATE_LABELS = {
    "pending": "待接办",
    "accepted": "办理中",
    "closed": "已办结",
    "cancelled": "已撤销",
}
