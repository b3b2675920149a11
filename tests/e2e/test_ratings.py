"""The closure record and the requester's rating (好差评), used as people use them: typed
into the sandbox chat and pressed on cards (docs/reports.md, issue 6 points 1 and 2).

The office's day is Tuesday 24 November 2026, 09:00 (see conftest). 杨帆 (综合科) asks 李娜
(秘书科) for work; 张伟 heads 秘书科, so he decides what a bad rating leads to.
"""

from datetime import datetime

import pytest
from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Closure, Rating, Reminder, Task, TaskEvent, TaskFlag
from tasks.presentation.replies import duration
from tasks.vocabulary import RATING_LEVELS
from tests.e2e.chat import SeenCard
from tests.e2e.platforms import EVERY_PLATFORM
from workers.jobs.reminders import dispatch_reminders
from workers.jobs.watch import expire_ratings

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def _task(office, number: int = 1) -> Task:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        session.expunge(task)
        return task


def _ratings(office) -> list[tuple[str, str | None, str | None, str | None, int | None]]:
    with office.rt.sessions() as session:
        return [(r.state, r.level, r.reason, r.followup, r.followup_task_id)
                for r in session.scalars(select(Rating).order_by(Rating.id))]


def _actions(office, number: int = 1) -> list[str]:
    with office.rt.sessions() as session:
        return list(session.scalars(select(TaskEvent.action).where(
            TaskEvent.task_id == number).order_by(TaskEvent.id)))


def _local(when: datetime) -> datetime:
    return when.astimezone(SHANGHAI).replace(tzinfo=None)


def _closed_by_lina(office, title: str = "核对全年经费报表") -> None:
    office.say("yangfan", f"新建 {title} @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送办公室")


def _rating_cards(office, userid: str) -> list[SeenCard]:
    return [c for c in office.cards(userid)
            if c.title.startswith("请评价任务")]


def test_a_close_sends_one_rating_card_and_the_vote_redraws_it_in_place(office):
    _closed_by_lina(office)

    [card] = _rating_cards(office, "yangfan")
    assert card.title == "请评价任务 #1"
    assert card.labels == list(RATING_LEVELS)
    rows = card.shown
    assert rows["承办人"] == "李娜" and rows["办理结果"] == "已报送办公室"
    assert rows["评价期限"] == "11月27日 17:30 前", "3 working days after Tuesday"
    assert not card.disabled

    office.click("yangfan", "满意")

    [rated] = _rating_cards(office, "yangfan")
    assert rated.card_id == card.card_id and rated.disabled
    assert rated.status == "已评价：满意"
    assert "感谢评价！任务 #1「核对全年经费报表」评价为「满意」" in office.last_reply("yangfan")
    assert "提请人 杨帆 评价为「满意」" in office.last_reply("lina")
    assert _ratings(office) == [("rated", "满意", None, None, None)]
    assert _actions(office)[-1] == "rated"
    with office.rt.sessions() as session:
        event = session.scalars(select(TaskEvent).where(TaskEvent.action == "rated")).one()
        assert (event.actor.userid, event.channel, event.text) == ("yangfan", "card", "满意")


def test_a_second_vote_is_refused_politely_and_changes_nothing(office):
    _closed_by_lina(office)
    card = _rating_cards(office, "yangfan")[0]
    key = card.key("不满意")  # as shown before the vote (DingTalk's greyed card has no buttons)
    office.click("yangfan", "非常满意")

    answer = office.press("yangfan", card.card_id, key)
    assert answer.ignored, "the redrawn card can no longer be pressed"
    office.say("yangfan", "评价 #1 不满意 其实不太满意")

    assert "你已评价过任务 #1（非常满意），每次办结只能评价一次" in office.last_reply("yangfan")
    assert _ratings(office) == [("rated", "非常满意", None, None, None)]
    assert _actions(office).count("rated") == 1


def test_a_bad_vote_asks_for_a_reason_then_the_supervisor_sends_it_back(office):
    _closed_by_lina(office)
    office.click("yangfan", "不满意")

    assert _rating_cards(office, "yangfan")[0].status == "已评价：不满意"
    assert "请直接回复不满意的原因" in office.last_reply("yangfan")
    assert not any(c.title.startswith("差评")
                   for c in office.cards("zhangwei")), "nobody is told before the reason"

    office.say("yangfan", "我的")  # a command is still a command, not the reason
    assert "你目前没有待办任务" in office.last_reply("yangfan")
    office.say("yangfan", "数据与财务科报表不一致")

    assert "及原因" in office.last_reply("yangfan") and "张伟" in office.last_reply("yangfan")
    assert ("提请人 杨帆 评价为「不满意」，原因：数据与财务科报表不一致"
            in office.last_reply("lina"))
    notice = office.last_reply("zhangwei")
    assert "【办而不力提示】任务 #1「核对全年经费报表」" in notice
    assert "数据与财务科报表不一致" in notice and "重办 #1 期限 说明" in notice
    card = office.card_with_button("zhangwei", "重办")
    assert card.title == "差评待处理 #1"
    assert card.labels == ["重办", "整改"]

    office.click("zhangwei", "重办")

    task = _task(office)
    assert task.state == "pending" and task.reopen_count == 1
    assert _local(task.deadline) == datetime(2026, 12, 4, 17, 30), "一般件: 10 days from now"
    told = office.last_reply("lina")
    assert "张伟 要求重办任务 #1" in told and "数据与财务科报表不一致" in told
    assert "12月4日 17:30" in told
    assert office.card_with_button("lina", "接办").title == "重办 #1"
    assert office.cards("zhangwei")[-1].status == "已安排重办（张伟）"
    assert _ratings(office) == [("rated", "不满意", "数据与财务科报表不一致", "reopened", None)]
    assert _actions(office)[-3:] == ["rated", "rating_reason", "reopened"]
    with office.rt.sessions() as session:
        assert [(f.flag, f.key) for f in session.scalars(select(TaskFlag))] == [
            ("poor_work", "round-0")], "办而不力 once, though rated badly and sent back"
    office.say("zhangwei", "整改 #1")
    assert "已由 张伟" in office.last_reply("zhangwei") and "无需重复处理" in office.last_reply(
        "zhangwei")


def test_rectification_by_button_creates_a_follow_up_task_for_the_holder(office):
    _closed_by_lina(office)
    office.say("yangfan", "评价 #1 非常不满意 材料缺页")

    assert _rating_cards(office, "yangfan")[0].status == "已评价：非常不满意"
    office.click("zhangwei", "整改")

    followup = _task(office, 2)
    assert followup.title == "整改：核对全年经费报表（#1）"
    assert followup.state == "pending" and followup.kind == "general"
    assert _local(followup.deadline) == datetime(2026, 12, 4, 17, 30)
    with office.rt.sessions() as session:
        task = session.get(Task, 2)
        assert (task.holder.userid, task.requester.userid) == ("lina", "zhangwei")
    assert _task(office).state == "closed", "the original stays closed"
    assert office.card_with_button("lina", "接办").title == "新任务 #2"
    assert "已建整改任务 #2「整改：核对全年经费报表（#1）」" in office.last_reply("yangfan")
    assert office.cards("zhangwei")[-1].status == "已安排整改 #2（张伟）"
    assert _ratings(office) == [("rated", "非常不满意", "材料缺页", "rectification", 2)]
    assert _actions(office)[-1] == "rectification"

    office.say("zhangwei", "查询 #1")
    assert "评价：非常不满意（原因：材料缺页），已安排整改 #2" in office.last_reply("zhangwei")


def test_rectification_by_text_needs_a_supervisor_and_a_bad_rating(office):
    _closed_by_lina(office)
    office.say("zhangwei", "整改 #1 3个工作日内 按规范重新核对")
    assert "没有待处理的差评" in office.last_reply("zhangwei")
    office.say("yangfan", "评价 #1 不满意 数据有误")
    office.say("yangfan", "整改 #1 3个工作日内 我来安排")
    assert "无法整改：任务 #1 只有科室负责人（张伟" in office.last_reply("yangfan")
    office.say("lina", "整改 #1 明天")
    assert "无法整改" in office.last_reply("lina")
    office.say("zhangwei", "整改 #1 上午9点 太早了")
    assert office.last_reply("zhangwei").startswith("期限已过")
    assert _ratings(office)[0][3] is None

    office.say("zhangwei", "整改 #1 3个工作日内 按规范重新核对")

    followup = _task(office, 2)
    assert _local(followup.deadline) == datetime(2026, 11, 27, 17, 30)
    assert any("说明：按规范重新核对" in reply for reply in office.replies("lina"))
    assert "整改任务 #2" in office.last_reply("zhangwei")
    assert _ratings(office)[0][3:] == ("rectification", 2)


def test_reopened_and_closed_again_asks_again(office):
    _closed_by_lina(office)
    office.say("yangfan", "重办 #1 3天内 缺少附件")

    [first] = _rating_cards(office, "yangfan")
    assert first.status == "未评价（已重办）"
    office.say("lina", "接办 #1")
    office.say("lina", "办结 #1 附件已补齐")

    cards = _rating_cards(office, "yangfan")
    assert len(cards) == 2 and not cards[-1].disabled
    office.click("yangfan", "基本满意")
    assert _rating_cards(office, "yangfan")[-1].status == "已评价：基本满意"
    assert _ratings(office) == [("not_rated", None, None, None, None),
                                ("rated", "基本满意", None, None, None)]
    with office.rt.sessions() as session:
        assert [c.round for c in session.scalars(select(Closure).order_by(Closure.id))] == [0, 1]
        assert session.scalar(select(TaskFlag.key)) == "round-0", "a reopen is 办而不力 too"


def test_a_cancelled_task_gets_no_rating_card(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.say("yangfan", "撤销 #1 已由财务科核对")

    assert _rating_cards(office, "yangfan") == []
    office.say("yangfan", "评价 #1 满意")
    assert "任务 #1 已撤销，无需评价" in office.last_reply("yangfan")
    assert _ratings(office) == []


def test_nobody_rates_a_task_they_closed_themselves(office):
    office.say("yangfan", "新建 整理本科室台账")
    office.say("yangfan", "办结 #1 已整理")

    assert _rating_cards(office, "yangfan") == []
    office.say("yangfan", "查询 #1")
    assert "评价：无需评价（提请人本人办结）" in office.last_reply("yangfan")


def test_an_unanswered_card_expires_as_not_rated(office):
    _closed_by_lina(office)
    office.rt.clock.advance(days=3)  # Friday morning: the window is still open
    assert expire_ratings(office.rt) == 0

    office.rt.clock.advance(hours=9)  # Friday 18:00, after 下班
    assert expire_ratings(office.rt) == 1
    office.work()

    assert _rating_cards(office, "yangfan")[0].status == "未评价（已过期）"
    assert _ratings(office) == [("not_rated", None, None, None, None)]
    assert expire_ratings(office.rt) == 0, "once"
    assert _actions(office)[-1] == "rating_expired"
    office.say("yangfan", "评价 #1 满意")
    assert "评价期限已于 11月27日 17:30 截止，已记为未评价" in office.last_reply("yangfan")
    office.say("yangfan", "查询 #1")
    assert "评价：未评价" in office.last_reply("yangfan")


def test_a_bad_vote_whose_reason_never_comes_still_reaches_the_supervisor(office):
    _closed_by_lina(office)
    office.click("yangfan", "非常不满意")
    office.rt.clock.advance(days=3, hours=9)
    assert expire_ratings(office.rt) == 1
    office.work()

    assert "原因：未说明" in office.last_reply("zhangwei")
    assert office.card_with_button("zhangwei", "整改")
    assert _ratings(office) == [("rated", "非常不满意", None, None, None)]
    office.say("yangfan", "时间太久了")  # no longer taken as the reason
    assert "没有看懂" in office.last_reply("yangfan")


def test_the_closure_record_shows_in_the_task_view(office):
    office.say("yangfan", "新建 核对全年经费报表 @wangfang 3天内")
    office.rt.clock.advance(hours=3)
    dispatch_reminders(office.rt)  # 王芳 has not answered: reminders go out
    office.work()
    office.say("wangfang", "转办 #1 @李娜 该事项由李娜负责")
    office.rt.clock.advance(minutes=20)
    office.say("lina", "接办 #1")
    office.say("zhangwei", "催办 #1 请抓紧")
    office.say("lina", "延期 #1 12月10日 需等待财务数据")
    office.say("zhangwei", "同意延期 #1")
    office.rt.clock.advance(days=6)  # Monday: past the first deadline, within the new one
    office.say("lina", "办结 #1 已报送办公室")

    with office.rt.sessions() as session:
        closure = session.scalars(select(Closure)).one()
        task = session.get(Task, 1)
        accepted = session.scalars(select(TaskEvent.at).where(
            TaskEvent.action == "accepted")).one()
        sent = len(session.scalars(select(Reminder).where(Reminder.state == "sent")).all())
        assert closure.round == 0 and closure.result == "已报送办公室"
        assert closure.holder.userid == "lina" and closure.closed_at == task.closed_at
        assert closure.first_response_minutes == int((accepted - task.created_at)
                                                     .total_seconds() // 60)
        assert closure.close_minutes == int((task.closed_at - task.created_at)
                                            .total_seconds() // 60)
        assert _local(closure.original_deadline) == datetime(2026, 11, 27, 17, 30)
        assert _local(closure.deadline) == datetime(2026, 12, 10, 17, 30)
        assert (closure.on_time_original, closure.on_time_extended) == (False, True)
        assert (closure.transfers, closure.bounces, closure.chases_received) == (1, 0, 1)
        assert sent >= 1 and closure.reminders_received == sent
        assert [(h["name"], h["accepted"]) for h in closure.holder_times] == [
            ("王芳", False), ("李娜", True)]
        first_minutes = closure.first_response_minutes
        held = [h["seconds"] // 60 for h in closure.holder_times]
    office.say("yangfan", "查询 #1")

    view = office.last_reply("yangfan")
    assert "**办结记录**" in view
    assert f"首次响应 {duration(first_minutes)}" in view
    assert "原期限 11月27日 17:30：超期2天" in view
    assert "延期后期限 12月10日 17:30：按时" in view
    assert f"转办 1 次，退回 0 次，提醒 {sent} 次，催办 1 次" in view
    assert f"承办用时：王芳 {duration(held[0])}（未接办）；李娜 {duration(held[1])}" in view
    assert "评价：待提请人 杨帆 评价（12月3日 17:30 前）" in view

    office.click("yangfan", "满意")
    assert "你首问的任务 #1「核对全年经费报表」的提请人 杨帆 评价为「满意」" in office.last_reply(
        "wangfang"), "the first responder hears the outcome"


def test_malformed_rating_commands_get_helpful_replies_and_change_nothing(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.say("yangfan", "评价 #1 满意")
    assert "任务 #1 当前为「待接办」，办结后才能评价" in office.last_reply("yangfan")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送办公室")

    for text, reason in [
        ("评价", "缺少任务编号"),
        ("评价 #1", "评价须写明等级：非常满意、满意、基本满意、不满意、非常不满意"),
        ("评价 #1 很好", "没有「很好」这个评价等级"),
        ("评价 #0 满意", "任务编号应大于0"),
        ("评家 #1 满意", "是要用「评价」吗"),
    ]:
        office.say("yangfan", text)
        reply = office.last_reply("yangfan")
        assert reply.startswith("没有看懂：") and reason in reply, (text, reply)
        assert "评价 #12 满意" in reply, (text, reply)
    office.say("yangfan", "评价 #9 满意")
    assert office.last_reply("yangfan") == (
        "没有找到与你有关的任务 #9，请发送「我的」查看你的任务编号。")
    office.say("lina", "评价 #1 非常满意")
    assert "无法评价：任务 #1 只有提请人（杨帆）可以评价" in office.last_reply("lina")
    office.say("yangfan", "帮助 评价")
    assert "格式：评价 #编号 等级 [说明]" in office.last_reply("yangfan")

    assert _ratings(office) == [("asked", None, None, None, None)]
    assert "rated" not in _actions(office)
    office.say("yangfan", "打分 1号 很满意 办得又快又好")
    assert _ratings(office) == [("rated", "非常满意", "办得又快又好", None, None)]


def test_a_supervisor_who_asked_and_rated_badly_is_asked_to_decide(office):
    office.say("zhangwei", "新建 核对全年经费报表 @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送办公室")

    office.say("zhangwei", "评价 #1 不满意 数据与财务报表对不上")

    replies = office.replies("zhangwei")
    assert "已记录你对任务 #1 的评价「不满意」及原因，并告知承办人" in replies[-1]
    assert replies[-1].endswith("请在卡片上选择重办或整改。"), replies[-1]
    followup = [c for c in office.cards("zhangwei")
                if c.title == "差评待处理 #1"]
    assert len(followup) == 1 and not followup[0].disabled
