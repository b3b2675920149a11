"""China's working-day calendar: which days count, and how deadlines move through them.

docs/sla.md keeps three units apart: natural days, working days and working hours. Working
days follow the State Council's statutory holidays *and* the adjusted working weekends (调休),
taken from the maintained `chinesecalendar` package; an admin can override single days (a
local day off) and import years the package does not know yet.

Everything here is a pure function of its arguments: the clock is passed in, nothing is read
from the environment, and every datetime that comes out is UTC so storage never depends on a
zone. Wall-clock reasoning happens in Asia/Shanghai, where the office is.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["SHANGHAI", "CalendarDataMissing", "WorkCalendar", "WorkingHours"]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Ten years of days: longer than any real deadline, short enough that a calendar whose
# every day is off (by overrides) or an absurd amount fails fast instead of hanging.
_SEARCH_LIMIT_DAYS = 3700
_ONE_DAY = timedelta(days=1)


class CalendarDataMissing(ValueError):
    """A year with no holiday data; str() is a Chinese reason fit for chat."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年的法定节假日安排尚未载入，暂时无法按工作日计算。"
            "请管理员导入该年安排（mashangban calendar import），或写明具体日期时间。"
        )
        self.year = year


@dataclass(frozen=True)
class WorkingHours:
    """The office day as sorted, non-overlapping periods; lunch is the gap between them."""

    periods: tuple[tuple[time, time], ...] = (
        (time(8, 30), time(12, 0)),
        (time(14, 30), time(17, 30)),
    )

    def __post_init__(self) -> None:
        # Validated here rather than only in parse() so that no loop below can meet an empty
        # or backwards period and spin without making progress.
        object.__setattr__(self, "periods", tuple(tuple(p) for p in self.periods))
        _check_periods(self.periods)

    @classmethod
    def parse(cls, text: str) -> "WorkingHours":
        """Read the admin's setting, `08:30-12:00,14:30-17:30`; ValueError says what is wrong."""
        items = [item.strip() for item in text.split(",")]
        if not any(items):
            raise ValueError("working hours are empty; expected e.g. 08:30-12:00,14:30-17:30")
        return cls(tuple(_parse_period(item) for item in items))

    @property
    def start(self) -> time:
        """上班: when the first period begins."""
        return self.periods[0][0]

    @property
    def end(self) -> time:
        """下班: when the last period ends; a day-granular deadline falls here."""
        return self.periods[-1][1]

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one working day (390 by default): "one working day" of time."""
        day = date(2000, 1, 1)
        return sum((datetime.combine(day, end) - datetime.combine(day, begin))
                   // timedelta(minutes=1) for begin, end in self.periods)

    def within_office_day(self, clock: time) -> bool:
        """Whether a wall-clock time lies between 上班 and 下班 (the lunch break included):
        a deadline outside it is one nobody is at work to meet."""
        return self.start <= clock <= self.end

    def __str__(self) -> str:
        return ",".join(f"{begin:%H:%M}-{end:%H:%M}" for begin, end in self.periods)


def _parse_period(text: str) -> tuple[time, time]:
    begin, dash, end = text.partition("-")
    if not dash:
        raise ValueError(f"working period {text!r} is not of the form HH:MM-HH:MM")
    return _parse_clock(begin), _parse_clock(end)


def _parse_clock(text: str) -> time:
    hour, colon, minute = text.strip().partition(":")
    digits = (hour + minute).isascii() and hour.isdigit() and minute.isdigit()
    if not (colon and digits and len(minute) == 2):
        raise ValueError(f"time {text.strip()!r} is not of the form HH:MM")
    if len(hour) > 2 or int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"time {text.strip()!r} is not a time of day")
    return time(int(hour), int(minute))


def _check_periods(periods: tuple[tuple[time, time], ...]) -> None:
    if not periods:
        raise ValueError("working hours need at least one period")
    for begin, end in periods:
        if not (isinstance(begin, time) and isinstance(end, time)):
            raise ValueError("working periods must be pairs of times")
        if begin.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods are Shanghai wall-clock times without a zone")
        if begin >= end:
            raise ValueError(f"working period {begin:%H:%M}-{end:%H:%M} ends before it starts")
    for (_, previous_end), (begin, _) in zip(periods, periods[1:], strict=False):
        if begin < previous_end:
            raise ValueError(
                f"working periods overlap or are out of order at {begin:%H:%M}"
            )


@lru_cache(maxsize=8192)
def _statutory_working_day(day: date) -> bool | None:
    """The package's answer, or None for a year it has no data for.

    Cached because the package rescans its tables on every call (tens of microseconds),
    and working-minute arithmetic asks about the same few days over and over.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours of one installation: statutory data plus the admin's say."""

    hours: WorkingHours = WorkingHours()
    # date -> True (working) / False (day off); always wins over the statutory data.
    # Left out of the hash so a calendar can still be hashed (a dict cannot).
    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    # Years an admin imported: Mon–Fri there, with the imported days arriving as overrides.
    extra_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        # A read-only copy, so a caller mutating its dict cannot change a calendar in use.
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "extra_years", frozenset(self.extra_years))

    def is_working_day(self, day: date) -> bool:
        """Override, else statutory data, else Mon–Fri for an imported year.

        Raises CalendarDataMissing rather than guessing Mon–Fri: a silent guess would move
        deadlines across a holiday nobody has loaded.
        """
        day = _as_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return bool(override)
        statutory = _statutory_working_day(day)
        if statutory is not None:
            return statutory
        if day.year in self.extra_years:
            return day.weekday() < 5
        raise CalendarDataMissing(day.year)

    def holiday_name(self, day: date) -> str | None:
        """The statutory holiday a day off belongs to (chinesecalendar's English name, such
        as `Spring Festival`), or None: a working day, a weekend, or a year without data.

        Deadlines such as `春节前` need the name; an admin's imported years carry none, so
        those phrases are refused there rather than guessed.
        """
        day = _as_date(day)
        if self.overrides.get(day) is True:
            return None
        try:
            off, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return None
        if not off or name is None:  # a 调休 Saturday names the holiday it pays for
            return None
        return str(getattr(name, "value", name))

    def names_holidays(self, year: int) -> bool:
        """Whether `holiday_name` can answer for `year` (the package has its data)."""
        try:
            return _statutory_working_day(date(year, 1, 1)) is not None
        except ValueError:
            return False

    def covers(self, year: int) -> bool:
        """Whether working days of `year` can be computed without CalendarDataMissing."""
        if year in self.extra_years:
            return True
        try:
            return _statutory_working_day(date(year, 1, 1)) is not None
        except ValueError:  # a year outside what `date` can hold
            return False

    def day_end(self, day: date) -> datetime:
        """下班 of `day`, the instant a day-granular deadline means."""
        return _utc(_as_date(day), self.hours.end)

    def add_natural_days(self, start: datetime, days: int) -> datetime:
        """下班 of the day `days` calendar days after start's local date (`3天内`)."""
        return self.day_end(_local(start).date() + timedelta(days=days))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """下班 of the `days`-th working day after start's local date (`3个工作日内`).

        Today never counts, even when asked early in the morning: that is how offices read
        "N个工作日内", and it makes the answer independent of the hour of the request.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        day = _local(start).date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += _ONE_DAY
            if self.is_working_day(day):
                days -= 1
                if days == 0:
                    return self.day_end(day)
        raise ValueError(f"no result within {_SEARCH_LIMIT_DAYS} days")

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant after `minutes` of working time (`2个工作小时`), lunch and nights skipped.

        A start outside working time begins at the next period start. The answer lands on a
        period's end rather than the next period's start when the time runs out exactly there,
        so 30 minutes from 11:30 is due 12:00, not 14:30. Zero minutes is the first working
        instant at or after start.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = timedelta(minutes=minutes)
        for begin, end in self._working_periods(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise ValueError(f"no result within {_SEARCH_LIMIT_DAYS} days")

    def subtract_working_minutes(self, end: datetime, minutes: int) -> datetime:
        """The instant `minutes` of working time before `end`: where a span of working time
        that ends at `end` begins (the opening of a due-soon window).

        The mirror of add_working_minutes: an answer exactly at a period's start stays there
        rather than moving to the previous period's end, so 30 minutes before 15:00 is 14:30.
        Zero minutes is the last working instant at or before `end`.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = timedelta(minutes=minutes)
        for begin, stop in self._working_periods_back(end):
            if remaining <= stop - begin:
                return stop - remaining
            remaining -= stop - begin
        raise ValueError(f"no result within {_SEARCH_LIMIT_DAYS} days")

    def last_working_instant(self, moment: datetime) -> datetime:
        """The latest working instant at or before `moment`: 下班 of the previous working day
        for a moment on a day off, 下班 of the same day for one after it."""
        return self.subtract_working_minutes(moment, 0)

    def end_of_working_day(self, start: datetime) -> datetime:
        """即办即复: 下班 today when today is a working day not yet over, else the next one's."""
        local = _local(start)
        if self.is_working_day(local.date()) and local.time() < self.hours.end:
            return self.day_end(local.date())
        return self.add_working_days(start, 1)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole minutes of working time in [a, b), negative when b is before a.

        Rounded toward zero so that a timer never reports time that has not yet fully passed.
        """
        if _utc_of(b) < _utc_of(a):
            return -self.working_minutes_between(b, a)
        last = _local(b).date()
        if (last - _local(a).date()).days > _SEARCH_LIMIT_DAYS:
            raise ValueError(f"span longer than {_SEARCH_LIMIT_DAYS} days")
        finish = _utc_of(b)
        total = timedelta(0)
        for begin, end in self._working_periods(a):
            if begin >= finish:
                break
            total += min(end, finish) - begin
        return total // timedelta(minutes=1)

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Working days after a's local date up to and including b's (`剩余2个工作日`)."""
        first, last = _local(a).date(), _local(b).date()
        if (last - first).days > _SEARCH_LIMIT_DAYS:
            raise ValueError(f"span longer than {_SEARCH_LIMIT_DAYS} days")
        count = 0
        day = first + _ONE_DAY
        while day <= last:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def _working_periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in UTC from start on, the first clipped to begin at start."""
        origin = _utc_of(start)
        day = _local(start).date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            if self.is_working_day(day):
                for begin, end in self._periods_on(day):
                    if end > origin:
                        yield max(begin, origin), end
            day += _ONE_DAY

    def _working_periods_back(self, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in UTC from end backwards, the first clipped to stop at end."""
        origin = _utc_of(end)
        day = _local(end).date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            if self.is_working_day(day):
                for begin, stop in reversed(list(self._periods_on(day))):
                    if begin < origin:
                        yield begin, min(stop, origin)
            day -= _ONE_DAY

    def _periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for begin, end in self.hours.periods:
            yield _utc(day, begin), _utc(day, end)


def _as_date(day: date) -> date:
    """A datetime is also a date; accepting one silently would miss every override key."""
    if isinstance(day, datetime):
        raise TypeError("expected a date, got a datetime")
    return day


def _utc_of(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    return _utc_of(moment).astimezone(SHANGHAI)


def _utc(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=SHANGHAI).astimezone(UTC)
