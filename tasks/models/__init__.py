"""Storage models of the domain, one module per concept; import them from here."""

from tasks.models.audit import OfficeAuditEntry
from tasks.models.base import Base
from tasks.models.closure import Closure, DashboardDay, DashboardNewMonth, Rating, ReportRun
from tasks.models.directory import (
    DEFAULT_PLATFORM,
    Department,
    Membership,
    Person,
    PersonIdentity,
    identity_filter,
    parse_ref,
)
from tasks.models.messaging import InboxMessage, OutboxMessage
from tasks.models.policy import CalendarDay, CalendarYear, SlaPolicy
from tasks.models.reminder import Reminder
from tasks.models.request import PendingRequest
from tasks.models.routing import (
    DutyShift,
    Holding,
    Leave,
    RoutingRule,
    SupervisorGrant,
    TaskFlag,
    TaskOffer,
)
from tasks.models.task import OPEN_STATES, STATE_LABELS, Card, Extension, Task, TaskEvent
from tasks.models.web import ApiToken, WebSubmission

__all__ = [
    "ApiToken",
    "WebSubmission",
    "Closure",
    "DashboardDay",
    "DashboardNewMonth",
    "Rating",
    "ReportRun",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Card",
    "DEFAULT_PLATFORM",
    "Department",
    "DutyShift",
    "Extension",
    "Holding",
    "InboxMessage",
    "Leave",
    "Membership",
    "OPEN_STATES",
    "OfficeAuditEntry",
    "OutboxMessage",
    "PendingRequest",
    "Person",
    "PersonIdentity",
    "identity_filter",
    "parse_ref",
    "Reminder",
    "RoutingRule",
    "STATE_LABELS",
    "SlaPolicy",
    "SupervisorGrant",
    "Task",
    "TaskEvent",
    "TaskFlag",
    "TaskOffer",
]
