"""Every lifecycle transition and every denial, typed into the sandbox chat (docs/commands.md).

The office's day is Tuesday 24 November 2026, 09:00 (see conftest): 张伟 heads 秘书科 where
李娜 works; 陈静 heads 综合科 (杨帆, 赵磊); 周建国 and 刘洋 lead the whole office; 徐明 is admin.
"""

from datetime import datetime

import pytest
from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Extension, Task, TaskEvent
from tests.e2e.chat import SeenCard
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def _task(office, number: int = 1) -> Task:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        session.expunge(task)
        return task


def _events(office, number: int = 1) -> list[tuple[str, str, str, str]]:
    with office.rt.sessions() as session:
        rows = session.scalars(select(TaskEvent).where(TaskEvent.task_id == number)
                               .order_by(TaskEvent.id)).all()
        return [(e.action, e.actor.userid, e.channel, e.text) for e in rows]


def _local(when: datetime) -> datetime:
    return when.astimezone(SHANGHAI).replace(tzinfo=None)


def _shown(when: datetime | None) -> str:
    """A moment as the cards show it, in Shanghai time: `11月24日 09:00`."""
    assert when is not None
    local = _local(when)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _fields(card: SeenCard) -> dict[str, str]:
    return card.shown


def _assigned_to_lina(office, title: str = "起草年度工作总结") -> None:
    office.say("zhangwei", f"新建 {title} @李娜 3天内")


# Need to know: 赵磊 (综合科) has no part in 李娜's tasks, so he is told nothing of them.
NOT_YOURS = "没有找到与你有关的任务 #1，请发送「我的」查看你的任务编号。"


def test_transfer_needs_a_reason_and_tells_requester_and_first_responder(office):
    _assigned_to_lina(office)
    office.say("lina", "转办 #1 @杨帆")
    assert "原因" in office.last_reply("lina")
    assert _task(office).holder_id != _task(office).requester_id  # unchanged: still 李娜's

    office.say("lina", "转办 #1 @杨帆 该事项归综合科办理")

    task = _task(office)
    assert task.state == "pending" and task.transfer_count == 1
    assert "杨帆 将" not in office.last_reply("zhangwei")
    told = office.last_reply("zhangwei")
    assert "转办给 杨帆（综合科，@yangfan）" in told and "该事项归综合科办理" in told
    assert "李娜 将任务 #1" in office.replies("yangfan")[-1]
    assert office.card_with_button("yangfan", "接办").title == "新任务 #1"
    assert office.cards("lina")[-1].status == "已转办给杨帆"

    office.click("yangfan", "接办")
    office.say("yangfan", "办结 #1 已完成")

    assert "已由 杨帆 办结" in office.last_reply("lina"), "the first responder hears the outcome"
    with office.rt.sessions() as session:
        assert session.get(Task, 1).first_responder.userid == "lina"
    assert [e[0] for e in _events(office)] == ["created", "transferred", "accepted", "closed"]
    assert _events(office)[1] == ("transferred", "lina", "chat", "该事项归综合科办理")


def test_transfer_by_someone_else_is_refused_with_who_may(office):
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("yangfan", "转办 #1 @赵磊 我觉得该给他")  # the requester may not

    refusal = office.last_reply("yangfan")
    assert "无法转办：任务 #1" in refusal
    assert "承办人（李娜）" in refusal and "张伟" in refusal and "管理员" in refusal
    office.say("zhaolei", "转办 #1 @杨帆 我觉得该给他")
    assert office.last_reply("zhaolei") == NOT_YOURS
    assert _task(office).transfer_count == 0
    assert [e[0] for e in _events(office)] == ["created"]


def test_a_supervisor_may_transfer_and_a_name_without_at_is_understood(office):
    _assigned_to_lina(office)
    office.say("zhangwei", "转办 #1 王芳 李娜本周外出")

    assert "多位人员" in office.last_reply("zhangwei"), "two people are called 王芳"
    office.say("zhangwei", "转办 #1 @wangfang 李娜本周外出")
    assert _task(office).holder_id is not None
    assert "王芳（秘书科，@wangfang）" in office.last_reply("lina")


def test_transfer_to_a_department_is_claimed_by_the_first_member_to_accept(office):
    _assigned_to_lina(office)
    office.say("lina", "转办 #1 @综合科 属综合科职责")

    for member in ("chenjing", "yangfan", "zhaolei"):
        assert office.card_with_button(member, "接办")
    office.click("zhaolei", "接办")

    assert office.cards("yangfan")[-1].status == "已由赵磊接办"
    office.say("yangfan", "接办 #1")
    assert "已由 赵磊 接办" in office.last_reply("yangfan")
    assert _task(office).holder_id is not None
    with office.rt.sessions() as session:
        assert session.get(Task, 1).holder.userid == "zhaolei"
    assert office.cards("chenjing")[-1].status == "已由赵磊接办"


def test_progress_reports_reach_the_requester_only_after_acceptance(office):
    _assigned_to_lina(office)
    office.say("lina", "进展 #1 已完成一半")
    assert "只有「办理中」的任务可以报告进展" in office.last_reply("lina")

    office.say("lina", "接办 #1")
    office.say("lina", "进展 #1 已完成一半")

    assert "任务 #1「起草年度工作总结」进展（李娜）：已完成一半" in office.last_reply("zhangwei")
    assert _task(office).last_progress_at is not None
    office.say("zhangwei", "进展 #1 我也来报")
    assert "只有承办人（李娜）可以报告进展" in office.last_reply("zhangwei")
    office.say("zhaolei", "进展 #1 我也来报")
    assert office.last_reply("zhaolei") == NOT_YOURS


def test_extension_is_approved_by_the_supervisor_and_keeps_the_original_deadline(office):
    _assigned_to_lina(office)
    office.say("lina", "接办 #1")
    original = _task(office).deadline
    office.say("lina", "延期 #1 12月10日 需等待财务数据")

    request = office.last_reply("zhangwei")
    assert "李娜 申请将任务 #1" in request and "12月10日 17:30" in request
    assert "需等待财务数据" in request and "同意延期 #1" in request
    assert _task(office).deadline == original, "nothing moves before approval"

    office.say("zhaolei", "同意延期 #1")
    assert office.last_reply("zhaolei") == NOT_YOURS
    office.say("lina", "同意延期 #1")
    assert "无法审批延期：任务 #1" in office.last_reply("lina")

    office.say("zhangwei", "同意延期 #1")

    task = _task(office)
    assert _local(task.deadline) == datetime(2026, 12, 10, 17, 30)
    assert task.original_deadline == original
    assert "张伟 同意了任务 #1 的延期申请" in office.last_reply("lina")
    office.say("zhangwei", "同意延期 #1")
    assert "没有待审批的延期申请" in office.last_reply("zhangwei")


def test_a_refused_extension_changes_no_deadline_and_needs_a_reason(office):
    _assigned_to_lina(office)
    original = _task(office).deadline
    office.say("lina", "延期 #1 12月10日 需等待财务数据")
    office.say("zhangwei", "不同意延期 #1")
    assert "原因" in office.last_reply("zhangwei")

    office.say("zhangwei", "不同意延期 #1 年底前必须报送")

    assert "不同意任务 #1 的延期申请，原因：年底前必须报送" in office.last_reply("lina")
    assert _task(office).deadline == original
    with office.rt.sessions() as session:
        assert session.scalar(select(Extension.state)) == "refused"


def test_an_extension_to_an_earlier_date_or_without_reason_is_refused(office):
    _assigned_to_lina(office)
    office.say("lina", "延期 #1 明天 来不及")
    assert "新期限应晚于现有期限" in office.last_reply("lina")
    office.say("lina", "延期 #1 12月10日")
    assert "原因" in office.last_reply("lina")
    with office.rt.sessions() as session:
        assert session.scalar(select(Extension.id)) is None


def test_reopen_sends_the_task_back_with_a_new_deadline(office):
    _assigned_to_lina(office)
    office.say("lina", "办结 #1 已报送")
    office.say("lina", "重办 #1 3天内 不满意")
    assert "无法重办：任务 #1 只有提请人（张伟）" in office.last_reply("lina")
    office.say("zhaolei", "重办 #1 3天内 不满意")
    assert office.last_reply("zhaolei") == NOT_YOURS

    office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")

    task = _task(office)
    assert task.state == "pending" and task.reopen_count == 1 and task.result is None
    assert _local(task.deadline) == datetime(2026, 11, 29, 17, 30)
    assert "张伟 要求重办任务 #1" in office.last_reply("lina")
    assert "数据有误需重新核对" in office.last_reply("lina")
    assert office.card_with_button("lina", "接办").title == "重办 #1"
    office.say("zhangwei", "重办 #1 3天内 再来一次")
    assert "只有「已办结」的任务可以重办" in office.last_reply("zhangwei")


def test_a_closed_card_says_when_and_a_reopened_one_says_redo(office):
    """Displays follow state: the offer card of a closed task stops counting down and says
    已办结 with the time; the card a 重办 sends is titled so, not 新任务."""
    _assigned_to_lina(office)
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送")

    [card] = office.cards("lina")
    closed = f"已办结（{_shown(_task(office).closed_at)}）"
    assert card.disabled and card.status == closed
    assert card.title == "任务 #1（已办结）"
    fields = _fields(card)
    assert fields["状态"] == closed
    assert fields["期限"] == "11月27日 17:30 周五", "no 剩余… on a finished task"

    office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")

    card = office.card_with_button("lina", "接办")
    assert not card.disabled
    assert card.title == "重办 #1"
    assert _fields(card)["状态"] == "待接办（重办）"
    assert "剩余" in _fields(card)["期限"]


def test_cancel_needs_a_reason_and_tells_the_holder(office):
    _assigned_to_lina(office)
    office.say("lina", "撤销 #1 不需要了")
    assert "无法撤销：任务 #1" in office.last_reply("lina")
    assert "提请人（张伟）" in office.last_reply("lina")
    office.say("zhaolei", "撤销 #1 不需要了")
    assert office.last_reply("zhaolei") == NOT_YOURS
    office.say("zhangwei", "撤销 #1")
    assert "原因" in office.last_reply("zhangwei")

    office.say("zhangwei", "撤销 #1 会议已取消")

    assert _task(office).state == "cancelled"
    assert "已由 张伟 撤销，原因：会议已取消" in office.last_reply("lina")
    cancelled_at = _shown(_task(office).cancelled_at)
    assert office.cards("lina")[-1].status == f"已撤销（{cancelled_at}）"
    office.say("lina", "办结 #1 已做完")
    assert "当前状态为「已撤销」" in office.last_reply("lina")


def test_a_chase_comes_from_a_supervisor_or_leader_only(office):
    _assigned_to_lina(office)
    office.say("lina", "催办 #1")
    assert "无法催办：任务 #1 只有科室负责人（张伟、周建国、刘洋）" in office.last_reply("lina")
    office.say("zhaolei", "催办 #1")
    assert office.last_reply("zhaolei") == NOT_YOURS

    office.say("zhoujianguo", "催办 #1 请今天下班前报送")

    card = office.card_with_button("lina", "延期")
    assert card.title == "催办 #1"
    assert card.subtitle == "起草年度工作总结｜周建国催办：请今天下班前报送"
    assert card.labels == ["进展", "办结", "延期"]
    assert ("chased", "zhoujianguo", "chat", "请今天下班前报送") in _events(office)
    assert "对方回复后会告诉你" in office.last_reply("zhoujianguo")

    # 进展 opens the task page's form
    assert card.urls["进展"].endswith(f"/m/tasks/1?p={office.platform}&form=progress#progress")
    assert office.click("lina", "进展").ignored, "a link button calls nothing back"
    office.say("lina", "接办 #1")
    office.say("lina", "进展 #1 初稿已完成 下午报送")
    assert ("李娜 已回复你对任务 #1「起草年度工作总结」的催办：进展：初稿已完成 下午报送"
            in office.last_reply("zhoujianguo")), "the holder's answer closes the loop"
    office.say("lina", "进展 #1 已报送")
    assert "已报送" not in office.last_reply("zhoujianguo"), "only the answer to the chase"


def test_a_chase_card_keeps_its_answers_until_the_task_is_done(office):
    _assigned_to_lina(office)
    office.say("zhoujianguo", "催办 #1 请今天下班前报送")
    office.say("lina", "接办 #1")

    [chase] = [c for c in office.cards("lina") if c.title == "催办 #1"]
    assert not chase.disabled, "accepting does not grey out the chase"
    assert chase.labels == ["进展", "办结", "延期"]
    assert chase.subtitle == "起草年度工作总结｜周建国催办：请今天下班前报送"

    # the chase card's own button opens the form
    assert chase.urls["办结"].endswith(f"/m/tasks/1?p={office.platform}&form=close#close")
    office.say("lina", "办结 #1 已报送")
    [chase] = [c for c in office.cards("lina") if c.title == "催办 #1"]
    closed_at = _shown(_task(office).closed_at)
    assert chase.disabled and chase.status == f"已办结（{closed_at}）"


def test_query_shows_the_full_history_to_those_involved(office):
    _assigned_to_lina(office)
    office.click("lina", "接办")
    office.say("lina", "进展 #1 初稿已完成")
    office.say("lina", "查询 #1")

    details = office.last_reply("lina")
    assert "**任务 #1** 起草年度工作总结" in details
    assert "承办人：李娜" in details and "首问责任人：李娜" in details
    lines = details.split("办理经过", 1)[1]
    assert lines.index("张伟 创建") < lines.index("李娜 接办（卡片）") < lines.index(
        "李娜 报告进展：初稿已完成")

    office.say("zhengxue", "查询 #1")  # 信息科 has no part in it
    assert office.last_reply("zhengxue") == NOT_YOURS
    office.say("xuming", "查询 #1")
    assert "**任务 #1**" in office.last_reply("xuming"), "the admin may look at any task"
    office.say("lina", "查询 #99")
    assert office.last_reply("lina") == NOT_YOURS.replace("#1", "#99")


def test_my_tasks_are_paginated_most_urgent_first(office):
    for n in range(12):
        office.say("zhangwei", f"新建 事项{n:02d} @李娜 {12 - n}天内", work=False)
    office.say("zhangwei", "急件 马上核对材料 @李娜")

    office.say("lina", "我的")
    first = office.last_reply("lina")
    assert "共 13 项，第1/2页" in first and "我的 2" in first
    assert first.index("马上核对材料") < first.index("事项11") < first.index("事项10")
    office.say("lina", "我的 2")
    second = office.last_reply("lina")
    assert "第2/2页" in second and "事项00" in second and "事项11" not in second


def test_help_lists_every_command_and_explains_one(office):
    office.say("lina", "帮助")
    overview = office.last_reply("lina")
    for verb in ("新建", "接办", "进展", "转办", "延期", "催办", "办结", "撤销", "重办", "查询",
                 "我的", "请假", "值班"):
        assert verb in overview
    office.say("lina", "帮助 转交")
    assert "转办" in office.last_reply("lina") and "原因" in office.last_reply("lina")


def test_urgent_task_is_due_the_same_working_day(office):
    office.say("zhangwei", "急件 核对汇报材料 @李娜")

    task = _task(office)
    assert task.kind == "urgent"
    assert _local(task.deadline) == datetime(2026, 11, 24, 17, 30)
    assert "（急件）" in office.last_reply("zhangwei")


def test_an_inferred_kind_is_confirmed_and_can_be_corrected(office):
    office.say("zhangwei", "新建 整理周五例会会议纪要 @李娜")

    assert _task(office).kind == "minutes"
    assert _local(_task(office).deadline) == datetime(2026, 11, 26, 17, 30)
    assert "识别为「会议纪要」" in office.last_reply("zhangwei")

    office.say("zhangwei", "类型 #1 一般件")

    task = _task(office)
    assert task.kind == "general" and _local(task.deadline) == datetime(2026, 12, 4, 17, 30)
    assert "类型已改为「一般件」" in office.last_reply("lina")


def test_an_assignment_without_deadline_is_refused(office):
    office.say("zhoujianguo", "交办 研究明年工作要点 @张伟")

    assert "期限由交办人确定" in office.last_reply("zhoujianguo")
    with office.rt.sessions() as session:
        assert session.scalar(select(Task.id)) is None


def test_a_deadline_in_the_past_is_refused_with_the_reason(office):
    office.say("zhangwei", "新建 补报材料 @李娜 今天上午8点")
    assert office.last_reply("zhangwei").startswith("期限已过")
    with office.rt.sessions() as session:
        assert session.scalar(select(Task.id)) is None


def test_several_people_named_get_one_task_each(office):
    office.say("zhoujianguo", "新建 报送本科室年度总结 @张伟 @陈静 @孙丽 5天内")

    with office.rt.sessions() as session:
        holders = [t.holder.userid for t in session.scalars(select(Task).order_by(Task.id))]
    assert holders == ["zhangwei", "chenjing", "sunli"]
    for person in holders:
        assert office.card_with_button(person, "接办")
    assert len([r for r in office.replies("zhoujianguo") if "已创建任务" in r]) == 3


def test_other_denials_name_who_may_and_change_nothing(office):
    _assigned_to_lina(office)
    before = _events(office)

    office.say("zhangwei", "接办 #1")
    assert "无法接办：任务 #1 只有承办人（李娜）" in office.last_reply("zhangwei")
    office.say("zhangwei", "延期 #1 12月10日 我想延")
    assert "无法申请延期：任务 #1 只有承办人（李娜）可以申请延期" in office.last_reply("zhangwei")
    office.say("lina", "类型 #1 急件")
    assert "无法修改类型：任务 #1 只有提请人（张伟）" in office.last_reply("lina")
    office.say("lina", "撤销 #1 不想要了")
    assert "无法撤销：任务 #1" in office.last_reply("lina")
    for command in ("接办 #1", "延期 #1 12月10日 我想延", "类型 #1 急件", "撤销 #1 不想要了"):
        office.say("zhaolei", command)
        assert office.last_reply("zhaolei") == NOT_YOURS, command

    assert _events(office) == before
    assert _task(office).state == "pending" and _task(office).kind == "general"
    office.say("lina", "办结 #1 已完成")
    office.say("zhangwei", "撤销 #1 不需要了")
    assert "当前状态为「已办结」" in office.last_reply("zhangwei")
