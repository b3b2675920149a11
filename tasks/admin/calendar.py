"""Correcting the office's working calendar and importing a year's arrangement, with an
audit entry; open tasks' reminders are replanned on the corrected calendar."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.calendar import office
from tasks.core.office_rules import OfficeRules
from tasks.models import CalendarDay, CalendarYear
from tasks.reminders.schedule import replan_open

NO_CORRECTION = "无更正（按法定安排）"


def describe(row: CalendarDay | None) -> str:
    if row is None:
        return NO_CORRECTION
    return f"{'上班' if row.working else '休息'}（{row.reason}）"


def set_day(session: Session, day: date, working: bool, reason: str, *, by: Actor,
            rules: OfficeRules, now: datetime) -> None:
    """Declare a local day off or an extra working day (`mashangban calendar off|on`)."""
    existing = session.get(CalendarDay, day)
    before = describe(existing)
    office.set_day(session, day, working, reason, now=now)
    after = describe(session.get(CalendarDay, day))
    if after != before:
        record(session, by, "calendar", "set_day", day.isoformat(), before=before,
               after=after, now=now)
        _replan(session, rules, now)


def clear_day(session: Session, day: date, *, by: Actor, rules: OfficeRules,
              now: datetime) -> bool:
    """Remove a correction (`mashangban calendar clear`); False if there was none."""
    before = describe(session.get(CalendarDay, day))
    found = office.clear_day(session, day)
    if found:
        session.flush()
        record(session, by, "calendar", "clear_day", day.isoformat(), before=before,
               after=NO_CORRECTION, now=now)
        _replan(session, rules, now)
    return found


def import_year(session: Session, text: str, *, by: Actor, rules: OfficeRules,
                now: datetime) -> int:
    """Import a year's holiday arrangement (`mashangban calendar import`); ValueError names
    what is wrong with the document and nothing is saved."""
    year = office.parse_year(text)[0]
    previous = session.get(CalendarYear, year)
    before = f"已导入（{previous.source}）" if previous is not None else "未导入"
    office.import_year(session, text, now=now)
    row = session.get(CalendarYear, year)
    assert row is not None
    record(session, by, "calendar", "import_year", f"{year}年", before=before,
           after=f"已导入（{row.source}）", now=now)
    _replan(session, rules, now)
    return year


def _replan(session: Session, rules: OfficeRules, now: datetime) -> None:
    replan_open(session, office.load_calendar(session, rules.working_hours), rules, now)
