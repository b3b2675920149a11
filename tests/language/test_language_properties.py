"""Property tests: no chat input may crash the parsers (docs/commands.md, "no server error")."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.calendar.workdays import WorkCalendar, WorkingHours
from tasks.language import (
    DeadlineError,
    find_deadline,
    format_deadline,
    normalize,
    parse_deadline,
    split_deadline,
)
from tasks.verbs.accept import AcceptTask
from tasks.verbs.registry import REGISTRY, parse_command

# Characters that steer the grammars into their deeper branches, so random text is not
# rejected at the first character every time.
_GRAMMAR_CHARS = list(
    "0123456789０１２３一二三十两半零〇天日周号月年点时分钟:：-/. 　内前后今明大下上午晚早中本这个"
    "工作小钟底末第任务请于务必提交反馈()（）周二#＃@＠新建交办接结我的待帮助?？进展请假礼拜星期期截止最"
)
chat_text = st.one_of(st.text(max_size=60), st.text(st.sampled_from(_GRAMMAR_CHARS), max_size=30))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]),
)
COMMAND_TYPES = REGISTRY.command_types()  # every command class, however many verbs there are

# Well-formed and nearly well-formed phrases, so the success path is exercised as well.
_numbers = st.integers(min_value=0, max_value=40).map(str)
_days = st.one_of(
    st.sampled_from(
        ["", "今天", "明天", "后天", "大后天", "周五", "本周日", "下周一", "月底", "年底"]
    ),
    st.builds("{}月{}日".format, _numbers, _numbers),
    st.builds("{}-{}".format, _numbers, _numbers),
    st.builds("{}号".format, _numbers),
)
_times = st.one_of(
    st.sampled_from(["", "下午", "上午", "中午", "下班", "晚上"]),
    st.builds("{}{}点{}".format, st.sampled_from(["", "上午", "下午", "晚上"]), _numbers,
              st.sampled_from(["", "半", "一刻", "10分"])),
    st.builds("{}:{:02d}".format, _numbers, st.integers(min_value=0, max_value=70)),
)
_durations = st.builds(
    "{}{}".format, _numbers, st.sampled_from(["天", "日", "小时", "分钟", "个工作日", "周", "个月"])
)
phrases = st.builds(
    "{}{}".format,
    st.one_of(st.builds("{} {}".format, _days, _times), _durations),
    st.sampled_from(["", "前", "之前", "内", "以前", "前提交"]),
)
calendars = st.sampled_from(
    [
        WorkCalendar(),
        WorkCalendar(hours=WorkingHours.parse("09:00-12:00,13:30-18:00")),
        # An admin who imported the years after the package's data and took a day off.
        WorkCalendar(
            extra_years=frozenset(range(2027, 2091)), overrides={date(2026, 12, 31): False}
        ),
    ]
)


@settings(max_examples=400, deadline=None)
@given(chat_text)
def test_parse_command_never_raises(text: str) -> None:
    assert isinstance(parse_command(text), COMMAND_TYPES)


@settings(max_examples=600, deadline=None)
@given(st.one_of(chat_text, phrases), instants, calendars)
def test_parse_deadline_only_raises_deadline_error(
    text: str, now: datetime, calendar: WorkCalendar
) -> None:
    try:
        result = parse_deadline(text, now, calendar)
    except DeadlineError as error:
        assert str(error)
    else:
        assert result > now
        assert result.tzinfo == UTC


@settings(max_examples=300, deadline=None)
@given(instants, instants, st.booleans())
def test_format_deadline_never_raises(when: datetime, now: datetime, working: bool) -> None:
    shown = format_deadline(when, now, working=working)
    assert shown.endswith("）")


@settings(max_examples=400, deadline=None)
@given(chat_text)
def test_find_deadline_splits_without_losing_words(text: str) -> None:
    found = find_deadline(text)
    if found is not None:
        deadline, rest = found
        assert deadline
        words = normalize(text).split(" ")
        # Trailing politeness (`。`, `谢谢`) is dropped by design (issue 12), and only it.
        polite = split_deadline(text).polite
        assert sorted("".join(words)) == sorted(
            deadline.replace(" ", "") + rest.replace(" ", "") + polite.replace(" ", ""))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999_999_999), st.sampled_from(["#", "＃", "第", ""]))
def test_any_task_number_round_trips(number: int, prefix: str) -> None:
    suffix = "号" if prefix == "第" else ""
    assert parse_command(f"接办 {prefix}{number}{suffix}") == AcceptTask(number)
