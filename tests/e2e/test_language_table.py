"""Every example of the chat-language table (issue 12), typed into the sandbox chat on
Tuesday 8 December 2026 at 10:00: each gives a correct deadline, a refusal naming the
reason, or a confirmation card, and nothing is created on a guess.

The rules themselves are tested in tests/language and tests/middle; this file shows that
the outcome a clerk sees in chat is the right one, through the real protocol.
"""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Task
from tests.clocks import ShiftedClock
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(start=datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI))


def _tasks(office) -> list[tuple[str, str]]:
    with office.rt.sessions() as session:
        return [(t.title, t.deadline.astimezone(SHANGHAI).strftime("%m-%d %H:%M"))
                for t in session.scalars(select(Task).order_by(Task.id))]


@pytest.mark.parametrize(("text", "refusal"), [
    ("交办 核对值班记录 @张伟 昨天下午3点", "期限已过：12月7日 15:00 早于现在"),
    ("新建 提交周报 @李娜 上周五", "期限已过：12月4日 17:30 早于现在"),
    ("新建 报送月报 @李娜 上个月底", "期限已过：11月30日 17:30 早于现在"),
    ("交办 报送会议材料 @李娜 12月1日", "期限已过：12月1日 17:30 早于现在"),
    ("请假 到12月3日 @马骏", "期限已过：12月3日 17:30 早于现在"),
    ("交办 起草通知 @李娜 名天下午", "「名天」不是时间词，是不是「明天」？"),
])
def test_a_past_or_garbled_time_is_refused_and_nothing_is_created(office, text, refusal):
    office.say("zhangwei", text)
    assert refusal in office.last_reply("zhangwei")
    assert _tasks(office) == []


@pytest.mark.parametrize(("text", "created", "note"), [
    ("新建 起草会议通知 @李娜 明天下午3点。", ("起草会议通知", "12-09 15:00"), None),
    ("新建 准备 周一 例会材料 @李娜", ("准备 周一 例会材料", "12-18 17:30"), "「期限：周一」"),
    ("新建 打印签到表 @李娜 马上", ("打印签到表", "12-08 17:30"), "（急件）"),
    ("新建 周五前报送安全生产月报 @李娜", ("报送安全生产月报", "12-11 17:30"), None),
])
def test_a_deadline_is_read_whole_and_the_title_keeps_its_words(office, text, created, note):
    office.say("zhangwei", text)
    assert _tasks(office) == [created]
    if note:
        assert note in office.last_reply("zhangwei")


def test_an_extension_by_a_shift_keeps_the_reason_whole(office):
    office.say("zhangwei", "新建 核对报表 @李娜 12月10日")
    office.say("lina", "接办 #1")
    office.say("lina", "延期 #1 等数据 再推迟两天")
    asked = office.replies("zhangwei")[-1]
    assert "12月12日 17:30" in asked and "原因：等数据" in asked


def test_names_without_an_at_are_further_holders(office):
    office.say("zhangwei", "新建 起草年终总结 @李娜 马骏 明天")
    assert _tasks(office) == [("起草年终总结", "12-09 17:30")] * 2
    assert office.card_with_button("majun", "接办").title == "新任务 #2"


def test_a_natural_request_gets_a_confirmation_card_and_creates_nothing(office):
    office.say("zhangwei", "帮我把这个事情跟进一下 @李娜 周五前")
    card = office.card_with_button("zhangwei", "创建")
    assert card.title == "要创建这个任务吗？"
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_an_acknowledgement_offers_the_waiting_task_and_accepts_nothing(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "收到")
    assert office.card_with_button("lina", "接办").title == "接办 #1？"
    with office.rt.sessions() as session:
        assert session.get(Task, 1).state != "accepted"
