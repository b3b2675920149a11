"""Issue 12's time rows typed into the sandbox chat at the issue's instant (Tuesday 12-08
10:00): a deadline read whole after a trailing 。, a past date refused rather than moved to
next year, and 马上 making the task 急件."""

from datetime import datetime

import pytest

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Task
from tests.clocks import ShiftedClock
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(start=datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI))


def _task(office, number: int = 1) -> Task:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        session.expunge(task)
        return task


def test_the_issues_time_rows_through_the_sandbox(office):
    office.say("zhangwei", "交办 报送会议材料 @李娜 12月1日")
    refused = office.last_reply("zhangwei")
    assert refused.startswith("期限已过：12月1日 17:30 早于现在")
    assert "「明年12月1日」或「2027年12月1日」" in refused
    with office.rt.sessions() as session:
        assert session.get(Task, 1) is None  # nothing created

    office.say("zhangwei", "新建 起草会议通知 @李娜 明天下午3点。")
    created = office.last_reply("zhangwei")
    assert created.startswith(
        "已创建任务 #1「起草会议通知」（一般件），承办：李娜，期限 12月9日 15:00")
    assert _task(office, 1).deadline.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(
        2026, 12, 9, 15, 0)

    office.say("zhangwei", "新建 打印签到表 @李娜 马上")
    urgent = office.last_reply("zhangwei")
    assert urgent.startswith("已创建任务 #2「打印签到表」（急件）")
    assert "「马上」：按急件办理" in urgent
    assert _task(office, 2).kind == "urgent"


def test_a_saturday_deadline_is_said_and_moved_to_friday_through_the_sandbox(office):
    """Issue 14: 「12月12日 10:00」 is a Saturday. It is kept, said out loud, and the writer
    gets a card whose one button moves it to Friday 下班; 李娜 hears of the move."""
    office.say("zhangwei", "新建 报送年度考核材料 @李娜 12月12日 10:00")
    created = office.last_reply("zhangwei")
    assert created.endswith(
        "注意：12月12日为周六（休息日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为12月11日」，期限将改为 12月11日（周五）17:30。"), created
    card = office.card_with_button("zhangwei", "改为12月11日")
    assert card.title == "期限不在工作时间 #1"

    office.click("zhangwei", "改为12月11日")

    assert office.last_reply("zhangwei").startswith(
        "已将任务 #1 的期限改为 12月11日 17:30 周五")
    assert office.last_reply("lina").startswith(
        "张伟 将任务 #1「报送年度考核材料」的期限改为 12月11日 17:30 周五")
    assert _task(office).deadline.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(
        2026, 12, 11, 17, 30)
    [greyed] = [c for c in office.cards("zhangwei") if c.card_id == card.card_id]
    assert greyed.disabled and greyed.status == "已改为 12月11日 17:30", \
        "the card is greyed with what happened"
