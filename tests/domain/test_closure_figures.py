"""The figures of the closure record and the rating window, computed without a database."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.feedback import closure
from tasks.feedback.ratings import window_end
from tasks.presentation.replies import duration
from tasks.vocabulary import BAD_LEVELS, RATING_LEVELS
from tasks.vocabulary import RATING_LEVELS as WORDS_OF_THE_SCALE

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def _event(action: str, minutes: int) -> SimpleNamespace:
    return SimpleNamespace(action=action, at=T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize(("closed", "deadline", "expected"), [
    (T0, T0, True),  # closing at the very deadline is on time
    (T0 + timedelta(seconds=1), T0, False),
    (T0, None, None),  # no deadline: neither on time nor late
])
def test_on_time_is_inclusive_and_none_without_a_deadline(closed, deadline, expected):
    assert closure.on_time(closed, deadline) is expected


def test_minutes_are_whole_wall_clock_minutes_rounded_down():
    assert closure.minutes_between(T0, T0 + timedelta(minutes=59, seconds=59)) == 59
    assert closure.minutes_between(T0, T0 + timedelta(days=1)) == 1440
    assert closure.minutes_between(T0, T0 - timedelta(minutes=5)) == 0


def test_a_first_round_counts_from_creation_and_its_first_accept():
    task = SimpleNamespace(reopen_count=0, created_at=T0)
    events = [_event("created", 0), _event("transferred", 10), _event("accepted", 25),
              _event("accepted", 90)]
    started = closure.round_start(task, events)
    assert started == T0
    assert closure.first_response(events, started, T0 + timedelta(hours=5)) == \
        T0 + timedelta(minutes=25)


def test_a_reopened_round_counts_from_the_reopen():
    task = SimpleNamespace(reopen_count=1, created_at=T0)
    events = [_event("accepted", 5), _event("closed", 60), _event("reopened", 120),
              _event("accepted", 150), _event("closed", 200)]
    started = closure.round_start(task, events)
    assert started == T0 + timedelta(minutes=120)
    assert closure.first_response(events, started, T0 + timedelta(minutes=200)) == \
        T0 + timedelta(minutes=150)


def test_closing_without_accepting_answers_at_the_close():
    events = [_event("created", 0)]
    closed = T0 + timedelta(minutes=42)
    assert closure.first_response(events, T0, closed) == closed


def test_the_rating_window_counts_working_days_and_ends_at_xiaban():
    calendar = WorkCalendar()
    assert window_end(calendar, T0, 3) == datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    assert window_end(calendar, friday, 3) == datetime(2026, 12, 2, 17, 30, tzinfo=SHANGHAI)
    # National Day: 1-7 Oct off, 8-9 Oct working, Saturday 10 Oct a 调休 working day
    eve = datetime(2026, 9, 30, 19, 0, tzinfo=SHANGHAI)
    assert window_end(calendar, eve, 3) == datetime(2026, 10, 10, 17, 30, tzinfo=SHANGHAI)


def test_the_chat_and_the_record_speak_of_the_same_scale():
    assert WORDS_OF_THE_SCALE == RATING_LEVELS
    assert set(BAD_LEVELS) == set(RATING_LEVELS[3:])


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0分钟"), (59, "59分钟"), (60, "1小时0分钟"), (1439, "23小时59分钟"), (1500, "1天1小时"),
])
def test_durations_read_as_people_say_them(minutes, text):
    assert duration(minutes) == text
