"""Table-driven tests of Chinese deadline phrases against fixed Shanghai instants."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tasks.calendar.workdays import WorkCalendar, WorkingHours
from tasks.language import DeadlineError, find_deadline, format_deadline, parse_deadline
from tasks.language.deadline_grammar import END_OF_DAY, START_OF_DAY
from tasks.language.deadlines import format_time_left

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 17, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


MON = sh(2026, 11, 23, 10, 0)  # Monday morning
FRI = sh(2026, 11, 27, 19, 0)  # Friday evening, after 下班
NYE = sh(2026, 12, 31, 16, 0)  # Thursday, last afternoon of the year

MONDAY_CASES = [
    ("3天内", sh(2026, 11, 26)),
    ("10天内", sh(2026, 12, 3)),
    ("3日内", sh(2026, 11, 26)),
    ("2小时内", sh(2026, 11, 23, 12, 0)),
    ("半小时内", sh(2026, 11, 23, 10, 30)),
    ("30分钟内", sh(2026, 11, 23, 10, 30)),
    ("2个小时内", sh(2026, 11, 23, 12, 0)),
    ("三天内", sh(2026, 11, 26)),
    ("两天内", sh(2026, 11, 25)),
    ("一个半小时内", sh(2026, 11, 23, 11, 30)),
    ("2个半小时内", sh(2026, 11, 23, 12, 30)),
    ("1.5小时内", sh(2026, 11, 23, 11, 30)),
    ("24小时内", sh(2026, 11, 24, 10, 0)),
    ("3个工作日内", sh(2026, 11, 26)),
    ("5个工作日内", sh(2026, 11, 30)),
    ("十个工作日内", sh(2026, 12, 7)),
    ("两周内", sh(2026, 12, 7)),
    ("1个月内", sh(2026, 12, 23)),
    ("3天内完成", sh(2026, 11, 26)),
    ("今天", sh(2026, 11, 23)),
    ("今天下班前", sh(2026, 11, 23)),
    ("今天内", sh(2026, 11, 23)),
    ("下班前", sh(2026, 11, 23)),
    ("明天", sh(2026, 11, 24)),
    ("后天", sh(2026, 11, 25)),
    ("大后天", sh(2026, 11, 26)),
    ("最晚明天", sh(2026, 11, 24)),
    ("明天下午5点", sh(2026, 11, 24, 17, 0)),
    ("明天下午5点前", sh(2026, 11, 24, 17, 0)),
    ("明天 下午 5点", sh(2026, 11, 24, 17, 0)),
    ("明天上午10点", sh(2026, 11, 24, 10, 0)),
    ("明天上午十点", sh(2026, 11, 24, 10, 0)),
    ("明天17:00", sh(2026, 11, 24, 17, 0)),
    ("明天１７：００", sh(2026, 11, 24, 17, 0)),
    ("明天下午5:30", sh(2026, 11, 24, 17, 30)),
    ("明天下午三点一刻", sh(2026, 11, 24, 15, 15)),
    ("明天8点半", sh(2026, 11, 24, 8, 30)),
    ("明天5点", sh(2026, 11, 24, 17, 0)),  # bare 1–6点 is afternoon
    ("明天7点", sh(2026, 11, 24, 7, 0)),
    ("明天晚上12点", sh(2026, 11, 25, 0, 0)),
    ("明天上班前", sh(2026, 11, 24, 8, 30)),
    ("明天中午", sh(2026, 11, 24, 12, 0)),
    ("明天上午", sh(2026, 11, 24, 12, 0)),
    ("明早", sh(2026, 11, 24, 8, 30)),
    ("后天下午3点半", sh(2026, 11, 25, 15, 30)),
    ("今天下午3点", sh(2026, 11, 23, 15, 0)),
    ("今晚8点", sh(2026, 11, 23, 20, 0)),
    ("晚上8点", sh(2026, 11, 23, 20, 0)),
    ("中午12点", sh(2026, 11, 23, 12, 0)),
    ("下午", sh(2026, 11, 23)),
    ("17:00", sh(2026, 11, 23, 17, 0)),
    ("本周五", sh(2026, 11, 27)),
    ("本周五前", sh(2026, 11, 27)),
    ("这周五", sh(2026, 11, 27)),
    ("周五", sh(2026, 11, 27)),
    ("星期五", sh(2026, 11, 27)),
    ("礼拜天", sh(2026, 11, 29)),
    ("本周内", sh(2026, 11, 27)),
    ("下周一", sh(2026, 11, 30)),
    ("下周五之前", sh(2026, 12, 4)),
    ("下周三上午9点", sh(2026, 12, 2, 9, 0)),
    ("11月30日", sh(2026, 11, 30)),
    ("11月30号", sh(2026, 11, 30)),
    ("11月30", sh(2026, 11, 30)),
    ("十一月三十日", sh(2026, 11, 30)),
    ("截止11月30日", sh(2026, 11, 30)),
    ("12月1日下午3点", sh(2026, 12, 1, 15, 0)),
    ("12-01", sh(2026, 12, 1)),
    ("12-01 17:00", sh(2026, 12, 1, 17, 0)),
    ("2026-12-01", sh(2026, 12, 1)),
    ("2026/12/01", sh(2026, 12, 1)),
    ("2026年12月1日", sh(2026, 12, 1)),
    ("12/1", sh(2026, 12, 1)),
    ("30号前", sh(2026, 11, 30)),
    ("下月5号", sh(2026, 12, 5)),
    ("月底前", sh(2026, 11, 30)),
    ("本月底", sh(2026, 11, 30)),
    ("本月内", sh(2026, 11, 30)),
    ("下月底", sh(2026, 12, 31)),
    ("年底前", sh(2026, 12, 31)),
]

FRIDAY_EVENING_CASES = [
    ("周五晚上9点", sh(2026, 11, 27, 21, 0)),  # today still counts while the time is ahead
    ("3天内", sh(2026, 11, 30)),
    ("2小时内", sh(2026, 11, 27, 21, 0)),
    ("30分钟内", sh(2026, 11, 27, 19, 30)),
    ("1个工作日内", sh(2026, 11, 30)),
    ("3个工作日内", sh(2026, 12, 2)),
    ("明天", sh(2026, 11, 28)),
    ("下周一", sh(2026, 11, 30)),
    ("下周", sh(2026, 12, 4)),
    ("下下周一", sh(2026, 12, 7)),
    ("本周日", sh(2026, 11, 29)),
    ("晚上8点", sh(2026, 11, 27, 20, 0)),
    ("今晚10点", sh(2026, 11, 27, 22, 0)),
    ("月底前", sh(2026, 11, 30)),
    ("12-01", sh(2026, 12, 1)),
]

YEAR_END_CASES = [
    ("今天", sh(2026, 12, 31)),
    ("月底前", sh(2026, 12, 31)),
    ("年底前", sh(2026, 12, 31)),
    ("12月31日", sh(2026, 12, 31)),
    ("2小时内", sh(2026, 12, 31, 18, 0)),
    ("明天", sh(2027, 1, 1)),
    ("3天内", sh(2027, 1, 3)),  # natural days need no holiday data
    ("本周五", sh(2027, 1, 1)),
    ("下周一", sh(2027, 1, 4)),
    ("下周三", sh(2027, 1, 6)),
    ("下月1号", sh(2027, 1, 1)),
    ("明年1月5日", sh(2027, 1, 5)),
    ("2027-01-05", sh(2027, 1, 5)),
    ("2027年12月1日", sh(2027, 12, 1)),  # next year is written, never guessed
    ("下月底", sh(2027, 1, 31)),
    ("1个月内", sh(2027, 1, 31)),
    ("2个月内", sh(2027, 2, 28)),  # clamped to the end of February
    ("明年底", sh(2027, 12, 31)),
    ("明年3月1日", sh(2027, 3, 1)),
]


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [(MON, text, expected) for text, expected in MONDAY_CASES]
    + [(FRI, text, expected) for text, expected in FRIDAY_EVENING_CASES]
    + [(NYE, text, expected) for text, expected in YEAR_END_CASES],
)
def test_parse_deadline(now: datetime, text: str, expected: datetime) -> None:
    result = parse_deadline(text, now)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Berlin"])
def test_now_in_any_zone_is_read_in_shanghai(zone: str) -> None:
    now = MON.astimezone(ZoneInfo(zone))
    assert parse_deadline("明天", now) == sh(2026, 11, 24)
    assert parse_deadline("明天", now).tzinfo == UTC


MISSING_2027 = (
    "2027年的法定节假日安排尚未载入，暂时无法按工作日计算。"
    "请管理员导入该年安排（mashangban calendar import），或写明具体日期时间。"
)


@pytest.mark.parametrize(
    ("now", "text", "reason"),
    [
        (MON, "今天上午9点", "期限已过：11月23日 09:00 早于现在（「今天上午9点」是周一，"
                             "已经过去了）。最近的写法是「明天09:00」"),
        (MON, "7点", "期限已过：11月23日 07:00 早于现在（「7点」是周一，已经过去了）。"
                     "最近的写法是「明天07:00」"),
        (MON, "2026-11-20 17:00", "期限已过：11月20日 17:00 早于现在（「2026-11-20 17:00」"
                                  "是周五，已经过去了）。请检查年份和日期"),
        (MON, "2025年1月1日", "期限已过：2025年1月1日 17:30 早于现在（「2025年1月1日」是周三，"
                              "已经过去了）。请检查年份和日期"),
        (FRI, "下午3点", "期限已过：11月27日 15:00 早于现在（「下午3点」是周五，已经过去了）。"
                         "最近的写法是「明天15:00」"),
        (FRI, "本周五", "期限已过：11月27日 17:30 早于现在（「本周五」已经过去了）。"
                        "请写「下周五」"),
        (FRI, "今天下班前", "期限已过：11月27日 17:30 早于现在（「今天下班前」是周五，"
                            "已经过去了）。最近的写法是「明天」"),
        (NYE, "12-31 15:00", "期限已过：12月31日 15:00 早于现在（「12-31 15:00」是周四，"
                             "已经过去了）。如果是明年，请写「明年12月31日15:00」"
                             "或「2027年12月31日15:00」"),
        (MON, "25点", "时间不合理：25点"),
        (MON, "明天25点", "时间不合理：25点"),
        (MON, "明天3点70分", "时间不合理：3点70分"),
        (MON, "明天上午15点", "时间不合理：上午15点"),
        (MON, "2月30日", "日期不存在：2月30日"),
        (MON, "2026-13-01", "日期不存在：2026年13月1日"),
        (MON, "31号", "日期不存在：11月31日"),
        (MON, "0天内", "期限必须大于零"),
        (MON, "今晚", "只写了时段，请写明几点，例如：今晚8点"),
        (MON, "13月底", "日期不存在：13月"),
        # chinesecalendar 1.11 has no 2027 data: counting working days into it must stop
        # and say so, not silently assume Mon–Fri across a holiday nobody has loaded.
        (NYE, "3个工作日内", MISSING_2027),
    ],
)
def test_refusals_explain_themselves(now: datetime, text: str, reason: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(text, now)
    assert str(caught.value) == reason
    assert caught.value.reason == reason


@pytest.mark.parametrize("text", ["随便", "abc", "尽快", "3天后", "十十天内", "#12", "下午好"])
def test_garbage_is_not_understood(text: str) -> None:
    with pytest.raises(DeadlineError, match="^看不懂期限「"):
        parse_deadline(text, MON)


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty_deadline(text: str) -> None:
    with pytest.raises(DeadlineError, match="^没有写期限"):
        parse_deadline(text, MON)


def test_half_day_is_refused_rather_than_guessed() -> None:
    with pytest.raises(DeadlineError, match="不好换算"):
        parse_deadline("半天内", MON)


def test_deadline_error_is_a_value_error() -> None:
    assert issubclass(DeadlineError, ValueError)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_deadline("明天", datetime(2026, 11, 23, 10, 0))
    assert not isinstance(caught.value, DeadlineError)


def test_an_imported_year_counts_working_days_with_its_overrides() -> None:
    # 2027 imported by an admin: Mon–Fri, with New Year's Day (Fri 2027-01-01) as an override.
    calendar = WorkCalendar(extra_years=frozenset({2027}), overrides={date(2027, 1, 1): False})
    assert parse_deadline("3个工作日内", NYE, calendar) == sh(2027, 1, 6)  # Mon 4, Tue 5, Wed 6
    assert parse_deadline("1个工作日内", NYE, calendar) == sh(2027, 1, 4)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # 2026-10-01..07 National Day; 10-08 Thu is the first working day after it and
        # 10-10 Sat is a 调休 working day (State Council notice for 2026).
        (sh(2026, 9, 30, 18, 0), "1个工作日内", sh(2026, 10, 8)),
        (sh(2026, 9, 30, 18, 0), "3个工作日内", sh(2026, 10, 10)),
        # 2026-02-15..23 Spring Festival; Sat 02-14 and Sat 02-28 are 调休 working days.
        (sh(2026, 2, 13, 16, 0), "1个工作日内", sh(2026, 2, 14)),
        (sh(2026, 2, 13, 16, 0), "2个工作日内", sh(2026, 2, 24)),
        # Natural days ignore holidays: 3天内 from 09-30 is 10-03 although it is a day off.
        (sh(2026, 9, 30, 18, 0), "3天内", sh(2026, 10, 3)),
    ],
)
def test_working_days_follow_the_statutory_calendar(
    now: datetime, text: str, expected: datetime
) -> None:
    assert parse_deadline(text, now) == expected


def test_an_override_day_off_is_skipped() -> None:
    # A local day off on Wed 11-25 pushes 3 working days from Monday to Friday.
    calendar = WorkCalendar(overrides={date(2026, 11, 25): False})
    assert parse_deadline("3个工作日内", MON, calendar) == sh(2026, 11, 27)


OFFICE_9_TO_6 = WorkCalendar(hours=WorkingHours.parse("09:00-12:00,13:30-18:00"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天", sh(2026, 11, 24, 18, 0)),
        ("今天下班前", sh(2026, 11, 23, 18, 0)),
        ("明天上班前", sh(2026, 11, 24, 9, 0)),
        ("明早", sh(2026, 11, 24, 9, 0)),
        ("明天下午", sh(2026, 11, 24, 18, 0)),
        ("3天内", sh(2026, 11, 26, 18, 0)),
        ("3个工作日内", sh(2026, 11, 26, 18, 0)),
        ("两周内", sh(2026, 12, 7, 18, 0)),
        ("1个月内", sh(2026, 12, 23, 18, 0)),
        ("本周五", sh(2026, 11, 27, 18, 0)),
        ("11月30日", sh(2026, 11, 30, 18, 0)),
        ("明天17:30", sh(2026, 11, 24, 17, 30)),  # a written time is not moved
    ],
)
def test_shift_words_follow_the_calendar_hours(text: str, expected: datetime) -> None:
    assert parse_deadline(text, MON, OFFICE_9_TO_6) == expected


def test_grammar_defaults_match_the_default_working_hours() -> None:
    hours = WorkingHours()
    assert END_OF_DAY == hours.end.hour * 60 + hours.end.minute
    assert START_OF_DAY == hours.start.hour * 60 + hours.start.minute


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新建 起草年度工作总结 @张伟 3天内", ("3天内", "新建 起草年度工作总结 @张伟")),
        ("整理会议纪要 明天下午5点前 @李娜", ("明天下午5点前", "整理会议纪要 @李娜")),
        ("起草总结3天内", ("3天内", "起草总结")),
        ("写报告周五前", ("周五前", "写报告")),
        ("提交报告 12-01 17:00", ("12-01 17:00", "提交报告")),
        ("提交报告 明天 下午5点", ("明天 下午5点", "提交报告")),
        ("准备材料 最晚明天", ("最晚明天", "准备材料")),
        # A bare time word between title words belongs to the title (issue 12): 期限：… says
        # otherwise. Politeness after a deadline is dropped; a limit word finds it first.
        ("起草会议通知 明天下午3点。", ("明天下午3点", "起草会议通知")),
        ("打印签到表 明天 谢谢🙏", ("明天", "打印签到表")),
        ("周五前报送安全生产月报", ("周五前", "报送安全生产月报")),
        ("提交周报 上周五", ("上周五", "提交周报")),
        ("核对值班记录 昨天下午3点", ("昨天下午3点", "核对值班记录")),
        ("报送月报 上个月底", ("上个月底", "报送月报")),
        ("准备周一例会材料 期限：周五", ("周五", "准备周一例会材料")),
        ("维修 3号", ("3号", "维修")),
        ("起草通知 今晚", ("今晚", "起草通知")),  # unparseable later, but clearly a deadline
        ("＠张伟　３天内", ("3天内", "@张伟")),
        ("3天内", ("3天内", "")),
        ("年度报告 请于本周五前报送 @张伟", ("请于本周五前报送", "年度报告 @张伟")),
        ("报告周五前提交", ("周五前提交", "报告")),
        ("整理材料 晚8点", ("晚8点", "整理材料")),
        ("通知 12月1日（周二）前", ("12月1日(周二)前", "通知")),
        # 请/需/到 glued to a word end it (申请, 所需, 收到) rather than start the deadline.
        ("提交申请明天", ("明天", "提交申请")),
        ("所需材料 急需3天内", ("3天内", "所需材料 急需")),
        ("确认收到明天下班前", ("明天下班前", "确认收到")),
    ],
)
def test_find_deadline_splits(text: str, expected: tuple[str, str]) -> None:
    assert find_deadline(text) == expected


@pytest.mark.parametrize(
    "text",
    ["整理周五会议纪要", "整理 周五 例会材料", "起草通知 名天下午", "维修3号", "第12号文件",
     "学习第三天内容", "新建 第三天", "下午3点开会",
     "@张伟3天内", "", "起草年度工作总结", "早 会材料", "晚 会节目单", "请假条"],
)
def test_find_deadline_leaves_titles_alone(text: str) -> None:
    assert find_deadline(text) is None


@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        (sh(2026, 11, 26), MON, "11月26日 17:30 周四（剩余3天7小时）"),
        (MON + timedelta(days=2, hours=3, minutes=59), MON, "11月25日 13:59 周三（剩余2天3小时）"),
        (MON + timedelta(days=2), MON, "11月25日 10:00 周三（剩余2天）"),
        (MON + timedelta(hours=2, minutes=30), MON, "11月23日 12:30 周一（剩余2小时30分钟）"),
        (MON + timedelta(minutes=45), MON, "11月23日 10:45 周一（剩余45分钟）"),
        (MON + timedelta(seconds=30), MON, "11月23日 10:00 周一（剩余不到1分钟）"),
        (MON, MON, "11月23日 10:00 周一（已到期）"),
        (MON - timedelta(hours=3), MON, "11月23日 07:00 周一（已超期3小时）"),
        (MON - timedelta(days=2, hours=5), MON, "11月21日 05:00 周六（已超期2天5小时）"),
        (sh(2027, 1, 5), NYE, "2027年1月5日 17:30 周二（剩余5天1小时）"),
        (
            sh(2026, 11, 24).astimezone(UTC),
            MON.astimezone(UTC),
            "11月24日 17:30 周二（剩余1天7小时）",
        ),
    ],
)
def test_format_deadline(when: datetime, now: datetime, expected: str) -> None:
    assert format_deadline(when, now) == expected


@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        # Mon 10:00 to Wed 17:30: Tue and Wed are the two working days left.
        (sh(2026, 11, 25), MON, "11月25日 17:30 周三（剩余2个工作日）"),
        # Across a weekend: Fri evening to Tue counts Mon and Tue only.
        (sh(2026, 12, 1), FRI, "12月1日 17:30 周二（剩余2个工作日）"),
        # Across National Day: 09-30 to 10-10 counts 10-08, 10-09 and the 调休 Sat 10-10.
        (sh(2026, 10, 10), sh(2026, 9, 30, 18, 0), "10月10日 17:30 周六（剩余3个工作日）"),
        # The same day keeps hours and minutes.
        (MON + timedelta(hours=2, minutes=30), MON, "11月23日 12:30 周一（剩余2小时30分钟）"),
        # Overdue is overdue in plain time.
        (MON - timedelta(hours=3), MON, "11月23日 07:00 周一（已超期3小时）"),
        # Fri evening to Sun: no working day in between, so plain time says more.
        (sh(2026, 11, 29), FRI, "11月29日 17:30 周日（剩余1天22小时）"),
        # 2027 has no holiday data: formatting falls back instead of failing.
        (sh(2027, 1, 5), NYE, "2027年1月5日 17:30 周二（剩余5天1小时）"),
    ],
)
def test_format_deadline_in_working_days(when: datetime, now: datetime, expected: str) -> None:
    assert format_deadline(when, now, working=True) == expected


def test_format_time_left_is_the_part_in_parentheses() -> None:
    assert format_time_left(sh(2026, 11, 26), MON) == "剩余3天7小时"
    assert format_time_left(sh(2026, 11, 26), MON, working=True) == "剩余3个工作日"
    assert format_time_left(MON, MON, working=True) == "已到期"
    day_off = WorkCalendar(overrides={date(2026, 11, 24): False})
    assert format_time_left(sh(2026, 11, 26), MON, day_off, working=True) == "剩余2个工作日"


def test_parse_then_format_round_trip() -> None:
    shown = format_deadline(parse_deadline("明天下午5点", MON), MON)
    assert shown == "11月24日 17:00 周二（剩余1天7小时）"
