"""When the digest and the summaries are due, what span they cover, how their figures are
written, and the chart: pure functions, no database."""

from datetime import UTC, date, datetime, time

import pytest

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.reports.charts import trend_png
from tasks.reports.figures import (
    DAILY,
    DIGEST,
    WEEKLY,
    due_reports,
    minutes_text,
    p90,
    percent,
)
from tasks.reports.summaries import WeekPoint

RULES = OfficeRules()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def _due(when: datetime, calendar: WorkCalendar | None = None) -> dict[str, tuple]:
    found = due_reports(when, calendar or WorkCalendar(), RULES)
    return {p.name: (p.key, p.start, p.end) for p in found}


def test_a_monday_morning_brings_the_digest_and_last_weeks_summary():
    monday = date(2026, 11, 30)
    assert _due(_at(monday, 8, 29)) == {}
    assert _due(_at(monday, 8, 30)) == {
        DIGEST: ("2026-11-30", _at(monday, 8, 30), _at(date(2026, 12, 1), 0)),
        WEEKLY: ("2026-W48", _at(date(2026, 11, 23), 0), _at(monday, 0)),
    }


def test_the_daily_summary_covers_the_time_since_the_previous_working_days_summary():
    monday = date(2026, 11, 30)
    assert _due(_at(monday, 16, 59)).get(DAILY) is None
    assert _due(_at(monday, 17))[DAILY] == (
        "2026-11-30", _at(date(2026, 11, 27), 17), _at(monday, 17))
    assert _due(_at(monday, 23, 59))[DAILY][0] == "2026-11-30", "late, the same day"


def test_after_a_monday_off_the_weekly_summary_goes_on_tuesday_and_nothing_on_the_day_off():
    calendar = WorkCalendar(overrides={date(2026, 11, 30): False})
    assert _due(_at(date(2026, 11, 30), 9), calendar) == {}
    tuesday = _due(_at(date(2026, 12, 1), 8, 30), calendar)
    assert tuesday[WEEKLY][0] == "2026-W48"
    assert _due(_at(date(2026, 12, 1), 17), calendar)[DAILY][1] == _at(date(2026, 11, 27), 17)


def test_a_week_with_no_working_day_before_today_has_no_weekly_summary_yet():
    off = {date(2026, 11, 30): False, date(2026, 12, 1): False}
    assert WEEKLY not in _due(_at(date(2026, 12, 1), 10), WorkCalendar(overrides=off))
    assert WEEKLY in _due(_at(date(2026, 12, 2), 8, 30), WorkCalendar(overrides=off))


def test_a_year_without_holiday_data_still_gets_its_reports_on_weekdays():
    calendar = WorkCalendar(extra_years=frozenset())
    far = date(2099, 6, 1)  # a Monday
    assert set(_due(_at(far, 17), calendar)) == {DIGEST, WEEKLY, DAILY}
    assert _due(_at(date(2099, 6, 6), 17), calendar) == {}  # Saturday


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0分钟"), (0.5, "1分钟"), (35, "35分钟"), (60, "1小时"), (125, "2小时5分钟"),
    (1440, "1天"), (1440 + 180 + 29, "1天3小时"), (59.5, "1小时"),
])
def test_durations_are_written_in_whole_units(minutes, text):
    assert minutes_text(minutes) == text


def test_p90_is_the_nearest_rank_and_percent_rounds_half_up():
    assert p90([10, 20, 30, 40, 200]) == 200
    assert p90(list(range(1, 21))) == 18
    assert p90([7]) == 7
    assert percent(1, 8) == 13 and percent(2, 3) == 67 and percent(0, 5) == 0


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_chart_is_a_png_even_for_weeks_without_work():
    empty = [WeekPoint(date(2026, 10, 5 + 7 * i) if i < 4 else date(2026, 11, 2 + 7 * (i - 4)),
                       0, 0, 0, 0) for i in range(8)]
    assert _png_size(trend_png(empty)) == (640, 320)
    busy = [WeekPoint(w.start, 3 + i, 2 + i, i, 2 + i) for i, w in enumerate(empty)]
    assert _png_size(trend_png(busy)) == (640, 320)
