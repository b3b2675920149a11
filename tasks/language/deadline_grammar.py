"""Recognises the shape of a Chinese deadline phrase without needing to know the current time."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from tasks.language.text import NUMBER, to_int

# The default working hours' 下班 and 上班, in minutes after midnight. The grammar itself
# only says "下班"/"上班" (Shift); the calendar's configured hours decide the minute.
END_OF_DAY = 17 * 60 + 30
START_OF_DAY = 8 * 60 + 30


class Shift(Enum):
    """A time of day that depends on the installation's working hours."""

    START = "上班"
    END = "下班"  # also what a deadline given as a bare day means


class DeadlineError(ValueError):
    """A deadline the user must rewrite; `str()` is a Chinese reason that can be sent back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Duration:
    """A span counted from now; days, weeks and months end at 下班 of their last day."""

    amount: float
    unit: str  # "minute" | "hour" | "day" | "week" | "month" | "workday"


@dataclass(frozen=True)
class Offset:
    """Today plus a number of calendar days (今天, 明天, 后天, 大后天)."""

    days: int


@dataclass(frozen=True)
class Weekday:
    """A weekday (0 = Monday); 本周 = 0, 下周 = 1, 上周 = -1; None (a bare 周五) is this
    week's too, but kept apart so a refusal can say which one was meant."""

    weekday: int
    weeks_ahead: int | None


@dataclass(frozen=True)
class CalendarDate:
    """A month and day; with no year or relative year it is this year's, never next year's.

    `day` None is the month's last day (`12月底`).
    """

    month: int
    day: int | None
    year: int | None = None
    years_ahead: int | None = None


@dataclass(frozen=True)
class MonthDay:
    """A day of the month (30号); months_ahead None means this month, even when past."""

    day: int
    months_ahead: int | None


@dataclass(frozen=True)
class MonthEnd:
    """The last day of this month (0) or a later one."""

    months_ahead: int


@dataclass(frozen=True)
class Holiday:
    """`春节前`, `国庆后`, `节后`: the working day just before or after a holiday break.

    `name` is the statutory holiday's English name in chinesecalendar (None: whichever
    break is current or next); the calendar decides the day, or refuses without data.
    """

    name: str | None
    after: bool
    written: str


DayRule = Offset | Weekday | CalendarDate | MonthDay | MonthEnd | Holiday


@dataclass(frozen=True)
class Moment:
    """A day (None = today) and minutes after its midnight (1440 = 24:00) or a Shift.

    `weak` marks phrases such as `5点` or `30号` that read as deadlines only when they stand
    alone; glued to other characters they are more likely part of a title.
    """

    day: DayRule | None
    minutes: int | Shift
    weak: bool = False


Spec = Duration | Moment

# `请于…前报送`, `务必在明天下班前反馈`, `截止到月底`: the words around a deadline in a notice.
_PREFIX = re.compile(
    r"^(?:请|务必|须|需)?\s*(?:最晚|最迟|截止|截至|不晚于)?\s*(?:到|于|在|限)?\s*"
)
_FINISH = re.compile(r"\s*(?:完成|办结|办完|提交|报送|上报|反馈|回复|答复|交)$")
_BEFORE = re.compile(r"\s*(?:之前|以前|前|以内|之内|内|为止)$")
_CONTRACTIONS = (
    ("今年年底", "今年底"), ("明年年底", "明年底"),
    ("今晚", "今天晚上"), ("今早", "今天早上"), ("明晚", "明天晚上"), ("明早", "明天早上"),
    ("昨晚", "昨天晚上"), ("昨早", "昨天早上"), ("去年年底", "去年底"),
)

_DURATION = re.compile(
    rf"(?P<n>{NUMBER}(?:\.[0-9]{{1,2}})?|半)(?P<half>个半|半)?\s*个?\s*"
    r"(?P<unit>工作日|天|日|周|星期|礼拜|个月|小时|钟头|分钟)(?P<within>\s*(?:以内|之内|内))?"
)
_UNITS = {
    "工作日": "workday", "天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week",
    "个月": "month", "小时": "hour", "钟头": "hour", "分钟": "minute",
}

_PERIODS = {
    "凌晨": "morning", "清晨": "morning", "早上": "morning", "早晨": "morning", "一早": "morning",
    "上午": "morning", "中午": "noon", "午后": "afternoon", "下午": "afternoon",
    "傍晚": "afternoon", "晚上": "evening", "夜里": "evening", "晚间": "evening",
    "早": "morning", "晚": "evening",  # `晚8点`; listed last so the longer words win
}
_NEEDS_HOUR = frozenset("早晚")  # alone they are not a deadline (`早` in a title)
# A period word without a clock: 上午 means "by noon"; night words are too vague to guess.
_PERIOD_ALONE: dict[str, int | Shift] = {
    "早上": Shift.START, "早晨": Shift.START, "清晨": Shift.START, "一早": Shift.START,
    "上午": 12 * 60, "中午": 12 * 60, "午后": Shift.END, "下午": Shift.END, "傍晚": 18 * 60,
}
_TIME = re.compile(
    rf"(?P<p>{'|'.join(_PERIODS)})?\s*(?:(?P<h>{NUMBER})\s*(?:"
    r":\s*(?P<cm>[0-9]{2})"
    rf"|(?:点|时)钟?\s*(?:(?P<m>{NUMBER})\s*分?|(?P<frac>半|一刻|三刻|整))?)"
    r"|(?P<w>下班|上班))?"
)
_FRACTIONS = {"半": 30, "一刻": 15, "三刻": 45, "整": 0}

_REL = r"(?P<rel>下下个?|下个?|上上个?|上个?|这个?|本)"
_WEEKDAYS = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6} | {
    str(i + 1): i for i in range(7)
}
_RELATIVE_WEEKS = {
    "本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
    "上": -1, "上个": -1, "上上": -2, "上上个": -2,  # the past: read whole, then refused
}
_DAY_WORDS = {
    "大后天": 3, "后天": 2, "后日": 2, "明天": 1, "明日": 1, "明儿": 1,
    "今天": 0, "今日": 0, "今儿": 0, "当天": 0, "当日": 0,
    "大前天": -3, "前天": -2, "前日": -2, "昨天": -1, "昨日": -1, "昨儿": -1,
}


def _weeks(rel: str | None) -> int | None:
    return None if rel is None else _RELATIVE_WEEKS[rel]


def _months(rel: str | None) -> int | None:
    if rel is None:
        return None
    return 1 if rel.startswith("下") else -1 if rel.startswith("上") else 0


def _cn_date(m: re.Match[str]) -> DayRule:
    years_ahead = _YEARS.get(m["ry"] or "")
    year = to_int(m["y"]) if m["y"] else None
    return CalendarDate(to_int(m["m"]), to_int(m["d"]), year, years_ahead)


_YEARS = {"今年": 0, "明年": 1, "去年": -1}
_RY = "(?P<ry>今年|明年|去年)"
# `12月8日（周二）` in formal notices: the weekday repeats the date and is skipped.
_WEEKDAY_NOTE = r"(?:\s*\((?:周|星期|礼拜)[一二三四五六日天]\))?"

def _ten_days(m: re.Match[str]) -> DayRule:
    """上旬/中旬/下旬: by the 10th, the 20th, the month's end (of a named or relative month)."""
    day = {"上": 10, "中": 20, "下": None}[m["x"]]
    if m["m"]:
        return CalendarDate(to_int(m["m"]), day)
    months = _months(m["rel"]) or 0
    return MonthEnd(months) if day is None else MonthDay(day, months)


_TRAILING_NOTE = re.compile(r"\s*\((?:周|星期|礼拜)[一二三四五六日天]\)$")  # `12月10日前（周四）`
_DAY_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], DayRule], bool], ...] = (
    (re.compile("|".join(_DAY_WORDS)), lambda m: Offset(_DAY_WORDS[m[0]]), False),
    (
        re.compile(rf"(?:(?P<m>{NUMBER})月份?|(?P<rel>下个?|上个?|本|这个?|当)月)?(?P<x>[上中下])旬"),
        _ten_days,
        False,
    ),
    (
        re.compile(rf"{_REL}?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"),
        lambda m: Weekday(_WEEKDAYS[m["wd"]], _weeks(m["rel"])),
        False,
    ),
    (re.compile(rf"{_REL}(?:周|星期|礼拜)"), lambda m: Weekday(4, _weeks(m["rel"])), False),
    (
        re.compile(r"(?P<rel>下个?|上个?|本|这个?|当)?月(?:底|末)|(?P<only>下个?|上个?|本|这个?|当)月"),
        lambda m: MonthEnd(_months(m["rel"] or m["only"]) or 0),
        False,
    ),
    (
        re.compile(r"(?P<rel>今|本|明|去)?年(?:底|末)|(?:今|本)年"),
        lambda m: CalendarDate(12, 31, None, {"明": 1, "去": -1}.get(m["rel"] or "", 0)),
        False,
    ),
    (
        re.compile(
            r"(?P<y>[0-9]{4})[-/.年](?P<m>[0-9]{1,2})[-/.月](?P<d>[0-9]{1,2})[日号]?"
            + _WEEKDAY_NOTE
        ),
        lambda m: CalendarDate(int(m["m"]), int(m["d"]), int(m["y"])),
        False,
    ),
    (
        re.compile(
            rf"(?:(?P<y>[0-9]{{4}}|[零〇一二三四五六七八九]{{4}})年|{_RY})?"
            rf"(?P<m>{NUMBER})月(?P<d>{NUMBER})[日号]?{_WEEKDAY_NOTE}"
        ),
        _cn_date,
        False,
    ),
    (
        re.compile(rf"(?:(?P<y>[0-9]{{4}})年|{_RY})?(?P<m>{NUMBER})月(?:底|末)"),
        lambda m: CalendarDate(
            to_int(m["m"]),
            None,
            int(m["y"]) if m["y"] else None,
            _YEARS.get(m["ry"] or ""),
        ),
        False,
    ),
    (
        re.compile(r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"),
        lambda m: CalendarDate(int(m["m"]), int(m["d"])),
        True,
    ),
    (
        re.compile(rf"(?:(?P<rel>下个?|上个?|本|这个?)月)?(?P<d>{NUMBER})[日号]"),
        lambda m: MonthDay(to_int(m["d"]), _months(m["rel"])),
        True,
    ),
)


_HOLIDAY_NAMES = {
    "春节": "Spring Festival", "过年": "Spring Festival", "年": "Spring Festival",
    "国庆": "National Day", "国庆节": "National Day", "十一长假": "National Day",
    "元旦": "New Year's Day", "清明": "Tomb-sweeping Day", "清明节": "Tomb-sweeping Day",
    "五一": "Labour Day", "劳动节": "Labour Day", "端午": "Dragon Boat Festival",
    "端午节": "Dragon Boat Festival", "中秋": "Mid-autumn Festival",
    "中秋节": "Mid-autumn Festival", "节": None, "假期": None, "放假": None, "长假": None,
    "收假": None, "节假日": None,
}
_HOLIDAY = re.compile(
    rf"(?P<h>{'|'.join(sorted(_HOLIDAY_NAMES, key=len, reverse=True))})"
    r"(?P<w>之前|以前|前|之后|以后|过后|后|结束后)|(?P<done>过完年|年过完|收假|假期结束)"
)
_BEFORE_WORDS = ("之前", "以前", "前")


# Limits that name no day: refused with a question, never guessed (issue 12).
_VAGUE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:本|这个?|下个?)?周末(?:前|之前)?"),
     "「{phrase}」是周五下班前，还是周日？请写「本周五前」或「本周日」"),
    (re.compile(r"(?:本|这个?|下个?|当)?(?:月初|月中)(?:前|之前)?|(?:本|这|下)周初(?:前)?"),
     "「{phrase}」是哪一天？请写具体日期，例如「1月5日前」"),
    (re.compile(r"近期|近日|最近|这两天|过两天|这几天|改天|回头|有空|抽空|得空|方便时"),
     "「{phrase}」没有具体期限，请写明，例如「2天内」或「本周五前」"),
    (re.compile(r".{1,12}前后"), "「{phrase}」说不准是哪一天，请写「…前」或具体日期"),
)


def _holiday(m: re.Match[str]) -> Moment:
    """A holiday limit; `年前` alone is refused: before 12-31 or before 春节?"""
    if m["done"]:
        name = None if "假" in m["done"] else "Spring Festival"
        return Moment(Holiday(name, True, m[0]), Shift.END)
    if m["h"] == "年" and m["w"] in _BEFORE_WORDS:
        raise DeadlineError("「年前」是指12月31日前，还是春节前？请写「年底前」或「春节前」")
    return Moment(Holiday(_HOLIDAY_NAMES[m["h"]], m["w"] not in _BEFORE_WORDS, m[0]),
                  Shift.END)


def recognise(text: str) -> Spec | None:
    """Turn a normalised phrase into a Spec, or None when it is not a deadline at all.

    Raises DeadlineError when the phrase is clearly a deadline but its values are impossible
    (`25点`, `0天内`), so the user hears what is wrong instead of "not understood".
    """
    phrase = _FINISH.sub("", _PREFIX.sub("", text.strip(), count=1))
    for short, full in _CONTRACTIONS:
        phrase = phrase.replace(short, full)
    duration = _DURATION.fullmatch(phrase)
    if duration is not None and (duration["unit"] != "日" or duration["within"]):
        return _duration(duration)
    holiday = _HOLIDAY.fullmatch(phrase)
    if holiday is not None:
        return _holiday(holiday)
    for vague, question in _VAGUE:
        if vague.fullmatch(phrase):
            raise DeadlineError(question.format(phrase=phrase))
    phrase = _BEFORE.sub("", _TRAILING_NOTE.sub("", phrase))
    return _moment(phrase) if phrase else None


def _duration(m: re.Match[str]) -> Duration:
    number = m["n"]
    amount = 0.5 if number == "半" else float(number) if "." in number else float(to_int(number))
    if m["half"]:
        amount += 0.5
    unit = _UNITS[m["unit"]]
    if amount <= 0:
        raise DeadlineError("期限必须大于零")
    if unit == "month" and amount == 0.5:  # 半个月 is said often and read as 15 days
        return Duration(15, "day")
    if unit not in ("hour", "minute") and amount != int(amount):
        raise DeadlineError(f"「{m[0]}」不好换算，请写成整数天或几小时内")
    return Duration(amount, unit)


def _moment(phrase: str) -> Moment | None:
    """Try every day rule as a prefix and accept the first whose remainder is a time or empty."""
    for pattern, build, weak in _DAY_RULES:
        m = pattern.match(phrase)
        if m is None:
            continue
        rest = phrase[m.end() :].strip()
        if not rest:
            return Moment(build(m), Shift.END, weak)
        clock = _past_clock(rest) if _is_past(build(m)) else _clock(rest)
        if clock is not None:
            return Moment(build(m), clock[0], weak)
    clock = _clock(phrase)
    return None if clock is None else Moment(None, clock[0], weak=clock[1])


def _is_past(rule: DayRule) -> bool:
    return isinstance(rule, Offset) and rule.days < 0


def _past_clock(text: str) -> tuple[int | Shift, bool] | None:
    """`昨晚` is refused for being past, not for lacking an hour."""
    try:
        return _clock(text)
    except DeadlineError:
        return Shift.END, False


def _clock(text: str) -> tuple[int | Shift, bool] | None:
    """Read a time of day as minutes after midnight; the flag says it had no 上午/下午 word."""
    m = _TIME.fullmatch(text)
    if m is None or not (m["p"] or m["h"] or m["w"]):
        return None
    if m["p"] in _NEEDS_HOUR and not m["h"]:
        return None
    if m["w"]:
        return Shift(m["w"]), False
    period = _PERIODS[m["p"]] if m["p"] else None
    if not m["h"]:
        default = _PERIOD_ALONE.get(m["p"])
        if default is None:
            raise DeadlineError("只写了时段，请写明几点，例如：今晚8点")
        return default, False
    hour = _hour(to_int(m["h"]), period, colon=m["cm"] is not None, text=text)
    minute = _minute(m)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise DeadlineError(f"时间不合理：{text}")
    return hour * 60 + minute, period is None


def _minute(m: re.Match[str]) -> int:
    if m["cm"]:
        return int(m["cm"])
    if m["m"]:
        return to_int(m["m"])
    return _FRACTIONS[m["frac"]] if m["frac"] else 0


def _hour(hour: int, period: str | None, *, colon: bool, text: str) -> int:
    """Move a 12-hour reading into 24 hours; without a period, 1–6点 means afternoon.

    Office hours are 08:30–17:30, so `明天5点` is 17:00, not five in the morning; a colon
    (`17:00`, `5:00`) is taken literally because people who type colons use 24-hour time.
    """
    if period == "morning":
        if hour > 12:
            raise DeadlineError(f"时间不合理：{text}")
        return hour
    if period == "noon":
        return hour + 12 if 1 <= hour <= 3 else hour
    if period == "afternoon":
        return hour + 12 if 1 <= hour < 12 else hour
    if period == "evening":
        return hour + 12 if 1 <= hour <= 12 else hour
    if not colon and 1 <= hour <= 6:
        return hour + 12
    return hour
