"""What an admin changes from the command line shows in chat: policies and the calendar.

The commands run in-process against the office's own database, as `mashangban …` would.
"""

from datetime import datetime

import pytest
from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import SlaPolicy, Task
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

YEAR_2027 = """\
year: 2027
source: 测试用安排（非官方通知）
holidays: [2027-01-01..2027-01-03, 2027-02-06..2027-02-14]
workdays: [2027-02-20]
"""


def _deadline(office, number: int) -> datetime:
    with office.rt.sessions() as session:
        return session.get(Task, number).deadline.astimezone(SHANGHAI).replace(tzinfo=None)


def test_a_policy_change_applies_to_new_tasks_only(office, admin):
    office.say("zhangwei", "新建 核对来文 @李娜")
    code, out = admin("policy", "set", "general", "completion", "15 natural_days")
    assert code == 0 and "15 natural_days" in out
    office.say("zhangwei", "新建 再核对一份来文 @李娜")

    assert _deadline(office, 1) == datetime(2026, 12, 4, 17, 30), "running task untouched"
    assert _deadline(office, 2) == datetime(2026, 12, 9, 17, 30)
    code, out = admin("policy", "show", "general")
    assert "15 natural_days" in out and "2 working_hours" in out


def test_a_bad_policy_value_is_named_and_changes_nothing(office, admin):
    code, out = admin("policy", "set", "general", "completion", "ten days")
    assert code == 2 and "cannot read limit 'ten days'" in out
    code, out = admin("policy", "set", "nonsense", "completion", "3 natural_days")
    assert code == 2 and "unknown kind" in out
    with office.rt.sessions() as session:
        assert session.scalar(select(SlaPolicy).where(SlaPolicy.kind == "general")) is None or \
            session.get(SlaPolicy, "general").completion_amount == 10


def test_policies_round_trip_through_yaml(office, admin, tmp_path):
    exported = tmp_path / "policies.yaml"
    assert admin("policy", "export", str(exported))[0] == 0
    text = exported.read_text(encoding="utf-8")
    assert "urgent:" in text and "same_working_day" in text and "急件" in text
    exported.write_text(text.replace("completion: 2 natural_days\n  quiet_hours: true\n",
                                     "completion: 3 natural_days\n  quiet_hours: true\n", 1),
                        encoding="utf-8")

    code, out = admin("policy", "import", str(exported))

    assert code == 0 and "minutes" in out
    office.say("zhangwei", "新建 会议纪要：周五例会 @李娜")
    assert _deadline(office, 1) == datetime(2026, 11, 27, 17, 30)


def test_a_broken_policy_file_is_refused_whole(office, admin, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("general:\n  completion: 12 natural_days\nurgent:\n  completion: soon\n",
                      encoding="utf-8")
    code, out = admin("policy", "import", str(broken))
    assert code == 2 and "urgent" in out
    office.say("zhangwei", "新建 核对来文 @李娜")
    assert _deadline(office, 1) == datetime(2026, 12, 4, 17, 30), "general was not saved"


def test_a_local_day_off_moves_working_day_deadlines(office, admin):
    office.say("zhangwei", "新建 报送数据 @李娜 1个工作日内")
    assert admin("calendar", "off", "2026-11-25", "本地", "停电检修")[0] == 0
    office.say("zhangwei", "新建 报送数据 @李娜 1个工作日内")
    assert admin("calendar", "on", "2026-11-28", "周六", "补班")[0] == 0
    office.say("zhangwei", "新建 报送数据 @李娜 3个工作日内")

    assert _deadline(office, 1) == datetime(2026, 11, 25, 17, 30)
    assert _deadline(office, 2) == datetime(2026, 11, 26, 17, 30)
    assert _deadline(office, 3) == datetime(2026, 11, 28, 17, 30)  # 26, 27 and Saturday 28
    code, out = admin("calendar", "show", "2026")
    assert "2026-11-25 off 本地 停电检修" in out and "2027: NO DATA" in out


def test_a_year_without_data_is_refused_in_chat_until_imported(office, admin, tmp_path):
    office.say("zhangwei", "新建 年度考核材料 @李娜 30个工作日内")
    assert "2027年的法定节假日安排尚未载入" in office.last_reply("zhangwei")
    with office.rt.sessions() as session:
        assert session.scalar(select(Task.id)) is None

    arrangement = tmp_path / "2027.yaml"
    arrangement.write_text(YEAR_2027, encoding="utf-8")
    assert admin("calendar", "import", str(arrangement)) == (0, "2027: holiday arrangement "
                                                              "imported\n")
    office.say("zhangwei", "新建 年度考核材料 @李娜 30个工作日内")

    # 27 working days left in 2026 after Tuesday 24 Nov (4 in November, 23 in December),
    # then Monday 4 to Wednesday 6 January 2027 after the imported New Year holiday
    assert _deadline(office, 1) == datetime(2027, 1, 6, 17, 30)


def test_calendar_input_errors_are_named(admin, tmp_path):
    assert admin("calendar", "off", "2026-13-01", "x")[0] == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nholidays: [2026-12-31]\n", encoding="utf-8")
    code, out = admin("calendar", "import", str(bad))
    assert code == 2 and "not a range inside 2027" in out
