"""The emergency ladder (docs/routing.md, "The emergency ladder"), as the sandbox demo's
office meets it: 马骏 is on duty (值班), 杨帆 stands by (候班), 周建国 leads the shift (带班).
张伟, head of 秘书科 and so one of 马骏's supervisors with 周建国 and 刘洋, reports an
emergency; 马骏 stays silent.

Every order the ladder gives can be carried out by the person it is given to; each rung is
told in its own words, the reporter in a reporter's; 查询 shows who it was sent to; and the
supervisors' summary flags an emergency nobody accepted in time.
"""

from datetime import date, time, timedelta

import pytest

from tasks.calendar.office import load_calendar
from tasks.reminders import schedule
from tasks.reports.figures import DAILY, Period
from tasks.reports.summaries import build_summaries
from tasks.routing.roster import RosterRow, import_rows

TUESDAY = date(2026, 11, 24)
TITLE = "某路段积水严重需协调处置"
OFFICE = "某市人民政府办公室"


@pytest.fixture
def roster(office):
    with office.sessions.begin() as session:
        import_rows(session, [RosterRow(TUESDAY, time(0), time(0), None, ("周建国",), ("马骏",),
                                        ("杨帆",))], replace=True, now=office.clock())


def remind(office, minutes: int) -> None:
    """`minutes` pass, then the reminder engine sends what fell due, as the worker does."""
    office.clock.advance(minutes=minutes)
    with office.sessions.begin() as session:
        schedule.dispatch_due(session, None, office.rules, office.clock())
    office.deliver()


def reported_and_climbed(office) -> None:
    """张伟 reports; 马骏 lets the minute pass; the standby is asked, then the supervisors."""
    office.say("zhangwei", f"突发 {TITLE}")
    remind(office, 1)  # 马骏's own reminder
    remind(office, 2)  # 候班
    remind(office, 2)  # 督办


def summary_for(office, department: str) -> str:
    """The daily summary (督办日报) of `department` over the last day, built now."""
    now = office.clock()
    with office.sessions() as session:
        calendar = load_calendar(session, office.rules.working_hours)
        period = Period(DAILY, TUESDAY.isoformat(), now - timedelta(days=1), now, TUESDAY)
        built = build_summaries(session, office.rules, calendar, period, now)
    [summary] = [s for s in built if s.department_name == department]
    return summary.text


@pytest.mark.usefixtures("roster")
def test_the_standby_told_to_take_over_may_do_so_and_the_leader_on_duty_hears(office):
    office.say("zhangwei", f"突发 {TITLE}")
    remind(office, 1)
    remind(office, 2)
    [order] = office.replies("yangfan")
    assert order.startswith(f"【突发事件·候班】任务 #1「{TITLE}」值班人员 马骏 未及时接办，"
                            "请立即处置：接办 #1")

    sent = office.say("yangfan", "接办 #1")

    assert sent.reply("yangfan").startswith("已接办任务 #1")
    assert (office.task().state, office.task().holder) == ("accepted", "yangfan")
    assert sent.to("zhoujianguo") == [
        f"【即接即报】突发事件 #1「{TITLE}」已由 候班 杨帆（综合科，@yangfan） 接办。"]
    assert sent.to("zhangwei") == [f"杨帆（综合科，@yangfan） 已接办任务 #1「{TITLE}」。"]
    assert [c.title for c in sent.cards("majun", "card_update")], "马骏's card shows who took it"


@pytest.mark.usefixtures("roster")
def test_the_standby_may_pass_the_emergency_on_and_others_are_still_refused(office):
    office.say("zhangwei", f"突发 {TITLE}")

    refused = office.say("xuming", "接办 #1").reply("xuming")  # the admin, not on the ladder
    sent = office.say("yangfan", "转办 #1 @wangfang 王芳熟悉该路段")

    assert refused == ("无法接办：任务 #1 只有承办人、受理人员（任务待认领时）或"
                       "突发事件的候班或督办人员（杨帆、张伟、周建国）可以接办。")
    assert sent.reply("yangfan").startswith("已将任务 #1 转办给 王芳")
    assert office.task().state == "pending" and office.task().transfer_count == 1


@pytest.mark.usefixtures("roster")
def test_each_rung_is_told_in_its_own_words_and_the_reporter_in_a_reporters(office):
    reported_and_climbed(office)

    assert [r[:5] for r in office.replies("majun")] == ["【待接办】"]
    assert [r[:9] for r in office.replies("yangfan")] == ["【突发事件·候班】"]
    for supervisor in ("zhoujianguo", "liuyang"):
        told = office.replies(supervisor)[-1]
        assert told.startswith(f"【突发事件·督办】任务 #1「{TITLE}」值班人员 马骏 未及时接办，"
                               "请立即处置："), supervisor
    told = [text for text in office.replies("zhangwei") if not text.startswith("已创建")]
    assert [text.split("〔")[0] for text in told] == [
        f"【突发事件·未及时接办】你报告的任务 #1「{TITLE}」值班人员 马骏 未及时接办，"
        "已提请候班 杨帆 处置。",
        f"【突发事件·未及时接办】你报告的任务 #1「{TITLE}」值班人员 马骏 未及时接办，"
        "已提请督办 张伟、周建国、刘洋 处置。"]
    assert not any("【突发事件·督办】" in text for text in office.replies("zhangwei"))


@pytest.mark.usefixtures("roster")
def test_two_standby_officers_are_both_told_as_standby(office):
    with office.sessions.begin() as session:
        import_rows(session, [RosterRow(TUESDAY, time(0), time(0), None, ("周建国",), ("马骏",),
                                        ("杨帆", "陈静"))], replace=True, now=office.clock())
    office.say("lina", f"突发 {TITLE}")
    remind(office, 1)
    remind(office, 2)

    for standby in ("yangfan", "chenjing"):
        assert [r[:9] for r in office.replies(standby)] == ["【突发事件·候班】"], standby
    assert not office.replies("zhangwei"), "the supervisors come one rung later"


@pytest.mark.usefixtures("roster")
def test_show_names_who_it_was_sent_to_and_who_holds_it(office):
    office.say("zhangwei", f"突发 {TITLE}")

    waiting = office.say("zhangwei", "查询 #1").reply("zhangwei")
    office.say("yangfan", "接办 #1")
    held = office.say("zhangwei", "查询 #1").reply("zhangwei")

    ladder = "> 处置层级：值班 马骏 → 候班 杨帆 → 督办 张伟、周建国、刘洋；带班 周建国"
    assert "> 承办人：马骏（待接办）" in waiting.split("\n") and ladder in waiting.split("\n")
    assert "> 承办人：杨帆" in held.split("\n") and ladder in held.split("\n")


@pytest.mark.usefixtures("roster")
def test_an_emergency_not_accepted_in_time_is_flagged_in_the_supervisors_summary(office):
    office.say("zhangwei", "突发 某小区停电")
    office.click("majun", "接办")  # in time: not flagged
    office.say("zhangwei", f"突发 {TITLE}")
    office.clock.advance(minutes=11)

    text = summary_for(office, OFFICE)

    assert "问题提示：推诿扯皮 0，领而不办 0，办而不力 0，突发未及时接办 1" in text.split("\n")
    assert f"**突发未及时接办 1 项**\n> #2 {TITLE}｜应于 11月24日 09:01 前接办，" \
           "已超时 10分钟 仍未接办\n" in text


@pytest.mark.usefixtures("roster")
def test_an_emergency_accepted_late_is_flagged_with_who_took_it(office):
    office.say("zhangwei", f"突发 {TITLE}")
    office.clock.advance(minutes=3)
    office.say("yangfan", "接办 #1")

    text = summary_for(office, OFFICE)

    assert "突发未及时接办 1 项" in text
    assert f"> #1 {TITLE}｜应于 11月24日 09:01 前接办，杨帆 超时 2分钟 后接办" in text
