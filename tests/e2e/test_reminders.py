"""Reminders fire from the task's state with nobody touching it (docs/reminders.md).

The office's day is Tuesday 24 November 2026, 09:00; time moves only when the test moves
it, and the dispatcher runs in-process as the worker's reminder thread would.
"""

import pytest
from sqlalchemy import select

from tasks.models import Reminder
from tests.e2e.platforms import EVERY_PLATFORM
from workers.jobs.reminders import dispatch_reminders

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def _tick(office, **delta: float) -> int:
    """Move the office clock, run one dispatch round and the sender."""
    office.rt.clock.advance(**delta)
    sent = dispatch_reminders(office.rt)
    office.work()
    return sent


def test_a_two_minute_task_chases_its_holder_and_tells_the_supervisor(office):
    office.say("zhangwei", "新建 报送今日值班信息 @李娜 2分钟内")
    before = len(office.replies("lina"))

    assert _tick(office, seconds=90) == 0
    assert _tick(office, seconds=10) == 0, (
        "no 即将到期 before the time to accept has run out, and for a general task that is "
        "the deadline itself (found: a warning at 80 % of the time, before 待接办)")
    _tick(office, seconds=21)  # just past the deadline, which is also the time to accept
    late = office.last_reply("lina")
    assert "你有 2 条提醒" in late and "【待接办】任务 #1" in late, late
    assert "【催办】任务 #1「报送今日值班信息」已于 11月24日 09:02 到期" in late
    assert "即将到期" not in late, "not accepted yet: no warning before the time to accept"
    assert "【催办】任务 #1" in office.last_reply("zhangwei")
    assert len(office.replies("lina")) == before + 1

    assert _tick(office, seconds=5) == 0, "nothing fires twice"


def test_accepting_cancels_the_first_response_reminders(office):
    office.say("zhangwei", "新建 核对来文 @李娜 3天内")
    office.say("lina", "接办 #1")

    with office.rt.sessions() as session:
        states = {(r.timer, r.level): r.state for r in session.scalars(select(Reminder))}
    assert states[("first_response", 0)] == "cancelled"
    assert states[("overdue", 0)] == "pending"
    _tick(office, hours=3)
    assert not any("待接办" in r for r in office.replies("lina"))


def test_closing_leaves_nothing_to_remind(office):
    office.say("zhangwei", "新建 核对来文 @李娜 2小时内")
    office.say("lina", "办结 #1 已核对")
    before = len(office.replies("lina"))

    assert _tick(office, hours=5) == 0
    assert len(office.replies("lina")) == before
