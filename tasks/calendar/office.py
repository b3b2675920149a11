"""The office's working calendar as stored: statutory data plus the admin's corrections."""

from datetime import date, datetime

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import WorkCalendar, WorkingHours
from tasks.models import CalendarDay, CalendarYear


def load_calendar(session: Session, hours: WorkingHours) -> WorkCalendar:
    """The calendar deadlines are computed on: package data, imported years, day overrides."""
    overrides = {row.day: row.working for row in session.scalars(select(CalendarDay))}
    years = frozenset(session.scalars(select(CalendarYear.year)))
    return WorkCalendar(hours=hours, overrides=overrides, extra_years=years)


def set_day(session: Session, day: date, working: bool, reason: str, *, now: datetime) -> None:
    """Declare a local day off (`off`) or an extra working day (`on`), overriding the statute."""
    if not reason.strip():
        raise ValueError("a reason is required, e.g. 'local holiday'")
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.working, row.reason, row.updated_at = working, reason.strip(), now
    session.add(row)
    session.flush()


def clear_day(session: Session, day: date) -> bool:
    row = session.get(CalendarDay, day)
    if row is not None:
        session.delete(row)
    return row is not None


def import_year(session: Session, text: str, *, now: datetime) -> int:
    """Load a year's holiday arrangement (the State Council notice) before the package has it.

    The document names the year, its holidays and its adjusted working days (调休); every
    other weekday of that year is then a working day and every weekend day a day off.
    """
    year, source, holidays, workdays = parse_year(text)
    for day in holidays:
        set_day(session, day, False, source, now=now)
    for day in workdays:
        set_day(session, day, True, source, now=now)
    row = session.get(CalendarYear, year) or CalendarYear(year=year)
    row.source, row.imported_at = source, now
    session.add(row)
    session.flush()
    return year


def overrides(session: Session, year: int | None = None) -> list[CalendarDay]:
    rows = session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    return [row for row in rows if year is None or row.day.year == year]


def parse_year(text: str) -> tuple[int, str, list[date], list[date]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("year"), int):
        raise ValueError("expected 'year: 2027' with 'holidays:' and 'workdays:' lists")
    year = document["year"]
    source = str(document.get("source") or f"{year}年节假日安排")
    holidays = _days(document.get("holidays"), year, "holidays")
    workdays = _days(document.get("workdays"), year, "workdays")
    if set(holidays) & set(workdays):
        raise ValueError("a day cannot be both a holiday and a working day")
    return year, source, holidays, workdays


def _days(items: object, year: int, name: str) -> list[date]:
    """Accept dates and `2027-02-06..2027-02-12` ranges, all inside the declared year."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{name} must be a list of dates or 'from..to' ranges")
    days: list[date] = []
    for item in items:
        first, _, last = str(item).partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError as error:
            raise ValueError(f"{name}: cannot read {item!r} as a date") from error
        if start.year != year or end.year != year or end < start:
            raise ValueError(f"{name}: {item!r} is not a range inside {year}")
        days += [date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]
    return days
