"""Issue 12's rules for time, one table each, at the instants where they are easiest to get
wrong: before and after 下班, at lunch, on a day off, the eve of National Day, the 调休
Saturday, and 12-31 with and without next year's holiday data."""

from datetime import date, datetime

import pytest

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.language import DeadlineError, parse_deadline
from tasks.language.deadline_split import split_deadline
from tasks.verbs.create import CreateTask
from tasks.verbs.registry import parse_command


def sh(year: int, month: int, day: int, hour: int = 17, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _days(first: date, last: date) -> dict[date, bool]:
    return {date.fromordinal(n): False for n in range(first.toordinal(), last.toordinal() + 1)}


BEFORE_END = sh(2026, 12, 8, 10, 0)  # the Tuesday morning
AFTER_END = sh(2026, 12, 8, 18, 0)  # the same Tuesday after 下班
LUNCH = sh(2026, 12, 8, 12, 15)
DAY_OFF = sh(2026, 12, 12, 10, 0)  # Saturday
NDAY_EVE = sh(2026, 9, 30, 18, 0)  # Wednesday after 下班; 10-01..07 off
TIAOXIU_SAT = sh(2026, 10, 10, 10, 0)  # the 调休 working Saturday after National Day
JANUARY = sh(2026, 1, 20, 10, 0)  # before the 2026 Spring Festival (02-15..23 off)
NYE = sh(2026, 12, 31, 16, 0)
NYE_LATE = sh(2026, 12, 31, 18, 0)
PACKAGE = WorkCalendar()  # chinesecalendar only: no 2027 data
WITH_2027 = WorkCalendar(  # 2027 imported by an admin: days off, but no holiday names
    overrides={**_days(date(2027, 1, 1), date(2027, 1, 3)),
               **_days(date(2027, 2, 6), date(2027, 2, 14))},
    extra_years=frozenset({2027}),
)

ACCEPTED = [
    (BEFORE_END, "今天", sh(2026, 12, 8)),
    (BEFORE_END, "本周五", sh(2026, 12, 11)),
    (BEFORE_END, "周五", sh(2026, 12, 11)),
    (BEFORE_END, "周五前", sh(2026, 12, 11)),
    (BEFORE_END, "本月底", sh(2026, 12, 31)),
    (BEFORE_END, "12月10日", sh(2026, 12, 10)),
    (BEFORE_END, "10号", sh(2026, 12, 10)),
    (BEFORE_END, "明年1月5日", sh(2027, 1, 5)),
    (BEFORE_END, "2027年12月1日", sh(2027, 12, 1)),
    (BEFORE_END, "年底前", sh(2026, 12, 31)),
    (BEFORE_END, "下午3点", sh(2026, 12, 8, 15, 0)),
    (AFTER_END, "今晚8点", sh(2026, 12, 8, 20, 0)),
    (AFTER_END, "明天", sh(2026, 12, 9)),
    (AFTER_END, "下周二", sh(2026, 12, 15)),
    (LUNCH, "下午2点", sh(2026, 12, 8, 14, 0)),
    (LUNCH, "下班前", sh(2026, 12, 8)),
    (DAY_OFF, "周日", sh(2026, 12, 13)),
    (DAY_OFF, "下周一", sh(2026, 12, 14)),
    (NDAY_EVE, "国庆后", sh(2026, 10, 8)),
    (NDAY_EVE, "节后", sh(2026, 10, 8)),
    (NDAY_EVE, "国庆节后", sh(2026, 10, 8)),
    (NDAY_EVE, "假期结束", sh(2026, 10, 8)),
    (NDAY_EVE, "明天", sh(2026, 10, 1)),  # a written day is taken literally
    (TIAOXIU_SAT, "今天", sh(2026, 10, 10)),
    (TIAOXIU_SAT, "下周一", sh(2026, 10, 12)),
    (JANUARY, "春节前", sh(2026, 2, 14)),  # the 调休 Saturday is the last working day
    (JANUARY, "年后", sh(2026, 2, 24)),
    (JANUARY, "过完年", sh(2026, 2, 24)),
    (JANUARY, "春节后", sh(2026, 2, 24)),
    (JANUARY, "节前", sh(2026, 2, 14)),  # the next holiday is the Spring Festival
    (NYE, "年底前", sh(2026, 12, 31)),
    (NYE, "下月1号", sh(2027, 1, 1)),
    (NYE, "明年1月5日", sh(2027, 1, 5)),
    (BEFORE_END, "本月中旬", sh(2026, 12, 20)),
    (BEFORE_END, "下旬", sh(2026, 12, 31)),
    (BEFORE_END, "下月上旬", sh(2027, 1, 10)),
    (BEFORE_END, "12月中旬前", sh(2026, 12, 20)),
    (BEFORE_END, "12月10日前（周四）", sh(2026, 12, 10)),
]


@pytest.mark.parametrize(("now", "text", "expected"), ACCEPTED)
def test_accepted(now: datetime, text: str, expected: datetime) -> None:
    assert parse_deadline(text, now, PACKAGE) == expected


def test_after_new_years_day_with_next_years_data() -> None:
    assert parse_deadline("节后", NYE, WITH_2027) == sh(2027, 1, 4)
    assert parse_deadline("节后", NYE_LATE, WITH_2027) == sh(2027, 1, 4)
    # 元旦 is on a fixed date: an imported year without holiday names is enough.
    assert parse_deadline("元旦后", NYE, WITH_2027) == sh(2027, 1, 4)
    assert parse_deadline("元旦前", NYE, WITH_2027) == sh(2026, 12, 31)
    with pytest.raises(DeadlineError, match="期限已过"):
        parse_deadline("元旦前", NYE_LATE, WITH_2027)


PAST = "期限已过"
REFUSED = [
    # The past, read whole and refused at every instant.
    *[(now, text, PAST) for now in (BEFORE_END, AFTER_END, LUNCH, DAY_OFF, NYE)
      for text in ("昨天", "前天", "昨晚", "昨天下午3点", "上周五", "上个月底", "上月5号",
                   "去年12月1日", "去年底")],
    (BEFORE_END, "12月1日", "如果是明年，请写「明年12月1日」或「2027年12月1日」"),
    (BEFORE_END, "今天上午9点", "最近的写法是「明天09:00」"),
    (BEFORE_END, "1号", "请写「下月1号」"),
    (BEFORE_END, "周一", "请写「下周一」"),
    (BEFORE_END, "上周五", "请写「本周五」"),
    (AFTER_END, "今天", "最近的写法是「明天」"),
    (AFTER_END, "下班前", PAST),
    (AFTER_END, "周二", "请写「下周二」"),
    (LUNCH, "中午12点", "最近的写法是「明天12:00」"),
    (LUNCH, "上午", PAST),
    (DAY_OFF, "周五", "请写「下周五」"),
    (NDAY_EVE, "今天", PAST),
    (NDAY_EVE, "国庆前", PAST),  # the last working day before it ended at 17:30
    (TIAOXIU_SAT, "节后", "日历里还没有2027年法定假期的安排"),  # the next is 元旦 2027
    (TIAOXIU_SAT, "国庆后", "日历里还没有2027年法定假期的安排"),  # this one is over
    (NYE, "1月5日", "如果是明年，请写「明年1月5日」"),
    (NYE, "周三", "请写「下周三」"),
    (NYE, "元旦后", "日历里还没有2027年法定假期的安排"),
    (NYE, "春节前", "日历里还没有2027年法定假期的安排"),
    (NYE, "节后", "日历里还没有2027年法定假期的安排"),
    (NYE_LATE, "年底前", "如果是明年"),
    (NYE_LATE, "今天", PAST),
    (JANUARY, "年前", "「年前」是指12月31日前，还是春节前？"),
    # Limits that name no day are asked about, never guessed.
    (BEFORE_END, "周末前", "是周五下班前，还是周日？"),
    (BEFORE_END, "本周末", "是周五下班前，还是周日？"),
    (BEFORE_END, "下个月初", "「下个月初」是哪一天？请写具体日期"),
    (BEFORE_END, "月中", "「月中」是哪一天？"),
    (BEFORE_END, "下周初", "「下周初」是哪一天？"),
    (BEFORE_END, "近期", "「近期」没有具体期限，请写明"),
    (BEFORE_END, "过两天", "「过两天」没有具体期限"),
    (BEFORE_END, "春节前后", "说不准是哪一天"),
    (NYE, "本月中旬", "请写「下月20号」"),
]


@pytest.mark.parametrize(("now", "text", "fragment"), REFUSED)
def test_refused(now: datetime, text: str, fragment: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(text, now, PACKAGE)
    assert fragment in caught.value.reason


def test_next_years_holiday_names_are_asked_for_even_with_its_working_days() -> None:
    with pytest.raises(DeadlineError, match="日历里还没有2027年法定假期的安排"):
        parse_deadline("春节前", NYE, WITH_2027)


SPLITS = [
    # (message body, deadline, title, discarded politeness)
    ("起草会议通知 明天下午3点。", "明天下午3点", "起草会议通知", "。"),
    ("起草会议通知 明天下午3点！！", "明天下午3点", "起草会议通知", "!!"),
    ("起草会议通知 明天下午3点~", "明天下午3点", "起草会议通知", "~"),
    ("起草会议通知 明天下午3点 谢谢", "明天下午3点", "起草会议通知", "谢谢"),
    ("起草会议通知 明天下午3点，辛苦了🙏", "明天下午3点", "起草会议通知", ",辛苦了🙏"),
    ("起草会议通知 明天下午3点好吗", "明天下午3点", "起草会议通知", "好吗"),
    ("起草会议通知 明天下午3点[抱拳]", "明天下午3点", "起草会议通知", "[抱拳]"),
    ("起草会议通知明天下午3点前，谢谢大家", "明天下午3点前", "起草会议通知", ",谢谢大家"),
    ("提交周报 上周五", "上周五", "提交周报", ""),
    ("核对值班记录 昨天下午3点", "昨天下午3点", "核对值班记录", ""),
    ("报送月报 上个月底", "上个月底", "报送月报", ""),
    ("周五前报送安全生产月报", "周五前", "报送安全生产月报", ""),
    ("3个工作日内完成数据核对", "3个工作日内", "完成数据核对", ""),
    ("春节前 报送年度总结", "春节前", "报送年度总结", ""),
    ("年度报告 请于本周五前报送", "请于本周五前报送", "年度报告", ""),
    ("准备周一例会材料 期限：周五", "周五", "准备周一例会材料", ""),
    ("期限:明天下午 准备周一例会材料", "明天下午", "准备周一例会材料", ""),
    ("整理3月份会议纪要 期限：3天内。", "3天内", "整理3月份会议纪要", "。"),
    ("整理周五例会纪要 期限 周三", "周三", "整理周五例会纪要", ""),
    ("核对办理期限 周三", "周三", "核对办理期限", ""),  # 期限 inside a word is the title's
    ("核对名单 明天上午十点前哈", "明天上午十点前", "核对名单", "哈"),
    # Particles that also end words are the title's when no deadline precedes them.
    ("预订酒吧", None, "预订酒吧", ""),
    ("更新Facebook主页", None, "更新Facebook主页", ""),
    ("更新Facebook", None, "更新Facebook", ""),
]


@pytest.mark.parametrize(("text", "deadline", "title", "polite"), SPLITS)
def test_a_deadline_is_split_off_whole(text: str, deadline: str | None, title: str,
                                       polite: str) -> None:
    split = split_deadline(text)
    assert (split.deadline, split.title, split.polite) == (deadline, title, polite)


BOTH_READINGS = [
    ("准备周一例会材料", "周一"),
    ("准备 周一 例会材料", "周一"),
    ("整理3月份会议纪要", "3月份"),
    ("落实24小时值班制度", "24小时"),
    ("整理12号会议室", "12号"),
]


@pytest.mark.parametrize(("text", "word"), BOTH_READINGS)
def test_a_time_word_that_may_be_the_titles_stays_in_it(text: str, word: str) -> None:
    split = split_deadline(text)
    assert (split.deadline, split.title) == (None, text)
    assert word in split.title_times
    command = parse_command(f"新建 {text} @李娜")
    assert isinstance(command, CreateTask) and command.title == text
    assert command.deadline_text is None
    assert any(f"期限：{word}" in note for note in command.notes)


@pytest.mark.parametrize(("text", "meant"), [
    ("起草通知 名天下午", "明天"), ("起草通知 金天", "今天"), ("起草通知 后填上午", "后天"),
])
def test_a_garbled_time_word_is_never_read_as_another(text: str, meant: str) -> None:
    split = split_deadline(text)
    assert split.deadline is None and split.typo is not None and split.typo[1] == meant
    command = parse_command(f"交办 {text} @李娜")
    assert not isinstance(command, CreateTask)


@pytest.mark.parametrize(("text", "kind", "title"), [
    ("新建 打印签到表 马上", "urgent", "打印签到表"),
    ("新建 打印签到表 @李娜 立即", "urgent", "打印签到表"),
    ("新建 打印签到表 立刻办", "urgent", "打印签到表"),
    ("新建 请尽快核对汇报材料", "urgent", "请尽快核对汇报材料"),
    ("新建 打印签到表 急！", "urgent", "打印签到表"),
    ("新建 打印签到表 很急", "urgent", "打印签到表"),
    ("新建 打印签到表 ASAP", "urgent", "打印签到表"),
    ("交办 打印签到表 @李娜 马上", "urgent", "打印签到表"),
    ("新建 会议纪要：整理例会纪要 尽快", "urgent", "整理例会纪要"),
    ("领导来电 市长要求马上报送值班表", "leader_call", "市长要求马上报送值班表"),  # faster
    ("新建 打印签到表 不急", None, "打印签到表 不急"),
    ("新建 修订应急预案", None, "修订应急预案"),
    ("新建 处置紧急情况汇总", None, "处置紧急情况汇总"),
])
def test_urgency_words_mean_urgent(text: str, kind: str | None, title: str) -> None:
    command = parse_command(text)
    assert isinstance(command, CreateTask)
    assert (command.kind, command.title) == (kind, title)
    assert any("按急件办理" in note for note in command.notes) == (kind == "urgent")
