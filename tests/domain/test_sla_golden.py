"""Every kind's default deadlines for creation instants around 2026–2027 holidays and 调休.

Each expectation was worked out by hand from docs/sla.md and the State Council's 2026
arrangement (as shipped by `chinesecalendar`): Spring Festival 15–23 Feb off with Saturdays
14 and 28 Feb worked; Mid-Autumn 25 Sep off; National Day 1–7 Oct off with Sunday 20 Sep and
Saturday 10 Oct worked. Working hours 08:30–12:00 and 14:30–17:30. Natural-day limits end at
下班 (17:30) of the last day. 2027 has no published data in the package: it is refused
until an admin imports the year (here a test arrangement, not the official notice).
"""

from datetime import date, datetime

import pytest

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.core.sla import DEFAULTS_BY_KIND, deadline_for
from tasks.errors import Refusal


def sh(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _days(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


# A 2027 arrangement as an admin would import it (`mashangban calendar import`).
TEST_2027 = WorkCalendar(
    overrides={
        **dict.fromkeys(_days(date(2027, 1, 1), date(2027, 1, 3)), False),
        **dict.fromkeys(_days(date(2027, 2, 6), date(2027, 2, 14)), False),
        date(2027, 2, 20): True,
    },
    extra_years=frozenset({2027}),
)
PACKAGE_ONLY = WorkCalendar()

TUESDAY = sh(11, 24, 9)  # an ordinary Tuesday morning
EVE_OF_NATIONAL_DAY = sh(9, 30, 18)  # Wednesday, after 下班; 1–7 Oct off, 10 Oct worked
BEFORE_SPRING_FESTIVAL = sh(2, 13, 16)  # Friday; Saturday 14 Feb is a 调休 working day
ADJUSTED_SATURDAY = sh(2, 14, 10)  # the 调休 working Saturday itself
NEW_YEARS_EVE = sh(12, 31, 16)  # Thursday; the 2-hour reply runs into 2027
BEFORE_2027_FESTIVAL = sh(2, 5, 11, 50, year=2027)  # Friday 11:50, lunch break ahead

# (kind, created, expected first-response due, expected deadline)
GOLDEN = [
    # ── ordinary Tuesday ──
    ("general", TUESDAY, sh(11, 24, 11), sh(12, 4, 17, 30)),
    ("urgent", TUESDAY, sh(11, 24, 9, 15), sh(11, 24, 17, 30)),
    ("leader_call", TUESDAY, sh(11, 24, 9, 1), sh(11, 24, 9, 10)),
    ("leader_call_special", TUESDAY, sh(11, 24, 9, 1), sh(11, 24, 12)),
    ("emergency", TUESDAY, sh(11, 24, 9, 1), None),
    ("draft_doc", TUESDAY, None, sh(11, 27, 17, 30)),
    ("minutes", TUESDAY, None, sh(11, 26, 17, 30)),
    ("consultation", TUESDAY, None, sh(12, 4, 17, 30)),
    ("approval", TUESDAY, None, sh(11, 26, 17, 30)),
    # ── evening before National Day: working time resumes Thursday 8 Oct ──
    ("general", EVE_OF_NATIONAL_DAY, sh(10, 8, 10, 30), sh(10, 10, 17, 30)),
    ("urgent", EVE_OF_NATIONAL_DAY, sh(9, 30, 18, 15), sh(10, 8, 17, 30)),
    ("leader_call", EVE_OF_NATIONAL_DAY, sh(9, 30, 18, 1), sh(9, 30, 18, 10)),
    ("leader_call_special", EVE_OF_NATIONAL_DAY, sh(9, 30, 18, 1), sh(9, 30, 21)),
    ("emergency", EVE_OF_NATIONAL_DAY, sh(9, 30, 18, 1), None),
    ("draft_doc", EVE_OF_NATIONAL_DAY, None, sh(10, 3, 17, 30)),
    ("minutes", EVE_OF_NATIONAL_DAY, None, sh(10, 2, 17, 30)),
    ("consultation", EVE_OF_NATIONAL_DAY, None, sh(10, 10, 17, 30)),
    ("approval", EVE_OF_NATIONAL_DAY, None, sh(10, 2, 17, 30)),
    # ── Friday before Spring Festival: 1.5 h today, 0.5 h on the adjusted Saturday ──
    ("general", BEFORE_SPRING_FESTIVAL, sh(2, 14, 9), sh(2, 23, 17, 30)),
    ("urgent", BEFORE_SPRING_FESTIVAL, sh(2, 13, 16, 15), sh(2, 13, 17, 30)),
    ("leader_call", BEFORE_SPRING_FESTIVAL, sh(2, 13, 16, 1), sh(2, 13, 16, 10)),
    ("leader_call_special", BEFORE_SPRING_FESTIVAL, sh(2, 13, 16, 1), sh(2, 13, 19)),
    ("draft_doc", BEFORE_SPRING_FESTIVAL, None, sh(2, 16, 17, 30)),
    ("minutes", BEFORE_SPRING_FESTIVAL, None, sh(2, 15, 17, 30)),
    ("consultation", BEFORE_SPRING_FESTIVAL, None, sh(2, 23, 17, 30)),
    ("approval", BEFORE_SPRING_FESTIVAL, None, sh(2, 15, 17, 30)),
    # ── the adjusted working Saturday counts as a working day ──
    ("general", ADJUSTED_SATURDAY, sh(2, 14, 12), sh(2, 24, 17, 30)),
    ("urgent", ADJUSTED_SATURDAY, sh(2, 14, 10, 15), sh(2, 14, 17, 30)),
    ("approval", ADJUSTED_SATURDAY, None, sh(2, 16, 17, 30)),
]

GOLDEN_2027 = [
    # New Year's Eve: 1.5 h left in 2026, the last 0.5 h on Monday 4 Jan 2027
    ("general", NEW_YEARS_EVE, sh(1, 4, 9, year=2027), sh(1, 10, 17, 30, year=2027)),
    ("urgent", NEW_YEARS_EVE, sh(12, 31, 16, 15), sh(12, 31, 17, 30)),
    # 11:50 + 2 working hours = 10 minutes before lunch and 110 after 14:30
    ("general", BEFORE_2027_FESTIVAL, sh(2, 5, 16, 20, year=2027),
     sh(2, 15, 17, 30, year=2027)),
    ("urgent", BEFORE_2027_FESTIVAL, sh(2, 5, 12, 5, year=2027), sh(2, 5, 17, 30, year=2027)),
    ("consultation", BEFORE_2027_FESTIVAL, None, sh(2, 15, 17, 30, year=2027)),
]


@pytest.mark.parametrize(("kind", "created", "first", "deadline"), GOLDEN)
def test_default_deadlines_in_2026(kind, created, first, deadline):
    result = deadline_for(DEFAULTS_BY_KIND[kind], created, PACKAGE_ONLY)
    assert result.first_response_due == first
    assert result.deadline == deadline


@pytest.mark.parametrize(("kind", "created", "first", "deadline"), GOLDEN_2027)
def test_default_deadlines_into_an_imported_2027(kind, created, first, deadline):
    result = deadline_for(DEFAULTS_BY_KIND[kind], created, TEST_2027)
    assert result.first_response_due == first
    assert result.deadline == deadline


def test_a_year_without_data_is_reported_not_guessed():
    with pytest.raises(CalendarDataMissing) as error:
        deadline_for(DEFAULTS_BY_KIND["general"], NEW_YEARS_EVE, PACKAGE_ONLY)
    assert "2027年" in str(error.value) and "尚未载入" in str(error.value)


def test_natural_days_need_no_calendar_data():
    result = deadline_for(DEFAULTS_BY_KIND["consultation"], NEW_YEARS_EVE, PACKAGE_ONLY)
    assert result.deadline == sh(1, 10, 17, 30, year=2027)


@pytest.mark.parametrize("kind", ["assigned", "supervision"])
def test_kinds_whose_deadline_the_assigner_sets_refuse_to_start_without_one(kind):
    with pytest.raises(Refusal, match="期限由交办人确定"):
        deadline_for(DEFAULTS_BY_KIND[kind], TUESDAY, PACKAGE_ONLY)


def test_an_assigned_task_keeps_the_assigners_deadline_and_answers_at_once():
    written = PACKAGE_ONLY.add_working_days(EVE_OF_NATIONAL_DAY, 3)
    result = deadline_for(DEFAULTS_BY_KIND["assigned"], EVE_OF_NATIONAL_DAY, PACKAGE_ONLY,
                          written=written)
    assert result.deadline == sh(10, 10, 17, 30)  # 8, 9 and the adjusted Saturday 10 Oct
    assert result.first_response_due == sh(9, 30, 18, 15)


def test_the_first_response_is_never_due_after_the_deadline():
    written = sh(11, 24, 9, 30)
    result = deadline_for(DEFAULTS_BY_KIND["general"], TUESDAY, PACKAGE_ONLY, written=written)
    assert result.first_response_due == written
