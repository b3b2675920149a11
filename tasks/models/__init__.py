"""Storage models of the domain, one module per concept; import them from here."""

from tasks.models.base import Base
from tasks.models.directory import Department, Membership, Person
from tasks.models.messaging import InboxMessage, OutboxMessage
from tasks.models.policy import CalendarDay, CalendarYear, SlaPolicy
from tasks.models.task import OPEN_STATES, STATE_LABELS, Card, Extension, Task, TaskEvent

__all__ = [
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Card",
    "Department",
    "Extension",
    "InboxMessage",
    "Membership",
    "OPEN_STATES",
    "OutboxMessage",
    "Person",
    "STATE_LABELS",
    "SlaPolicy",
    "Task",
    "TaskEvent",
]
