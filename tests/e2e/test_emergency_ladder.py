"""The emergency ladder through the sandbox chat (docs/routing.md, "The emergency ladder").

The demo's roster: 马骏 on duty (值班), 杨帆 standing by (候班), 周建国 leading the shift (带班).
张伟, head of 秘书科 and so one of 马骏's supervisors, reports an emergency on Tuesday
24 November 2026 at 09:00. 马骏 stays silent; the ladder climbs to 杨帆, who takes it over;
周建国 is told; the day's supervisor summary flags it. The clock moves only when the test
moves it, and the reminder dispatcher and the report check run in-process as the worker's
threads would.
"""

from datetime import date, time

import pytest

from tasks.calendar.workdays import SHANGHAI
from tasks.routing.roster import RosterRow, import_rows
from tests.e2e.platforms import EVERY_PLATFORM
from workers.jobs.reminders import dispatch_reminders
from workers.jobs.reports import send_scheduled_reports

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

TITLE = "某路段积水严重需协调处置"


def _demo_roster(office) -> None:
    with office.rt.sessions.begin() as session:
        import_rows(session, [RosterRow(date(2026, 11, 24), time(0), time(0), None,
                                        ("周建国",), ("马骏",), ("杨帆",))],
                    replace=True, now=office.rt.clock())


def _tick(office, **delta: float) -> None:
    """Move the office clock, run one dispatch round and the sender."""
    office.rt.clock.advance(**delta)
    dispatch_reminders(office.rt)
    office.work()


def test_duty_officer_silent_the_standby_takes_over_and_the_leader_is_told(office):
    _demo_roster(office)
    office.say("zhangwei", f"突发 {TITLE}")
    assert office.card_with_button("majun", "接办")
    office.say("zhangwei", "查询 #1")
    waiting = office.last_reply("zhangwei")
    assert "承办人：马骏（待接办）" in waiting
    assert "处置层级：值班 马骏 → 候班 杨帆 → 督办 张伟、周建国、刘洋；带班 周建国" in waiting

    _tick(office, seconds=61)  # 马骏's minute passes
    _tick(office, minutes=2)  # the standby's rung
    order = office.last_reply("yangfan")
    assert order.startswith(f"【突发事件·候班】任务 #1「{TITLE}」值班人员 马骏 未及时接办，"
                            "请立即处置：接办 #1"), order
    told = office.last_reply("zhangwei")
    assert told.startswith(f"【突发事件·未及时接办】你报告的任务 #1「{TITLE}」值班人员 马骏 "
                           "未及时接办，已提请候班 杨帆 处置。"), told

    office.say("yangfan", "接办 #1")

    assert office.last_reply("yangfan").startswith("已接办任务 #1")
    assert office.last_reply("zhoujianguo") == (
        f"【即接即报】突发事件 #1「{TITLE}」已由 候班 杨帆（综合科，@yangfan） 接办。")
    assert office.last_reply("zhangwei") == f"杨帆（综合科，@yangfan） 已接办任务 #1「{TITLE}」。"
    office.say("zhangwei", "查询 #1")
    held = office.last_reply("zhangwei")
    assert "承办人：杨帆" in held and "值班 马骏" in held

    _tick(office, minutes=10)  # the supervisors' rung is no longer due: nobody is ordered
    assert not any("【突发事件·督办】" in text
                   for who in ("zhangwei", "zhoujianguo", "liuyang")
                   for text in office.replies(who))

    now = office.rt.clock()
    evening = now.astimezone(SHANGHAI).replace(hour=17, minute=5)
    office.rt.clock.advance(seconds=(evening - now).total_seconds())  # the daily summary's time
    send_scheduled_reports(office.rt)
    office.work()
    summary = next(text for text in office.replies("zhoujianguo") if "【督办日报】" in text)
    assert "突发未及时接办 1 项" in summary
    assert f"#1 {TITLE}｜应于 11月24日 09:01 前接办，杨帆 超时 2分钟 后接办" in summary
