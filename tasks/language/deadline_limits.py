"""Two readings of a deadline that need more than arithmetic: holiday limits, which need
the calendar's holiday breaks, and the refusal of a deadline already past, which must say
which instant was read and how to write the nearest valid one (issue 12: the past is
refused, never reinterpreted as next week, next month or next year).
"""

import re
from datetime import date, datetime, timedelta

from tasks.calendar.workdays import CalendarDataMissing, WorkCalendar
from tasks.language.deadline_grammar import (
    CalendarDate,
    DeadlineError,
    Holiday,
    Moment,
    MonthDay,
    MonthEnd,
    Offset,
    Shift,
    Spec,
    Weekday,
)
from tasks.vocabulary import WEEKDAY_NAMES

_NAMES_WEEKDAY = re.compile("周|星期|礼拜")
_LOOKAHEAD_DAYS = 400  # the next occurrence of every statutory holiday
_LOOKBACK_DAYS = 10  # a break already under way began at most this long ago
_LONG_BREAK = 3  # a weekend is two days off; a holiday break is at least three
# Holidays on a fixed Gregorian date need no names: an admin's imported year is enough.
_FIXED_DATES = {"New Year's Day": (1, 1), "Labour Day": (5, 1), "National Day": (10, 1)}


def holiday_day(rule: Holiday, today: date, calendar: WorkCalendar) -> date:
    """The last working day before the holiday's break (`春节前`) or the first one after
    the current or next break (`节后`, `国庆后`).

    A break is a run of days off holding the named statutory holiday (for `节`: any
    statutory holiday, or at least three days off in an admin's imported year). Without the
    holiday data of the year it falls in, the phrase is refused with a question.
    """
    try:
        first, last = _break(rule, today, calendar)
        if rule.after:
            return _next_working(calendar, last, 1)
        return _next_working(calendar, first, -1)
    except CalendarDataMissing as exc:
        raise DeadlineError(
            f"「{rule.written}」是哪一天？日历里还没有{exc.year}年法定假期的安排，"
            "请写具体日期，例如「2月5日前」") from exc


def _break(rule: Holiday, today: date, calendar: WorkCalendar) -> tuple[date, date]:
    day = today - timedelta(days=_LOOKBACK_DAYS)
    end = today + timedelta(days=_LOOKAHEAD_DAYS)
    while day <= end:
        if (rule.name is not None and rule.name not in _FIXED_DATES
                and not calendar.names_holidays(day.year)):
            raise CalendarDataMissing(day.year)  # an imported year: days off, no names
        if calendar.is_working_day(day):
            day += timedelta(days=1)
            continue
        first = day
        while not calendar.is_working_day(day + timedelta(days=1)):
            day += timedelta(days=1)
        if day >= today and _is_the_holiday(rule, first, day, calendar):
            return first, day
        day += timedelta(days=1)
    raise DeadlineError(f"「{rule.written}」在日历里找不到对应的假期，请写具体日期")


def _is_the_holiday(rule: Holiday, first: date, last: date, calendar: WorkCalendar) -> bool:
    fixed = _FIXED_DATES.get(rule.name or "")
    if fixed is not None:  # 元旦, 五一, 国庆: the break holding that date, named or not
        return any((day.month, day.day) == fixed
                   for day in (first + timedelta(days=i) for i in range((last - first).days + 1)))
    names = {calendar.holiday_name(first + timedelta(days=i))
             for i in range((last - first).days + 1)}
    if rule.name is not None:
        return rule.name in names
    return names != {None} or (last - first).days + 1 >= _LONG_BREAK


def _next_working(calendar: WorkCalendar, day: date, step: int) -> date:
    for _ in range(_LOOKAHEAD_DAYS):
        day += timedelta(days=step)
        if calendar.is_working_day(day):
            return day
    raise DeadlineError("日历里找不到工作日，请写具体日期")


def past_reason(phrase: str, spec: Spec, when: datetime, now: datetime,
                calendar: WorkCalendar) -> str:
    """`「上周五」是12月4日 17:30（周五），已经过去了。…请写「下周五」`: the instant read, and
    the nearest way to write a deadline that is still ahead."""
    weekday = "" if _NAMES_WEEKDAY.search(phrase) else f"是周{WEEKDAY_NAMES[when.weekday()]}，"
    said = f"期限已过：{_stamp(when, now)} 早于现在（「{phrase}」{weekday}已经过去了）"
    suggestion = _suggestion(spec, when, now, calendar) if isinstance(spec, Moment) else None
    return f"{said}。{suggestion}" if suggestion else f"{said}。"


def _suggestion(spec: Moment, when: datetime, now: datetime, calendar: WorkCalendar) -> str:
    clock = "" if spec.minutes is Shift.END else f"{when:%H:%M}"
    end_today = datetime.combine(now.date(), calendar.hours.end, tzinfo=now.tzinfo)
    rule = spec.day
    match rule:
        case None | Offset():
            today_at = when + timedelta(days=(now.date() - when.date()).days)
            if clock and today_at > now:
                return f"今天的话请写「今天{clock}」"
            if not clock and end_today > now:
                return "今天的话请写「今天下班前」"
            return f"最近的写法是「明天{clock}」"
        case Weekday(day, weeks):
            this_week = when + timedelta(days=7 * -(weeks or 0))
            word = "本周" if this_week > now else "下周"
            return f"请写「{word}{WEEKDAY_NAMES[day]}{clock}」"
        case MonthDay(day, _):
            return f"请写「下月{day}号{clock}」"
        case MonthEnd(months):
            return "请写「本月底」或「下月底」" if months < 0 else "请写「下月底」"
        case CalendarDate(year=int()):
            return "请检查年份和日期"
        case CalendarDate():
            return _date_suggestion(when, now, clock)
        case Holiday():
            return "请写具体日期"
    return ""


def _date_suggestion(when: datetime, now: datetime, clock: str) -> str:
    this_year = when.replace(year=now.year) if not _feb29(when) else when
    if this_year > now:
        return f"请写「{when.month}月{when.day}日{clock}」"
    return (f"如果是明年，请写「明年{when.month}月{when.day}日{clock}」"
            f"或「{now.year + 1}年{when.month}月{when.day}日{clock}」")


def _feb29(when: datetime) -> bool:
    return when.month == 2 and when.day == 29


def _stamp(local: datetime, local_now: datetime) -> str:
    year = f"{local.year}年" if local.year != local_now.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"
