"""The duty roster (值班表): imported by an admin from CSV or XLSX, read back in chat.

The office starts on Tuesday 2026-11-24 09:00 Shanghai; the commands run in-process
against the office's own database, as `mashangban roster …` would.
"""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tasks.calendar.workdays import SHANGHAI
from tasks.directory.lookup import find_department
from tasks.models import DutyShift
from tasks.routing.roster import describe_on_duty, on_duty
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)

ROSTER = """\
日期,开始,结束,部门,带班,值班,候班
2026-11-24,08:30,17:30,,周建国,李娜,马骏
2026-11-24,17:30,08:30,,刘洋,杨帆,赵磊
2026-11-24,08:30,17:30,督查科,,孙丽,黄涛
"""


def _write(tmp_path: Path, text: str, name: str = "roster.csv",
           encoding: str = "utf-8-sig") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _count(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(DutyShift))


def _describe(office, now: datetime) -> str:
    with office.rt.sessions() as session:
        return describe_on_duty(session, now)


def _userids(people) -> list[str]:
    return [p.userid for p in people]


def test_an_imported_roster_is_shown_and_answers_who_is_on_duty(office, admin, tmp_path):
    code, out = admin("roster", "import", _write(tmp_path, ROSTER))
    assert code == 0, out
    assert "3 shifts on 1 date(s) (2026-11-24); 8 places added" in out

    code, out = admin("roster", "show", "2026-11-24")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2026-11-24 周二"
    assert lines[1] == ("  全办  08:30—17:30  带班 周建国(zhoujianguo)  值班 李娜(lina)  "
                        "候班 马骏(majun)")
    assert lines[2].startswith("  全办  17:30—次日08:30  带班 刘洋(liuyang)")
    assert lines[3] == "  督查科  08:30—17:30  值班 孙丽(sunli)  候班 黄涛(huangtao)"

    now = office.rt.clock()
    with office.rt.sessions() as session:
        office_wide = on_duty(session, now)
        assert (_userids(office_wide.lead), _userids(office_wide.duty),
                _userids(office_wide.standby)) == (["zhoujianguo"], ["lina"], ["majun"])
        inspection = on_duty(session, now, find_department(session, "督查科").id)
        assert _userids(inspection.duty) == ["sunli"] and not inspection.lead
        assert not on_duty(session, now, find_department(session, "秘书科").id)
        text = describe_on_duty(session, now)
    assert text.startswith("现在值班（11月24日 周二 09:")
    assert "【全办】11月24日 08:30—17:30\n带班：周建国（@zhoujianguo）\n值班：李娜（@lina）\n" \
           "候班：马骏（@majun）" in text
    assert text.index("【全办】") < text.index("【督查科】")
    assert "值班：孙丽（@sunli）" in text and "刘洋" not in text


def test_typing_duty_in_chat_names_the_duty_officer(office, admin, tmp_path):
    assert admin("roster", "import", _write(tmp_path, ROSTER))[0] == 0
    office.say("lina", "值班")
    reply = office.last_reply("lina")
    assert "李娜（@lina）" in reply and "周建国（@zhoujianguo）" in reply


def test_a_night_shift_runs_past_midnight(office, admin, tmp_path):
    assert admin("roster", "import", _write(tmp_path, ROSTER))[0] == 0
    with office.rt.sessions() as session:
        for minutes, duty in ((8 * 60 + 29, ["lina"]), (8 * 60 + 30, ["yangfan"]),
                              (17 * 60, ["yangfan"]), (23 * 60 + 29, ["yangfan"]),
                              (23 * 60 + 30, [])):
            when = NOW + timedelta(minutes=minutes)
            assert _userids(on_duty(session, when).duty) == duty, when
    night = _describe(office, datetime(2026, 11, 25, 2, 0, tzinfo=SHANGHAI))
    assert "【全办】11月24日 17:30—次日08:30" in night
    assert "带班：刘洋（@liuyang）" in night and "候班：赵磊（@zhaolei）" in night


def test_nobody_on_duty_shows_the_next_shift(office, admin, tmp_path):
    assert _describe(office, NOW).startswith("现在没有排班，之后也没有排班")
    later = ROSTER.replace("2026-11-24", "2026-11-26")
    assert admin("roster", "import", _write(tmp_path, later))[0] == 0
    text = _describe(office, NOW)
    assert text.startswith("现在没有排班。下一班：11月26日 周四 08:30 起")
    assert "值班：李娜（@lina）" in text and "值班：孙丽（@sunli）" in text
    assert "杨帆" not in text, "only the shifts starting first"


def test_an_ambiguous_name_is_refused_with_its_row_and_nothing_is_saved(office, admin,
                                                                        tmp_path):
    roster = ROSTER.replace("督查科,,孙丽", "督查科,,王芳")
    code, out = admin("roster", "import", _write(tmp_path, roster))
    assert code == 2
    assert "row 4: 值班: 王芳 is ambiguous" in out
    assert "@wangfang）" in out and "@wangfang2）" in out
    assert "write the userid, e.g. 王芳(wangfang)" in out
    assert len(out.strip().splitlines()) == 1
    assert _count(office) == 0

    wrong = roster.replace("王芳", "孙丽(wangfang2)")
    code, out = admin("roster", "import", _write(tmp_path, wrong))
    assert code == 2 and "row 4: 值班: wangfang2 is 王芳（督查科，@wangfang2）, not 孙丽" in out
    code, out = admin("roster", "import", _write(tmp_path, roster.replace("王芳", "wangfang2")))
    assert code == 0, out
    with office.rt.sessions() as session:
        department = find_department(session, "督查科").id
        assert _userids(on_duty(session, office.rt.clock(), department).duty) == ["wangfang2"]


def test_unknown_people_and_departments_are_named(office, admin, tmp_path):
    code, out = admin("roster", "import", _write(tmp_path, ROSTER.replace("马骏", "张三")))
    assert code == 2 and "row 2: 候班: no one named 张三 in the directory" in out
    code, out = admin("roster", "import", _write(tmp_path, ROSTER.replace("督查科", "督察科")))
    assert code == 2 and "row 4: 部门: no department named 督察科" in out
    code, out = admin("roster", "import", _write(tmp_path, ROSTER.replace("马骏", "lina")))
    assert code == 2 and "row 2: 候班: lina is already 值班 on this shift" in out
    assert _count(office) == 0


def test_importing_twice_adds_nothing_and_replace_swaps_the_day(office, admin, tmp_path):
    path = _write(tmp_path, ROSTER)
    assert admin("roster", "import", path)[0] == 0
    code, out = admin("roster", "import", path)
    assert code == 0 and "0 places added" in out
    assert _count(office) == 8

    swapped = """\
日期,开始,结束,部门,带班,值班,候班
2026-11-24,08:30,17:30,,周建国,王芳（wangfang）,李娜
"""
    code, out = admin("roster", "import", _write(tmp_path, swapped, "swap.csv"), "--replace")
    assert code == 0 and "3 places replaced" in out
    with office.rt.sessions() as session:
        assert _userids(on_duty(session, office.rt.clock()).duty) == ["wangfang"]
        department = find_department(session, "督查科").id
        assert _userids(on_duty(session, office.rt.clock(), department).duty) == ["sunli"], \
            "a department the file does not list keeps its shifts"
    assert _count(office) == 5  # 3 office-wide places + 督查科's 2
    assert admin("roster", "import", _write(tmp_path, swapped, "swap.csv"), "--replace")[0] == 0
    assert _count(office) == 5


def test_a_bad_date_is_refused_and_nothing_is_saved(office, admin, tmp_path):
    roster = ROSTER.replace("2026-11-24,17:30", "2026-13-01,17:30")
    code, out = admin("roster", "import", _write(tmp_path, roster))
    assert code == 2
    assert out.strip() == (f"mashangban: {tmp_path / 'roster.csv'}: row 3: 日期: cannot read "
                           "'2026-13-01' (month must be in 1..12)")
    assert _count(office) == 0


def test_an_xlsx_roster_with_a_title_merged_dates_and_shift_names(office, admin, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["某市人民政府办公室 2026年11月值班表"])
    sheet.merge_cells("A1:E1")
    sheet.append(["日期", "班次", "带班领导", "值班人员", "候班人员"])
    sheet.append([datetime(2026, 11, 24), "白班 08:30-17:30", "周建国", "李娜、马骏",
                  "王芳 (@wangfang)"])
    sheet.append([None, "夜班 17:30-08:30", "刘洋", "陈静", "赵磊"])
    sheet.merge_cells("A3:A4")
    sheet.append([])
    sheet.append([datetime(2026, 11, 25), "08:30-08:30", "周建国", "zhangwei", ""])
    path = tmp_path / "roster.xlsx"
    book.save(path)

    code, out = admin("roster", "import", str(path))
    assert code == 0, out
    assert "3 shifts on 2 date(s) (2026-11-24 .. 2026-11-25); 9 places added" in out
    with office.rt.sessions() as session:
        duty = on_duty(session, office.rt.clock())
        assert _userids(duty.duty) == ["lina", "majun"] and _userids(duty.standby) == \
            ["wangfang"]
        assert _userids(on_duty(session, NOW + timedelta(hours=10)).duty) == ["chenjing"]
        assert _userids(on_duty(session, NOW + timedelta(days=1, hours=20)).duty) == \
            ["zhangwei"]
    code, out = admin("roster", "show", "2026-11-25")
    assert "全办  08:30—次日08:30  带班 周建国(zhoujianguo)  值班 张伟(zhangwei)" in out


def test_an_xlsx_error_names_the_sheet_row(office, admin, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "开始", "结束", "值班"])
    sheet.append([datetime(2026, 11, 24), time(8, 30), time(17, 30), "李娜"])
    sheet.append([datetime(2026, 11, 24), time(17, 30), "半夜", "马骏"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    code, out = admin("roster", "import", str(path))
    assert code == 2 and "row 3: 结束: cannot read time '半夜'" in out
    assert _count(office) == 0


def test_a_gb18030_csv_and_dates_without_a_year(office, admin, tmp_path):
    roster = "日期,开始,结束,值班\n11月24日,08:30,17:30,李娜\n"
    path = _write(tmp_path, roster, encoding="gb18030")
    code, out = admin("roster", "import", path)
    assert code == 2 and "row 2: 日期: '11月24日' has no year" in out
    assert admin("roster", "import", path, "--year", "2026")[0] == 0
    with office.rt.sessions() as session:
        assert _userids(on_duty(session, office.rt.clock()).duty) == ["lina"]


def test_show_refuses_an_unreadable_date(admin):
    code, out = admin("roster", "show", "someday")
    assert code == 2 and "cannot read 'someday'" in out
