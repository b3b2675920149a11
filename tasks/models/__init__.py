"""Storage models of the domain, one module per concept; import them from here."""

from tasks.models.base import Base
from tasks.models.directory import Department, Membership, Person
from tasks.models.messaging import InboxMessage, OutboxMessage
from tasks.models.task import KIND_LABELS, OPEN_STATES, STATE_LABELS, Card, Task, TaskEvent

__all__ = [
    "Base",
    "Card",
    "Department",
    "KIND_LABELS",
    "OPEN_STATES",
    "STATE_LABELS",
    "InboxMessage",
    "Membership",
    "OutboxMessage",
    "Person",
    "Task",
    "TaskEvent",
]
