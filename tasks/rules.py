"""Installation-wide settings the domain needs, handed in by the composition root."""

from dataclasses import dataclass, field

from tasks.workcalendar import WorkingHours


@dataclass(frozen=True)
class OfficeRules:
    """Who administers the installation and when the office works (MASHANGBAN_* settings)."""

    admins: frozenset[str] = frozenset()  # userids
    working_hours: WorkingHours = field(default_factory=WorkingHours)
