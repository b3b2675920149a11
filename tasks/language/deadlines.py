"""Turns Chinese deadline phrases into UTC instants and back into Shanghai wall-clock text.

Conventions, chosen to match how office staff read these phrases (day = Asia/Shanghai):

* A day without a time means 下班 of that day and 上班 is the start of the working day, both
  taken from the calendar's working hours (by default 17:30 and 08:30).
* `N天内` ends at 下班 of the Nth calendar day after today: `3天内` written on Monday 10:00
  is due Thursday 17:30. `N周内` is 7N days, `N个月内` the same day N months on (clamped to
  month end), `N个工作日内` 下班 of the Nth working day after today, on China's statutory
  calendar with its adjusted working weekends (调休) and the admin's overrides.
  `N小时内` and `N分钟内` are exact clock durations, office hours or not. `半个月内` is 15 days.
* `N日内` is a duration, but a bare `N日`/`N号` (also `N日前`) is a day of this month,
  `下月N号` of the next one.
* A month and day without a year (`11月30日`, `12/1`) is this year's. Next year is written
  (`明年1月5日`, `2027年1月5日`): a date already behind us is refused, never moved to next
  year. `12月底` is that month's last day; a weekday note (`12月8日（周二）`) is skipped.
* A weekday (`周五`, `本周五`) is this week's (Monday first), `下周五` next week's; `本周`/`下周`
  alone mean Friday of that week. A weekday already behind us is refused with `下周五` as
  the way to write it, never moved to next week.
* The past is read whole and refused (`昨天下午3点`, `前天`, `昨晚`, `上周五`, `上个月底`,
  `去年12月1日`), and so is a clock time already past today: the refusal names the instant
  and the nearest way to write a valid one (deadline_limits.past_reason).
* Holiday limits (`春节前`, `国庆后`, `节后`) follow the calendar: the last working day before
  the break, or the first one after the current or next break; without the year's holiday
  data they are refused with a question (deadline_limits.holiday_day).
* Without 上午/下午, `1点`–`6点` are afternoon hours (nobody is due at 3 a.m. in an office);
  times with a colon (`17:00`) are 24-hour as written.
* A deadline not strictly after `now` is refused with DeadlineError.
* `find_deadline` (deadline_split) splits such a phrase off a sentence.
"""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.language.deadline_grammar import (
    CalendarDate,
    DayRule,
    DeadlineError,
    Duration,
    Holiday,
    MonthDay,
    MonthEnd,
    Offset,
    Shift,
    Spec,
    Weekday,
    recognise,
)
from tasks.language.deadline_limits import holiday_day, past_reason
from tasks.language.deadline_split import find_deadline
from tasks.language.text import normalize
from tasks.vocabulary import WEEKDAY_NAMES

__all__ = [
    "DeadlineError",
    "SHANGHAI",
    "find_deadline",
    "format_deadline",
    "format_time_left",
    "parse_deadline",
]

DEFAULT_CALENDAR = WorkCalendar()
_HINT = "可以写成：明天下午5点、3个工作日内、本周五前、11月30日"


def parse_deadline(text: str, now: datetime, calendar: WorkCalendar | None = None) -> datetime:
    """Resolve a phrase against `now`; the answer is UTC so storage never depends on zones.

    Every user mistake surfaces as DeadlineError with a reason fit to send back in chat,
    including a working-day count that reaches a year with no holiday data loaded.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    phrase = normalize(text)
    if not phrase:
        raise DeadlineError(f"没有写期限，{_HINT}")
    local_now = now.astimezone(SHANGHAI)
    try:
        calendar = calendar or DEFAULT_CALENDAR
        spec = recognise(phrase)
        if spec is None:
            raise DeadlineError(f"看不懂期限「{_clip(phrase)}」，{_HINT}")
        when = _resolve(spec, local_now, calendar)
    except DeadlineError:
        raise
    except ValueError as exc:  # a numeral such as 十十 that only looked like a number
        raise DeadlineError(f"看不懂期限「{_clip(phrase)}」，{_HINT}") from exc
    except OverflowError as exc:
        raise DeadlineError(f"期限太远：{_clip(phrase)}") from exc
    if when <= local_now:
        raise DeadlineError(past_reason(phrase, spec, when, local_now, calendar))
    return when.astimezone(UTC)


def format_deadline(
    when: datetime,
    now: datetime,
    calendar: WorkCalendar | None = None,
    working: bool = False,
    *,
    time_left: bool = True,
) -> str:
    """Show a deadline the way it is read in chat: `11月26日 17:30 周四（剩余3天7小时）`.

    Without `time_left` only the moment is shown (`11月26日 17:30 周四`): a task already
    finished has no time left to count."""
    local_now = now.astimezone(SHANGHAI)
    local = when.astimezone(SHANGHAI)
    weekday = WEEKDAY_NAMES[local.weekday()]
    moment = f"{_stamp(local, local_now)} 周{weekday}"
    if not time_left:
        return moment
    return f"{moment}（{format_time_left(when, now, calendar, working)}）"


def format_time_left(
    when: datetime,
    now: datetime,
    calendar: WorkCalendar | None = None,
    working: bool = False,
) -> str:
    """`剩余3天7小时`, or `剩余2个工作日` for a task whose clock runs on working days.

    Working days are shown only for a later date: on the day itself hours say more, and an
    overdue task is overdue in plain time. Formatting never fails: without calendar data
    the natural count is shown instead.
    """
    if working and when > now:
        days = _working_days_left(when, now, calendar or DEFAULT_CALENDAR)
        if days:
            return f"剩余{days}个工作日"
    return _time_left(when - now)


def _working_days_left(when: datetime, now: datetime, calendar: WorkCalendar) -> int:
    """Working days up to the deadline's date, or 0 when that cannot be said."""
    try:
        return calendar.working_days_between(now, when)
    except ValueError:  # CalendarDataMissing, or a span too long to count
        return 0


def _clip(phrase: str) -> str:
    return phrase if len(phrase) <= 20 else phrase[:20] + "…"


def _stamp(local: datetime, local_now: datetime) -> str:
    """`M月D日 HH:MM`, with the year only when it differs from now's, to stay short."""
    year = f"{local.year}年" if local.year != local_now.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def _time_left(delta: timedelta) -> str:
    """Whole units, rounded down: a deadline in 2 days 3 hours 59 minutes is `剩余2天3小时`."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "已到期"
    label = "剩余" if seconds > 0 else "已超期"
    days, rest = divmod(abs(seconds) // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        amount = f"{days}天{hours}小时" if hours else f"{days}天"
    elif hours:
        amount = f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    else:
        amount = f"{minutes}分钟" if minutes else "不到1分钟"
    return label + amount


def _at(day: date, clock: time | int) -> datetime:
    """`day` at a wall-clock time, or at minutes after its midnight (1440 is 24:00)."""
    if isinstance(clock, time):
        return datetime.combine(day, clock, tzinfo=SHANGHAI)
    return datetime.combine(day, time(), tzinfo=SHANGHAI) + timedelta(minutes=clock)


def _clock(minutes: int | Shift, calendar: WorkCalendar) -> time | int:
    """上班 and 下班 are whatever the calendar's working hours say."""
    if minutes is Shift.START:
        return calendar.hours.start
    if minutes is Shift.END:
        return calendar.hours.end
    return minutes


def _resolve(spec: Spec, now: datetime, calendar: WorkCalendar) -> datetime:
    """Place a Spec on the Shanghai calendar relative to the local `now`."""
    if isinstance(spec, Duration):
        return _after(spec, now, calendar).astimezone(SHANGHAI)
    today = now.date()
    if isinstance(spec.day, Holiday):
        day = holiday_day(spec.day, today, calendar)
    else:
        day = today if spec.day is None else _day(spec.day, today)
    return _at(day, _clock(spec.minutes, calendar))


def _after(duration: Duration, now: datetime, calendar: WorkCalendar) -> datetime:
    count = int(duration.amount)
    today = now.date()
    match duration.unit:
        case "minute":
            return now + timedelta(minutes=duration.amount)
        case "hour":
            return now + timedelta(hours=duration.amount)
        case "week":
            return calendar.add_natural_days(now, 7 * count)
        case "month":
            return _at(_add_months(today, count, today.day), calendar.hours.end)
        case "workday":
            return _working_days(calendar, now, count)
        case _:
            return calendar.add_natural_days(now, count)


def _working_days(calendar: WorkCalendar, now: datetime, count: int) -> datetime:
    try:
        return calendar.add_working_days(now, count)
    except CalendarDataMissing as exc:
        raise DeadlineError(str(exc)) from exc
    except ValueError as exc:  # no such working day within the calendar's search range
        raise DeadlineError(f"期限太远：{count}个工作日") from exc


def _day(rule: DayRule, today: date) -> date:
    match rule:
        case Offset(days):
            return today + timedelta(days=days)
        case Weekday(weekday, weeks):
            monday = today - timedelta(days=today.weekday())
            return monday + timedelta(days=7 * (weeks or 0) + weekday)
        case CalendarDate():
            return _calendar_date(rule, today)
        case MonthDay(day, months):
            return _month_day(today, months or 0, day)
        case MonthEnd(months):
            return _add_months(today, months, 31)
    raise AssertionError(f"unhandled day rule {rule!r}")


def _calendar_date(rule: CalendarDate, today: date) -> date:
    if rule.year is not None:
        year = rule.year
    else:
        year = today.year + (rule.years_ahead or 0)
    written = f"{rule.year}年" if rule.year is not None else ""
    written += f"{rule.month}月" + (f"{rule.day}日" if rule.day else "")
    try:
        return date(year, rule.month, rule.day or monthrange(year, rule.month)[1])
    except ValueError as exc:  # monthrange's IllegalMonthError is a ValueError too
        raise DeadlineError(f"日期不存在：{written}") from exc


def _month_day(today: date, months: int, day: int) -> date:
    first = _add_months(today, months, 1)
    try:
        return first.replace(day=day)
    except ValueError as exc:
        raise DeadlineError(f"日期不存在：{first.month}月{day}日") from exc


def _add_months(today: date, months: int, day: int) -> date:
    """The given day `months` after today's month, clamped to that month's last day."""
    index = today.year * 12 + today.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day, monthrange(year, month + 1)[1]))
