"""Golden cases for the working-day calendar against the real 2026 holiday arrangement.

Every holiday fact below was checked by hand against the State Council's notice on the 2026
holiday arrangement (国务院办公厅关于2026年部分节假日安排的通知) and against
`chinese_calendar.get_holiday_detail`:

* New Year: 01-01..03 off, Sun 01-04 is a 调休 working day.
* Spring Festival: 02-15 (Sun) .. 02-23 (Mon) off; Sat 02-14 and Sat 02-28 are working days.
* Mid-Autumn: 09-25 (Fri) .. 09-27 off. National Day: 10-01 .. 10-07 off; Sun 09-20 and
  Sat 10-10 are working days.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar, WorkingHours

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
MISSING_2027 = (
    "2027年的法定节假日安排尚未载入，暂时无法按工作日计算。"
    "请管理员导入该年安排（mashangban calendar import），或写明具体日期时间。"
)


def sh(year: int, month: int, day: int, hour: int = 17, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def test_shanghai_is_the_zone() -> None:
    assert SHANGHAI == SH


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # plain Monday
        (date(2026, 11, 28), False),  # plain Saturday
        (date(2026, 11, 29), False),  # plain Sunday
        (date(2026, 1, 1), False),  # New Year's Day, Thursday
        (date(2026, 1, 2), False),  # Friday bridged into the New Year holiday
        (date(2026, 1, 4), True),  # Sunday, 调休 working day for New Year
        (date(2026, 2, 14), True),  # Saturday, 调休 working day before Spring Festival
        (date(2026, 2, 16), False),  # Monday inside Spring Festival (02-15..23)
        (date(2026, 2, 23), False),  # Monday, last day of Spring Festival
        (date(2026, 2, 24), True),  # Tuesday, first working day after Spring Festival
        (date(2026, 2, 28), True),  # Saturday, 调休 working day after Spring Festival
        (date(2026, 9, 20), True),  # Sunday, 调休 working day for National Day
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn Festival
        (date(2026, 10, 1), False),  # National Day, Thursday
        (date(2026, 10, 7), False),  # Wednesday, last day of National Day holiday
        (date(2026, 10, 8), True),  # Thursday, first working day after National Day
        (date(2026, 10, 10), True),  # Saturday, 调休 working day after National Day
        (date(2025, 1, 1), False),  # New Year's Day 2025, Wednesday
    ],
)
def test_statutory_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Wed 09-30 evening, last working day before National Day: the next one is Thu 10-08.
        (sh(2026, 9, 30, 18, 0), 1, sh(2026, 10, 8)),
        # ... then Fri 10-09 and the 调休 Saturday 10-10.
        (sh(2026, 9, 30, 18, 0), 3, sh(2026, 10, 10)),
        # ... then Mon 10-12, Tue 10-13 (Sun 10-11 is an ordinary day off).
        (sh(2026, 9, 30, 18, 0), 5, sh(2026, 10, 13)),
        # Fri 09-18 evening: Sun 09-20 is a 调休 working day, so it is the first.
        (sh(2026, 9, 18, 19, 0), 1, sh(2026, 9, 20)),
        # 20, 21, 22, 23, 24 are working; 25 Mid-Autumn, 26/27 weekend; Mon 28 is the 6th.
        (sh(2026, 9, 18, 19, 0), 6, sh(2026, 9, 28)),
        # Fri 02-13 before Spring Festival: Sat 02-14 works, then 02-15..23 off, Tue 02-24.
        (sh(2026, 2, 13, 16, 0), 1, sh(2026, 2, 14)),
        (sh(2026, 2, 13, 16, 0), 2, sh(2026, 2, 24)),
        # 24, 25, 26, 27 and the 调休 Saturday 28 make five after the 14th: 6 days → Sat 28.
        (sh(2026, 2, 13, 16, 0), 6, sh(2026, 2, 28)),
        (sh(2026, 2, 13, 16, 0), 7, sh(2026, 3, 2)),
        # Plain weekend: Friday evening + 1 is Monday.
        (sh(2026, 11, 27, 19, 0), 1, sh(2026, 11, 30)),
        # Today never counts, even before office hours.
        (sh(2026, 11, 23, 7, 0), 1, sh(2026, 11, 24)),
        # Midnight: 00:00 Shanghai Monday is Monday (16:00 UTC Sunday), so +1 is Tuesday.
        (sh(2026, 11, 23, 0, 0), 1, sh(2026, 11, 24)),
        (datetime(2026, 11, 22, 16, 0, tzinfo=UTC), 1, sh(2026, 11, 24)),
        # One second before Monday is still Sunday, so +1 is Monday.
        (sh(2026, 11, 22, 23, 59) + timedelta(seconds=59), 1, sh(2026, 11, 23)),
    ],
)
def test_add_working_days(start: datetime, days: int, expected: datetime) -> None:
    result = CAL.add_working_days(start, days)
    assert result == expected
    assert result.tzinfo is UTC


def test_add_working_days_needs_a_positive_count() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(sh(2026, 11, 23), 0)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # 10 minutes before lunch, then 110 after 14:30.
        (sh(2026, 11, 23, 11, 50), 120, sh(2026, 11, 23, 16, 20)),
        # Running out exactly at a period end stays there rather than jumping to 14:30.
        (sh(2026, 11, 23, 11, 30), 30, sh(2026, 11, 23, 12, 0)),
        # A start during lunch begins at 14:30.
        (sh(2026, 11, 23, 12, 30), 10, sh(2026, 11, 23, 14, 40)),
        (sh(2026, 11, 23, 12, 0), 0, sh(2026, 11, 23, 14, 30)),
        # A start before office hours begins at 08:30.
        (sh(2026, 11, 23, 7, 0), 60, sh(2026, 11, 23, 9, 30)),
        # Inside a period, zero minutes is now.
        (sh(2026, 11, 23, 10, 0), 0, sh(2026, 11, 23, 10, 0)),
        # Friday 17:00: 30 minutes on Friday, the other 30 on Monday.
        (sh(2026, 11, 27, 17, 0), 60, sh(2026, 11, 30, 9, 0)),
        # Midnight: 23:59 Monday starts at 08:30 Tuesday.
        (sh(2026, 11, 23, 23, 59), 1, sh(2026, 11, 24, 8, 31)),
        # Before National Day: 30 minutes on 09-30, the rest on 10-08.
        (sh(2026, 9, 30, 17, 0), 60, sh(2026, 10, 8, 9, 0)),
        # Friday 09-18 17:20: 10 minutes that day, 10 on the 调休 Sunday 09-20.
        (sh(2026, 9, 18, 17, 20), 20, sh(2026, 9, 20, 8, 40)),
        # A whole working day is 390 minutes (3.5 h + 3 h).
        (sh(2026, 11, 23, 8, 30), 390, sh(2026, 11, 23, 17, 30)),
        (sh(2026, 11, 23, 8, 30), 391, sh(2026, 11, 24, 8, 31)),
    ],
)
def test_add_working_minutes(start: datetime, minutes: int, expected: datetime) -> None:
    result = CAL.add_working_minutes(start, minutes)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("end", "minutes", "expected"),
    [
        # 30 minutes after 14:30, then 90 before lunch.
        (sh(2026, 11, 23, 15, 0), 120, sh(2026, 11, 23, 10, 30)),
        # Running out exactly at a period start stays there rather than jumping to 12:00.
        (sh(2026, 11, 23, 15, 0), 30, sh(2026, 11, 23, 14, 30)),
        # An end during lunch counts back from 12:00.
        (sh(2026, 11, 23, 13, 0), 10, sh(2026, 11, 23, 11, 50)),
        # Zero minutes is the last working instant: 12:00 at lunch, 下班 the evening before.
        (sh(2026, 11, 23, 13, 0), 0, sh(2026, 11, 23, 12, 0)),
        (sh(2026, 11, 24, 7, 0), 0, sh(2026, 11, 23, 17, 30)),
        # Saturday: from 下班 of Friday; Monday 09:00 reaches back into Friday.
        (sh(2026, 11, 28, 10, 0), 0, sh(2026, 11, 27, 17, 30)),
        (sh(2026, 11, 30, 9, 0), 60, sh(2026, 11, 27, 17, 0)),
        # After National Day: 30 minutes on 10-08, the rest before the break.
        (sh(2026, 10, 8, 9, 0), 60, sh(2026, 9, 30, 17, 0)),
        # A whole working day back from 下班 is that day's 上班.
        (sh(2026, 11, 27, 17, 30), 390, sh(2026, 11, 27, 8, 30)),
        (sh(2026, 11, 27, 17, 30), 391, sh(2026, 11, 26, 17, 29)),
    ],
)
def test_subtract_working_minutes(end: datetime, minutes: int, expected: datetime) -> None:
    result = CAL.subtract_working_minutes(end, minutes)
    assert result == expected
    assert result.tzinfo is UTC


def test_a_working_day_is_390_minutes_and_the_office_day_includes_lunch() -> None:
    hours = WorkingHours()
    assert hours.minutes_per_day == 390
    assert hours.within_office_day(time(13, 0)) and hours.within_office_day(time(17, 30))
    assert not hours.within_office_day(time(17, 31)) and not hours.within_office_day(time(8))


def test_add_working_minutes_keeps_seconds() -> None:
    start = sh(2026, 11, 23, 10, 0) + timedelta(seconds=15)
    assert CAL.add_working_minutes(start, 1) == start + timedelta(minutes=1)


def test_add_working_minutes_refuses_negative() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_minutes(sh(2026, 11, 23, 10, 0), -1)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 11, 23, 10, 0), sh(2026, 11, 23)),  # during the day: today's 下班
        (sh(2026, 11, 23, 7, 0), sh(2026, 11, 23)),  # before 上班: still today
        (sh(2026, 11, 23, 17, 29), sh(2026, 11, 23)),  # a minute before 下班
        (sh(2026, 11, 23, 17, 30), sh(2026, 11, 24)),  # at 下班 the day is over
        (sh(2026, 11, 23, 21, 0), sh(2026, 11, 24)),  # evening: tomorrow
        (sh(2026, 11, 27, 21, 0), sh(2026, 11, 30)),  # Friday evening: Monday
        (sh(2026, 11, 28, 10, 0), sh(2026, 11, 30)),  # Saturday: Monday
        (sh(2026, 10, 1, 10, 0), sh(2026, 10, 8)),  # National Day: first day after it
        (sh(2026, 10, 10, 10, 0), sh(2026, 10, 10)),  # 调休 Saturday is a working day
        (sh(2026, 2, 14, 18, 0), sh(2026, 2, 24)),  # 调休 Saturday evening before 春节
    ],
)
def test_end_of_working_day(start: datetime, expected: datetime) -> None:
    assert CAL.end_of_working_day(start) == expected


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (sh(2026, 11, 23, 11, 50), sh(2026, 11, 23, 16, 20), 120),  # 10 + 110 around lunch
        (sh(2026, 11, 23, 16, 20), sh(2026, 11, 23, 11, 50), -120),  # reversed
        (sh(2026, 11, 23, 10, 0), sh(2026, 11, 23, 10, 0), 0),
        (sh(2026, 11, 23, 12, 10), sh(2026, 11, 23, 14, 20), 0),  # all lunch
        (sh(2026, 11, 27, 17, 0), sh(2026, 11, 30, 9, 0), 60),  # 30 Fri + 30 Mon
        (sh(2026, 11, 23, 0, 0), sh(2026, 11, 24, 0, 0), 390),  # one whole working day
        (sh(2026, 11, 28, 0, 0), sh(2026, 11, 30, 0, 0), 0),  # a weekend
        (sh(2026, 9, 30, 17, 0), sh(2026, 10, 8, 9, 0), 60),  # 30 + 30 across National Day
        (sh(2026, 10, 9, 17, 0), sh(2026, 10, 10, 9, 0), 60),  # into the 调休 Saturday
        # Whole minutes only, rounded toward zero.
        (sh(2026, 11, 23, 10, 0), sh(2026, 11, 23, 10, 1) - timedelta(seconds=1), 0),
    ],
)
def test_working_minutes_between(a: datetime, b: datetime, minutes: int) -> None:
    assert CAL.working_minutes_between(a, b) == minutes


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        (sh(2026, 11, 23, 10, 0), sh(2026, 11, 25), 2),  # Tue, Wed
        (sh(2026, 11, 23, 10, 0), sh(2026, 11, 23), 0),  # same day
        (sh(2026, 11, 25), sh(2026, 11, 23), 0),  # b before a
        (sh(2026, 11, 27, 19, 0), sh(2026, 11, 30), 1),  # weekend skipped
        (sh(2026, 9, 30, 18, 0), sh(2026, 10, 10), 3),  # 10-08, 10-09, 调休 10-10
        (sh(2026, 2, 13, 16, 0), sh(2026, 3, 2), 7),  # 02-14, 24, 25, 26, 27, 28, 03-02
        # Midnight: 23:59 Monday to 00:00 Tuesday is one day boundary.
        (sh(2026, 11, 23, 23, 59), sh(2026, 11, 24, 0, 0), 1),
    ],
)
def test_working_days_between(a: datetime, b: datetime, days: int) -> None:
    assert CAL.working_days_between(a, b) == days


def test_overrides_win_over_the_statute() -> None:
    calendar = WorkCalendar(
        overrides={
            date(2026, 11, 30): False,  # a Monday declared a local day off
            date(2026, 11, 28): True,  # a Saturday declared a working day
            date(2026, 10, 1): True,  # even a statutory holiday can be overridden
        }
    )
    assert calendar.is_working_day(date(2026, 11, 30)) is False
    assert calendar.is_working_day(date(2026, 11, 28)) is True
    assert calendar.is_working_day(date(2026, 10, 1)) is True
    friday_evening = sh(2026, 11, 27, 19, 0)
    assert calendar.add_working_days(friday_evening, 1) == sh(2026, 11, 28)
    assert calendar.add_working_days(friday_evening, 2) == sh(2026, 12, 1)
    assert calendar.end_of_working_day(sh(2026, 11, 29, 10, 0)) == sh(2026, 12, 1)
    assert calendar.working_days_between(friday_evening, sh(2026, 12, 1)) == 2


def test_overrides_are_copied() -> None:
    overrides = {date(2026, 11, 30): False}
    calendar = WorkCalendar(overrides=overrides)
    overrides[date(2026, 11, 30)] = True
    assert calendar.is_working_day(date(2026, 11, 30)) is False
    assert calendar == WorkCalendar(overrides={date(2026, 11, 30): False})
    assert hash(calendar) == hash(WorkCalendar())


def test_a_year_without_data_is_refused_in_chinese() -> None:
    # chinesecalendar 1.11 stops at 2026.
    with pytest.raises(CalendarDataMissing) as caught:
        CAL.is_working_day(date(2027, 1, 4))
    assert str(caught.value) == MISSING_2027
    assert caught.value.year == 2027
    assert isinstance(caught.value, ValueError)
    assert not CAL.covers(2027)
    assert CAL.covers(2026)
    assert CAL.covers(2004)
    assert not CAL.covers(2003)
    assert not CAL.covers(10_000)
    with pytest.raises(CalendarDataMissing):
        CAL.add_working_days(sh(2026, 12, 31, 10, 0), 1)
    with pytest.raises(CalendarDataMissing):
        CAL.add_working_minutes(sh(2026, 12, 31, 17, 0), 60)


def test_an_imported_year_is_monday_to_friday_plus_overrides() -> None:
    calendar = WorkCalendar(
        extra_years=frozenset({2027}),
        overrides={
            date(2027, 1, 1): False,  # New Year's Day, a Friday, as the admin imported it
            date(2027, 1, 9): True,  # an imported 调休 Saturday
        },
    )
    assert calendar.covers(2027)
    assert calendar.is_working_day(date(2027, 1, 1)) is False
    assert calendar.is_working_day(date(2027, 1, 2)) is False  # plain Saturday
    assert calendar.is_working_day(date(2027, 1, 4)) is True  # plain Monday
    assert calendar.is_working_day(date(2027, 1, 9)) is True
    # Thu 2026-12-31 afternoon: Jan 1 off, weekend, then Mon 4, Tue 5, Wed 6.
    assert calendar.add_working_days(sh(2026, 12, 31, 16, 0), 3) == sh(2027, 1, 6)
    # Fri 01-08 evening: the imported Saturday 01-09 comes first.
    assert calendar.add_working_days(sh(2027, 1, 8, 19, 0), 1) == sh(2027, 1, 9)
    # The statute still decides the years it knows: an imported 2026 keeps its holidays.
    both = WorkCalendar(extra_years=frozenset({2026}))
    assert both.is_working_day(date(2026, 10, 1)) is False


def test_natural_days_need_no_holiday_data() -> None:
    assert CAL.add_natural_days(sh(2026, 9, 30, 18, 0), 3) == sh(2026, 10, 3)  # a holiday
    assert CAL.add_natural_days(sh(2026, 12, 31, 10, 0), 3) == sh(2027, 1, 3)
    assert CAL.add_natural_days(sh(2026, 11, 23, 0, 0), 0) == sh(2026, 11, 23)


def test_day_end_is_utc() -> None:
    result = CAL.day_end(date(2026, 11, 23))
    assert result == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert result.tzinfo is UTC
    with pytest.raises(TypeError):
        CAL.day_end(datetime(2026, 11, 23, 10, 0))  # type: ignore[arg-type]


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 23, 10, 0)
    for call in (
        lambda: CAL.add_working_days(naive, 1),
        lambda: CAL.add_working_minutes(naive, 1),
        lambda: CAL.add_natural_days(naive, 1),
        lambda: CAL.end_of_working_day(naive),
        lambda: CAL.working_minutes_between(naive, sh(2026, 11, 23)),
        lambda: CAL.working_days_between(sh(2026, 11, 23), naive),
    ):
        with pytest.raises(ValueError):
            call()


def test_searches_are_bounded() -> None:
    # Every day off for twelve years: no working day can be found, and nothing hangs.
    years = frozenset(range(2027, 2039))
    first, last = date(2025, 1, 1), date(2038, 12, 31)
    all_off = {first + timedelta(days=i): False for i in range((last - first).days + 1)}
    calendar = WorkCalendar(overrides=all_off, extra_years=years)
    with pytest.raises(ValueError):
        calendar.add_working_days(sh(2025, 1, 1), 1)
    with pytest.raises(ValueError):
        calendar.add_working_minutes(sh(2025, 1, 1), 1)
    with pytest.raises(ValueError):
        calendar.end_of_working_day(sh(2025, 1, 1))
    with pytest.raises(ValueError):
        CAL.working_days_between(sh(2004, 1, 1), sh(2026, 1, 1))
    with pytest.raises(ValueError):
        CAL.add_working_minutes(sh(2026, 1, 1), 10**9)


def test_custom_hours_move_the_end_of_day() -> None:
    calendar = WorkCalendar(hours=WorkingHours.parse("09:00-12:00,13:30-18:00"))
    assert calendar.add_working_days(sh(2026, 11, 23, 10, 0), 1) == sh(2026, 11, 24, 18, 0)
    assert calendar.add_working_minutes(sh(2026, 11, 23, 11, 50), 20) == sh(2026, 11, 23, 13, 40)
    assert calendar.working_minutes_between(sh(2026, 11, 23, 0, 0), sh(2026, 11, 24, 0, 0)) == 450


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("08:30-12:00,14:30-17:30", ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))),
        (" 09:00-18:00 ", ((time(9, 0), time(18, 0)),)),
        ("9:00-12:00, 13:00-17:00", ((time(9, 0), time(12, 0)), (time(13, 0), time(17, 0)))),
        ("08:00-12:00,12:00-16:00", ((time(8, 0), time(12, 0)), (time(12, 0), time(16, 0)))),
    ],
)
def test_working_hours_parse(text: str, periods: tuple[tuple[time, time], ...]) -> None:
    hours = WorkingHours.parse(text)
    assert hours.periods == periods
    assert WorkingHours.parse(str(hours)) == hours


@pytest.mark.parametrize(
    "text",
    [
        "",
        " , ",
        "08:30",
        "08:30-",
        "8-17",
        "abc",
        "08:30-08:00",  # ends before it starts
        "08:30-08:30",  # empty
        "14:30-17:30,08:30-12:00",  # unsorted
        "08:30-12:00,11:00-17:30",  # overlapping
        "25:00-26:00",
        "08:60-09:00",
        "08:30-12:00,,14:30-17:30",
        "０８:３０-１２:００",  # full-width digits belong to chat, not to settings
    ],
)
def test_working_hours_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        WorkingHours.parse(text)


def test_working_hours_defaults() -> None:
    hours = WorkingHours()
    assert hours.start == time(8, 30)
    assert hours.end == time(17, 30)
    assert str(hours) == "08:30-12:00,14:30-17:30"
    assert WorkingHours.parse("08:30-12:00,14:30-17:30") == hours
    with pytest.raises(ValueError):
        WorkingHours(())
