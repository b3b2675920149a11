"""SLA policies per task kind, and the admin's calendar corrections, as stored rows."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tasks.models.base import Base, UTCDateTime


class SlaPolicy(Base):
    """The time limits of one task kind (docs/sla.md), editable by an admin.

    Each limit is an amount and a unit (see `tasks.sla.UNITS`); a null unit means the kind
    has no such timer. Tasks copy the policy when they are created, so an edit here applies
    to new tasks only.
    """

    __tablename__ = "sla_policies"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    first_response_amount: Mapped[int | None] = mapped_column(Integer)
    first_response_unit: Mapped[str | None] = mapped_column(String(24))
    progress_amount: Mapped[int | None] = mapped_column(Integer)
    progress_unit: Mapped[str | None] = mapped_column(String(24))
    completion_amount: Mapped[int | None] = mapped_column(Integer)
    completion_unit: Mapped[str | None] = mapped_column(String(24))
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarDay(Base):
    """An admin's correction to the statutory calendar: a local day off, or an extra working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarYear(Base):
    """A year whose holiday arrangement an admin imported before the calendar package had it."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
