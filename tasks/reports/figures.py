"""What the scheduled reports share: when each one is due, the run record that makes it go
out exactly once, and how their figures are written.

Schedules (Asia/Shanghai, on the office's working-day calendar):

- the morning digest of a working day is due from the start of working hours;
- the daily summary of a working day is due from `rules.summary_time` and covers the time
  since the previous working day's summary time, so consecutive summaries neither overlap
  nor leave a gap (a weekend's events land in Monday's);
- the weekly summary is due from the start of working hours on the week's first working
  day (Monday, or the first day after a holiday) and covers the previous ISO week,
  Monday 00:00 to Monday 00:00.

Nothing is sent on a day off. A report whose time has come is sent when the check next
runs: late on the same day (the weekly one: on a later working day of the same week) if
the workers were down, never twice, because
`ReportRun(name, period)` is unique and written with the report's messages.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.models import ReportRun
from tasks.vocabulary import WEEKDAY_NAMES

DIGEST, DAILY, WEEKLY = "digest", "summary-daily", "summary-weekly"
_LOOK_BACK_DAYS = 40  # longer than any run of days off (Spring Festival is 9)


@dataclass(frozen=True)
class Period:
    """One due report: its name, the key of its run, and the span it covers (UTC, end
    exclusive); `day` is the local day it is sent on."""

    name: str
    key: str
    start: datetime
    end: datetime
    day: date


def due_reports(now: datetime, calendar: WorkCalendar, rules: OfficeRules) -> list[Period]:
    """The reports whose time has come at `now` (whether or not they already went out)."""
    found = (digest_due(now, calendar, rules), weekly_due(now, calendar, rules),
             daily_due(now, calendar, rules))
    return [period for period in found if period is not None]


def digest_due(now: datetime, calendar: WorkCalendar, rules: OfficeRules) -> Period | None:
    local = now.astimezone(SHANGHAI)
    day = local.date()
    if not is_working_day(calendar, day) or local.time() < rules.working_hours.start:
        return None
    return Period(DIGEST, day.isoformat(), at(day, rules.working_hours.start),
                  at(day + timedelta(days=1), time(0)), day)


def daily_due(now: datetime, calendar: WorkCalendar, rules: OfficeRules) -> Period | None:
    local = now.astimezone(SHANGHAI)
    day = local.date()
    if not is_working_day(calendar, day) or local.time() < rules.summary_time:
        return None
    previous = previous_working_day(calendar, day)
    return Period(DAILY, day.isoformat(), at(previous, rules.summary_time),
                  at(day, rules.summary_time), day)


def weekly_due(now: datetime, calendar: WorkCalendar, rules: OfficeRules) -> Period | None:
    local = now.astimezone(SHANGHAI)
    day = local.date()
    monday = day - timedelta(days=day.weekday())
    first = next((monday + timedelta(days=i) for i in range(7)
                  if is_working_day(calendar, monday + timedelta(days=i))), None)
    if first is None or day < first or not is_working_day(calendar, day):
        return None
    if day == first and local.time() < rules.working_hours.start:
        return None
    covered = monday - timedelta(days=7)
    return Period(WEEKLY, week_key(covered), at(covered, time(0)), at(monday, time(0)), day)


def week_key(day: date) -> str:
    """`2026-W48`: the ISO week of `day`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    """The calendar's answer; Monday to Friday for a year with no holiday data, so a
    missing year delays no report (deadlines refuse to guess, a schedule may)."""
    try:
        return calendar.is_working_day(day)
    except CalendarDataMissing:
        return day.weekday() < 5


def previous_working_day(calendar: WorkCalendar, day: date) -> date:
    for back in range(1, _LOOK_BACK_DAYS):
        candidate = day - timedelta(days=back)
        if is_working_day(calendar, candidate):
            return candidate
    return day - timedelta(days=1)


def at(day: date, clock: time) -> datetime:
    """The UTC instant of a Shanghai wall-clock time."""
    return datetime.combine(day, clock, tzinfo=SHANGHAI).astimezone(UTC)


def already_sent(session: Session, period: Period) -> bool:
    return session.scalar(select(ReportRun.id).where(
        ReportRun.name == period.name, ReportRun.period == period.key)) is not None


def claim_run(session: Session, period: Period, now: datetime) -> ReportRun | None:
    """Record that `period`'s report goes out now; None if another process did first.

    Called in the transaction that queues the report's messages: a second process either
    sees the row (SQLite serialises writers) or fails on the unique key once the first
    commits (PostgreSQL), and then queues nothing.
    """
    if already_sent(session, period):
        return None
    run = ReportRun(name=period.name, period=period.key, ran_at=now, messages=0)
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    return run


# -- how figures are written ----------------------------------------------------------------

def day_label(day: date) -> str:
    """`11月24日 周二`."""
    return f"{day.month}月{day.day}日 周{WEEKDAY_NAMES[day.weekday()]}"


def minutes_text(minutes: float) -> str:
    """`35分钟`, `2小时5分钟`, `3天4小时`: rounded to the minute, whole larger units."""
    total = int(minutes + 0.5)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟"


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded half up (`whole` > 0)."""
    return int(100 * part / whole + 0.5)


def p90(values: Sequence[int]) -> int:
    """The 90th percentile by nearest rank: the smallest value at least 90 % are ≤ to."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def clip(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"
