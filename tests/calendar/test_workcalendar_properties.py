"""Property tests of working-time arithmetic over 2025–2026, the years with holiday data."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tasks.calendar.workdays import SHANGHAI, WorkCalendar, WorkingHours

CAL = WorkCalendar()

# Starts end in late November 2026 so that a few weeks of working time never reach 2027,
# for which chinesecalendar 1.11 has no data.
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 11, 30, 23, 59),
    timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York")]),
)
minutes = st.integers(min_value=0, max_value=390 * 12)  # up to twelve working days
working_days = st.integers(min_value=1, max_value=15)
calendars = st.sampled_from(
    [
        CAL,
        WorkCalendar(hours=WorkingHours.parse("09:00-18:00")),
        WorkCalendar(hours=WorkingHours.parse("00:00-06:00,06:00-12:00,20:00-23:59")),
    ]
)


def in_working_time(calendar: WorkCalendar, moment: datetime) -> bool:
    """Inside a working period of a working day, a period's end included."""
    local = moment.astimezone(SHANGHAI)
    clock = local.time().replace(tzinfo=None)
    inside = any(begin <= clock <= end for begin, end in calendar.hours.periods)
    return inside and calendar.is_working_day(local.date())


@settings(deadline=None, max_examples=300)
@given(calendars, instants, minutes)
def test_added_minutes_land_in_working_time(
    calendar: WorkCalendar, start: datetime, amount: int
) -> None:
    result = calendar.add_working_minutes(start, amount)
    assert result.tzinfo is UTC
    assert result >= start
    assert in_working_time(calendar, result)


@settings(deadline=None, max_examples=300)
@given(calendars, instants, minutes)
def test_added_minutes_are_counted_back(
    calendar: WorkCalendar, start: datetime, amount: int
) -> None:
    result = calendar.add_working_minutes(start, amount)
    assert calendar.working_minutes_between(start, result) == amount
    assert calendar.working_minutes_between(result, start) == -amount


@settings(deadline=None, max_examples=300)
@given(calendars, instants, minutes)
def test_subtracted_minutes_land_in_working_time_and_count_forward(
    calendar: WorkCalendar, end: datetime, amount: int
) -> None:
    result = calendar.subtract_working_minutes(end, amount)
    assert result.tzinfo is UTC
    assert result <= end
    assert in_working_time(calendar, result)
    assert calendar.working_minutes_between(result, end) == amount


@settings(deadline=None, max_examples=300)
@given(calendars, instants, minutes, minutes)
def test_more_minutes_are_never_earlier(
    calendar: WorkCalendar, start: datetime, one: int, other: int
) -> None:
    fewer, more = sorted((one, other))
    assert calendar.add_working_minutes(start, fewer) <= calendar.add_working_minutes(start, more)


@settings(deadline=None, max_examples=300)
@given(calendars, instants, working_days)
def test_added_days_land_on_a_working_day_end(
    calendar: WorkCalendar, start: datetime, days: int
) -> None:
    result = calendar.add_working_days(start, days)
    local = result.astimezone(SHANGHAI)
    assert result.tzinfo is UTC
    assert local.time() == calendar.hours.end
    assert local.date() > start.astimezone(SHANGHAI).date()
    assert calendar.is_working_day(local.date())
    assert calendar.working_days_between(start, result) == days


@settings(deadline=None, max_examples=300)
@given(calendars, instants)
def test_end_of_working_day_is_the_next_working_day_end(
    calendar: WorkCalendar, start: datetime
) -> None:
    result = calendar.end_of_working_day(start)
    local = result.astimezone(SHANGHAI)
    assert result > start
    assert local.time() == calendar.hours.end
    assert calendar.is_working_day(local.date())
    assert calendar.working_days_between(start, result) <= 1


@settings(deadline=None, max_examples=200)
@given(instants, st.integers(min_value=-60 * 24 * 60, max_value=60 * 24 * 60))
def test_working_minutes_never_exceed_elapsed_time(a: datetime, offset: int) -> None:
    # b within 60 days of a, drawn directly rather than filtered: filtering two
    # independent instants discards most draws and trips Hypothesis's health check
    b = a + timedelta(minutes=offset)
    assume(b.astimezone(SHANGHAI).date() < date(2026, 12, 31))  # the walk peeks a day ahead
    worked = CAL.working_minutes_between(a, b)
    assert abs(worked) <= abs((b - a).total_seconds()) / 60
    assert worked == 0 or (worked > 0) == (b > a)
