"""Days off are said out loud (issue 14, point 4; docs/sla.md): a written deadline on a day
off, or outside the office day for a kind counted in working time, is kept with a warning,
and its writer gets one button that moves it to the working time before it; a deadline
the assistant computes (重办 from a 差评 card) never lands on a day off.

The office's Tuesday is 24 November 2026: Saturday 5 December is a weekend day, 1–7 October
the National Day break, Saturday 14 February a 调休 working day. 张伟 heads 秘书科, where
李娜 works; 杨帆 (综合科) asks her for work.
"""

from datetime import datetime

from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Reminder

SATURDAY_WARNING = ("注意：12月5日为周六（休息日），期限已按所写保留。如需改到工作时间，"
                    "请点卡片上的「改为12月4日」，期限将改为 12月4日（周五）17:30。")


def _overdue_at(office, number: int = 1) -> datetime:
    """When the first 催办 of the task is planned (its deadline, as reminders see it)."""
    with office.sessions() as session:
        due = session.scalar(select(Reminder.due_at).where(
            Reminder.task_id == number, Reminder.timer == "overdue", Reminder.level == 0,
            Reminder.state == "pending"))
    assert due is not None
    return due.astimezone(SHANGHAI).replace(tzinfo=None)


def test_a_written_saturday_is_kept_said_and_moved_to_friday_with_one_button(office):
    sent = office.say("zhangwei", "新建 报送年度考核材料 @李娜 12月5日 10:00")

    reply = sent.reply("zhangwei")
    assert reply.startswith("已创建任务 #1「报送年度考核材料」（一般件），承办：李娜，"
                            "期限 12月5日 10:00 周六")
    assert reply.endswith(SATURDAY_WARNING), reply
    assert office.task().deadline == datetime(2026, 12, 5, 10, 0), "accepted as written"
    [card] = sent.cards("zhangwei")
    assert card.title == "期限不在工作时间 #1"
    assert card.subtitle == "报送年度考核材料｜12月5日为周六（休息日）"
    assert [(f.label, f.value) for f in card.fields] == [
        ("原期限", "12月5日（周六）10:00"), ("可改为", "12月4日（周五）17:30")]
    assert [b.label for b in card.buttons] == ["改为12月4日"]
    assert not sent.cards("lina", "card")[0].title.startswith("期限"), "only the writer's"

    clicked = office.click("zhangwei", "改为12月4日")

    assert clicked.to("zhangwei") == [
        "已将任务 #1 的期限改为 12月4日 17:30 周五（剩余10天8小时），并告知 李娜。"]
    assert clicked.to("lina") == [
        "张伟 将任务 #1「报送年度考核材料」的期限改为 12月4日 17:30 周五（剩余10天8小时）"
        "（原期限12月5日为周六（休息日））。"]
    task = office.task()
    assert (task.deadline, task.original_deadline) == (datetime(2026, 12, 4, 17, 30),) * 2, (
        "a correction by the writer, not an extension: the task is held to Friday")
    assert office.history()[-1] == ("deadline_moved", "zhangwei", "card",
                                    "原期限12月5日为周六（休息日），改为 12月4日 17:30")
    assert _overdue_at(office) == datetime(2026, 12, 4, 17, 30), "reminders follow"
    [update] = clicked.cards("zhangwei", "card_update")
    assert update.status == "已改为 12月4日 17:30"

    again = office.click("zhangwei", "改为12月4日")
    assert again.to("zhangwei") == [
        "任务 #1 的期限已有变化，这个按钮已失效。当前期限 12月4日 17:30 周五（剩余10天8小时）。"]


def test_a_statutory_holiday_is_named(office):
    office.clock.now = datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
    sent = office.say("zhangwei", "新建 整理节前值班安排 @李娜 10月2日")

    assert sent.reply("zhangwei").endswith(
        "注意：10月2日为国庆节假期（法定节假日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为9月30日」，期限将改为 9月30日（周三）17:30。")
    office.click("zhangwei", "改为9月30日")
    assert office.task().deadline == datetime(2026, 9, 30, 17, 30)


def test_an_adjusted_working_saturday_is_a_working_day_and_a_holiday_monday_is_not(office):
    office.clock.now = datetime(2026, 2, 9, 10, 0, tzinfo=SHANGHAI)
    sent = office.say("zhangwei", "新建 整理节前值班安排 @李娜 2月14日")
    assert "注意" not in sent.reply("zhangwei"), "14 February 2026 is a 调休 working day"
    assert not sent.cards("zhangwei")

    sent = office.say("zhangwei", "新建 整理节后值班安排 @李娜 2月23日")
    assert sent.reply("zhangwei").endswith(
        "注意：2月23日为春节假期（法定节假日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为2月14日」，期限将改为 2月14日（周六）17:30。"), (
        "Monday 23 February is the break's last day; the working day before it is Saturday")


def test_a_written_rectification_deadline_on_a_saturday_is_said(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.say("lina", "接办 #1")
    office.say("lina", "办结 #1 已报送办公室")
    office.click("yangfan", "不满意")
    office.say("yangfan", "数据与财务科报表不一致")

    sent = office.say("zhangwei", "整改 #1 12月5日 按规范重新核对数据")

    assert sent.reply("zhangwei").endswith(
        "注意：12月5日为周六（休息日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为12月4日」，期限将改为 12月4日（周五）17:30。")
    office.click("zhangwei", "改为12月4日")
    assert office.task(2).deadline == datetime(2026, 12, 4, 17, 30)


def test_after_hours_is_said_for_a_kind_counted_in_working_time_only(office):
    urgent = office.say("zhangwei", "急件 核对明日会议议程 @李娜 今晚8点")

    assert urgent.reply("zhangwei").endswith(
        "注意：11月24日 20:00 已过下班时间（17:30），急件按工作时间计时，期限已按所写保留。"
        "如需改到工作时间，请点卡片上的「改为17:30」，期限将改为 11月24日（周二）17:30。")
    moved = office.click("zhangwei", "改为17:30")
    assert moved.to("lina")[0].startswith(
        "张伟 将任务 #1「核对明日会议议程」的期限改为 11月24日 17:30")
    assert office.task().deadline == datetime(2026, 11, 24, 17, 30)

    general = office.say("zhangwei", "新建 核对今晚会务安排 @李娜 今晚8点")
    assert "注意" not in general.reply("zhangwei"), "一般件 counts natural time: 20:00 is fine"
    assert not general.cards("zhangwei")


def test_no_button_when_no_working_time_is_left_before_the_deadline(office):
    office.clock.now = datetime(2026, 12, 4, 18, 0, tzinfo=SHANGHAI)  # Friday after 下班
    sent = office.say("zhangwei", "新建 报送值班表 @李娜 明天上午10点")

    assert sent.reply("zhangwei").endswith("注意：12月5日为周六（休息日），期限已按所写保留。")
    assert not sent.cards("zhangwei")


def test_a_written_reopen_deadline_on_a_sunday_gets_the_warning_and_the_button(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.say("lina", "接办 #1")
    office.say("lina", "办结 #1 已报送办公室")
    sent = office.say("yangfan", "重办 #1 12月6日 数据有误需重新核对")

    assert sent.reply("yangfan").endswith(
        "注意：12月6日为周日（休息日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为12月4日」，期限将改为 12月4日（周五）17:30。")
    assert office.task().deadline == datetime(2026, 12, 6, 17, 30)
    moved = office.click("yangfan", "改为12月4日")
    assert "改为 12月4日 17:30" in moved.to("lina")[0]
    task = office.task()
    assert (task.deadline, task.original_deadline) == (
        datetime(2026, 12, 4, 17, 30), datetime(2026, 11, 27, 17, 30)), (
        "the first deadline stays the original one")


def test_an_extension_asked_for_a_holiday_is_said_in_the_reply(office):
    office.clock.now = datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI)
    office.say("zhangwei", "新建 整理节前值班安排 @李娜 3天内")
    office.say("lina", "接办 #1")
    sent = office.say("lina", "延期 #1 10月5日 需等待各科室报送")

    assert sent.reply("lina") == (
        "已提交任务 #1 的延期申请，等待 张伟 审批。\n"
        "注意：10月5日为国庆节假期（法定节假日），申请已按所写提交。")


def test_the_redo_button_never_sets_a_deadline_on_a_day_off(office):
    """Issue 14: a 重办 from the 差评 card set 12月6日 17:30, a Sunday: 10 natural days from
    Thursday 26 November. Nobody wrote it, so it ends on the next working day."""
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.click("lina", "接办")
    office.clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
    office.say("lina", "办结 #1 已报送办公室")
    office.click("yangfan", "不满意")
    told = office.say("yangfan", "数据与财务科报表不一致")
    assert "期限 12月7日 17:30" in told.to("zhangwei")[0], "the card's notice says the same"

    sent = office.click("zhangwei", "重办")

    assert sent.to("zhangwei") == [
        "已将任务 #1 退回 李娜 重办，期限 12月7日 17:30 周一（剩余11天7小时）。"]
    assert office.task().deadline == datetime(2026, 12, 7, 17, 30)
    assert not sent.cards("zhangwei"), "no warning and no button: nobody wrote it"


def test_the_button_changes_nothing_once_the_task_is_closed(office):
    office.say("zhangwei", "新建 报送年度考核材料 @李娜 12月5日 10:00")
    office.say("lina", "办结 #1 已报送")
    before = office.state()

    sent = office.click("zhangwei", "改为12月4日")

    assert sent.to("zhangwei") == ["任务 #1 已办结，不能再修改期限。"]
    assert office.state() == before
