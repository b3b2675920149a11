"""Installation-wide settings the domain needs, handed in by the composition root."""

from dataclasses import dataclass, field

from tasks.workcalendar import WorkingHours


@dataclass(frozen=True)
class OfficeRules:
    """Who administers the installation, when the office works, and when passing work on
    becomes a warning (MASHANGBAN_* settings)."""

    admins: frozenset[str] = frozenset()  # userids
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    transfer_limit: int = 2  # more transfers than this is flagged as 推诿扯皮
