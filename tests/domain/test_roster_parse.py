"""Reading a duty roster table (值班表): columns, dates, shifts and the errors admins see."""

from datetime import UTC, date, datetime, time

import pytest

from tasks.routing.roster import RosterRow, parse_date, parse_rows


def _row(**cells: str) -> dict[str, str]:
    base = {"日期": "2026-11-24", "开始": "08:30", "结束": "17:30", "部门": "",
            "带班": "", "值班": "", "候班": ""}
    return base | cells


def test_a_plain_row_with_several_people_and_separators():
    rows = parse_rows([_row(带班="周建国", 值班="李娜、马骏,王芳", 候班="张伟 / 赵磊")])

    assert rows == [RosterRow(date(2026, 11, 24), time(8, 30), time(17, 30), None,
                              ("周建国",), ("李娜", "马骏", "王芳"), ("张伟", "赵磊"))]
    assert rows[0].row == 2


@pytest.mark.parametrize("text", ["李娜，马骏", "李娜 马骏", "李娜/马骏", "李娜；马骏",
                                  "@李娜 @马骏", "李娜\u3000马骏", "李娜、马骏、李娜"])
def test_every_separator_splits_people(text):
    assert parse_rows([_row(值班=text)])[0].duty == ("李娜", "马骏")


@pytest.mark.parametrize("text,expected", [
    ("2026-11-24", date(2026, 11, 24)),
    ("2026/11/24", date(2026, 11, 24)),
    ("2026.11.24", date(2026, 11, 24)),
    ("2026年11月24日", date(2026, 11, 24)),
    ("2026-11-24 00:00:00", date(2026, 11, 24)),  # str() of a spreadsheet date
    ("2026-11-24（周二）", date(2026, 11, 24)),
    ("2026/11/24 星期二", date(2026, 11, 24)),
])
def test_dates_as_admins_write_them(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["王芳(wangfang2)", "王芳（wangfang2）", "王芳 ( @wangfang2 )",
                                  "王芳（＠wangfang2）"])
def test_a_name_can_carry_its_userid(text):
    assert parse_rows([_row(值班=f"李娜、{text}")])[0].duty == ("李娜", "王芳(wangfang2)")


def test_a_date_without_a_year_needs_one():
    with pytest.raises(ValueError, match=r"row 2: 日期: '11月24日' has no year"):
        parse_rows([_row(日期="11月24日", 值班="李娜")])
    rows = parse_rows([_row(日期="11月24日(周二)", 值班="李娜")], year=2026)
    assert rows[0].day == date(2026, 11, 24)


def test_a_wrong_weekday_is_caught():
    with pytest.raises(ValueError, match="row 2: 日期: .*2026-11-24 is a 周二"):
        parse_rows([_row(日期="2026-11-24 周三", 值班="李娜")])


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "明天", "24/11/2026", "46350"])
def test_an_unreadable_date_names_row_and_column(text):
    with pytest.raises(ValueError, match=rf"row 3: 日期: cannot read '{text}'"):
        parse_rows([_row(值班="李娜"), _row(日期=text, 值班="李娜")])


def test_alternative_headers_and_time_formats():
    records = [{"日期": "2026-11-24", "开始时间": "8:30:00", "结束时间": "17点30",
                "科室": "秘书科", "值班人员": "李娜"}]
    row = parse_rows(records)[0]
    assert (row.start, row.end, row.department, row.duty) == (
        time(8, 30), time(17, 30), "秘书科", ("李娜",))


@pytest.mark.parametrize("shift,start,end", [
    ("白班 08:30-17:30", time(8, 30), time(17, 30)),
    ("夜班 17:30-08:30", time(17, 30), time(8, 30)),
    ("夜班 17:30—次日08:30", time(17, 30), time(8, 30)),
    ("08:30~17:30", time(8, 30), time(17, 30)),
    ("全天 8:30至8:30", time(8, 30), time(8, 30)),
    ("晚班 18:00-24:00", time(18, 0), time(0, 0)),
])
def test_the_shift_column(shift, start, end):
    row = parse_rows([{"日期": "2026-11-24", "班次": shift, "值班": "李娜"}])[0]
    assert (row.start, row.end) == (start, end)


def test_a_night_shift_ends_the_next_morning_and_a_full_shift_lasts_a_day():
    night, full = parse_rows([
        {"日期": "2026-11-24", "班次": "夜班 17:30-08:30", "值班": "李娜"},
        {"日期": "2026-11-24", "班次": "08:30-08:30", "值班": "马骏"},
    ])
    assert night.span() == (datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
                            datetime(2026, 11, 25, 0, 30, tzinfo=UTC))
    assert full.span() == (datetime(2026, 11, 24, 0, 30, tzinfo=UTC),
                           datetime(2026, 11, 25, 0, 30, tzinfo=UTC))


def test_explicit_hours_win_over_the_shift_label():
    row = parse_rows([{"日期": "2026-11-24", "班次": "白班", "开始": "09:00", "结束": "18:00",
                       "值班": "李娜"}])[0]
    assert (row.start, row.end) == (time(9), time(18))


@pytest.mark.parametrize("shift", ["白班", "白班 08:30", "08:30-25:00", ""])
def test_a_shift_without_readable_hours_is_refused(shift):
    with pytest.raises(ValueError, match="row 2: 班次: "):
        parse_rows([{"日期": "2026-11-24", "班次": shift, "值班": "李娜"}])


def test_a_bad_time_names_its_column():
    with pytest.raises(ValueError, match=r"row 2: 结束: cannot read time '5:70'"):
        parse_rows([_row(结束="5:70", 值班="李娜")])
    with pytest.raises(ValueError, match=r"row 2: 开始: empty"):
        parse_rows([_row(开始="", 值班="李娜")])


def test_an_empty_date_repeats_the_one_above_like_a_merged_cell():
    rows = parse_rows([_row(值班="李娜"), _row(日期="", 开始="17:30", 结束="08:30", 值班="马骏")])
    assert [r.day for r in rows] == [date(2026, 11, 24)] * 2
    with pytest.raises(ValueError, match="row 2: 日期: empty"):
        parse_rows([_row(日期="", 值班="李娜")])


def test_blank_lines_are_skipped_but_counted():
    blank = dict.fromkeys(_row(), "")
    with pytest.raises(ValueError, match="row 5: 日期"):
        parse_rows([_row(值班="李娜"), blank, blank, _row(日期="x", 值班="李娜")])
    assert len(parse_rows([_row(值班="李娜"), blank])) == 1
    assert parse_rows([_row(值班="李娜")], first_row=4)[0].row == 4


def test_a_shift_with_nobody_or_one_person_twice_is_refused():
    with pytest.raises(ValueError, match="row 2: 带班/值班/候班: no one"):
        parse_rows([_row()])
    with pytest.raises(ValueError, match="row 2: 候班: 李娜 is already 值班"):
        parse_rows([_row(值班="李娜", 候班="李娜")])


@pytest.mark.parametrize("headers,missing", [
    (("开始", "结束", "值班"), "日期"),
    (("日期", "开始", "值班"), "开始 and 结束"),
    (("日期", "班次", "部门"), "带班, 值班 and 候班"),
])
def test_missing_columns_are_named(headers, missing):
    record = dict.fromkeys(headers, "x")
    with pytest.raises(ValueError, match=f"header: missing columns? {missing}"):
        parse_rows([record])


def test_unknown_columns_and_stray_header_space_are_ignored():
    records = [{" 日期 ": "2026-11-24", "开始": "08:30", "结束": "17:30", "值班": "李娜",
                "备注": "节前", "": "stray"}]
    assert parse_rows(records)[0].duty == ("李娜",)


def test_nothing_to_read_is_an_empty_roster():
    assert parse_rows([]) == []
