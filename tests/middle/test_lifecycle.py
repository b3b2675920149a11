"""Every transition of a task (product.md §3) through `flows.handle`: the replies each person
is queued, the task's state and audit log, and what each recipient receives.

张伟 (head of 秘书科) asks 李娜 (秘书科) for work unless a test says otherwise; see
tests/seeded_office.py for the office.
"""

from datetime import datetime

import pytest

TITLE = "起草年度工作总结"
DUE = "11月27日 17:30 周五（剩余3天8小时）"


def _assigned(office, text: str = f"新建 {TITLE} @李娜 3天内"):
    return office.say("zhangwei", text)


def _accepted(office):
    _assigned(office)
    office.say("lina", "接办 #1")


@pytest.mark.parametrize(("text", "kind", "label", "deadline"), [
    (f"新建 {TITLE} @李娜 3天内", "general", "一般件", datetime(2026, 11, 27, 17, 30)),
    (f"交办 {TITLE} @李娜 明天下午5点前", "assigned", "交办事项", datetime(2026, 11, 25, 17)),
    (f"急件 {TITLE} @李娜", "urgent", "急件", datetime(2026, 11, 24, 17, 30)),
])
def test_a_task_for_a_person_reaches_them_as_a_card(office, text, kind, label, deadline):
    sent = office.say("zhangwei", text)

    assert sent.recipients() == {"zhangwei"}
    reply = sent.reply("zhangwei")
    assert reply.startswith(f"已创建任务 #1「{TITLE}」（{label}），承办：李娜，期限 ")
    assert [c.title for c in sent.cards("lina")] == ["新任务 #1"]
    task = office.task()
    assert (task.state, task.kind, task.holder, task.first_responder, task.deadline) == (
        "pending", kind, "lina", "lina", deadline)
    assert office.history() == [("created", "zhangwei", "chat", TITLE)]
    [card] = office.channel.cards("lina")
    assert card.subtitle == TITLE and card.status is None
    assert [(b.label, b.key) for b in card.buttons] == [
        ("接办", "accept:1"), ("转办", "transfer:1")]
    assert dict((f.label, f.value) for f in card.fields)["提请人"] == "张伟"
    assert office.replies("zhangwei") == [reply]


def test_an_assignment_needs_a_deadline_and_creates_nothing(office):
    before = office.state()
    sent = office.say("zhoujianguo", "交办 研究明年工作要点 @张伟")
    assert "期限由交办人确定" in sent.reply("zhoujianguo")
    assert sent.recipients() == {"zhoujianguo"} and not sent.cards("zhangwei")
    assert office.state() == before


def test_a_guessed_kind_is_said_and_corrected_with_its_deadline(office):
    sent = office.say("zhangwei", "新建 整理周五例会会议纪要 @李娜")
    assert ("根据内容识别为「会议纪要」；如不对，请发送「类型 #1 一般件」修改。"
            in sent.reply("zhangwei"))
    assert office.task().deadline == datetime(2026, 11, 26, 17, 30)

    sent = office.say("zhangwei", "类型 #1 一般件")

    text = "任务 #1 的类型已改为「一般件」，期限 12月4日 17:30 周五（剩余10天8小时）。"
    assert sent.to("zhangwei") == [text] and sent.to("lina") == [text]
    assert [c.fields[2].value for c in sent.cards("lina", "card_update")] == ["一般件"]
    assert (office.task().kind, office.task().deadline) == (
        "general", datetime(2026, 12, 4, 17, 30))
    assert office.history()[-1] == ("kind_changed", "zhangwei", "chat", "一般件")
    assert office.channel.cards("lina")[0].fields[2].value == "一般件"


def test_naming_nobody_makes_it_the_senders_own_task(office):
    sent = office.say("lina", "新建 整理本周文件")
    assert office.task().holder == "lina" and office.task().requester == "lina"
    assert "承办：李娜" in sent.reply("lina") and sent.cards("lina")


def test_naming_several_people_makes_one_task_each(office):
    sent = office.say("zhoujianguo", "新建 报送本科室年度总结 @张伟 @陈静 @孙丽 5天内")
    assert [t[:8] for t in sent.to("zhoujianguo")] == [
        "已创建任务 #1", "已创建任务 #2", "已创建任务 #3"]
    assert [office.task(n).holder for n in (1, 2, 3)] == ["zhangwei", "chenjing", "sunli"]
    for number, person in enumerate(("zhangwei", "chenjing", "sunli"), 1):
        assert [c.title for c in office.channel.cards(person)] == [f"新任务 #{number}"]


@pytest.mark.parametrize(("press", "channel"), [(("say", "接办 #1"), "chat"),
                                                (("click", "接办"), "card")])
def test_accepting_tells_the_requester_and_greys_the_card(office, press, channel):
    _assigned(office)
    how, what = press
    sent = getattr(office, how)("lina", what)

    assert sent.to("lina") == [f"已接办任务 #1，期限 {DUE}。"]
    assert sent.to("zhangwei") == ["李娜（秘书科，@lina） 已接办任务 #1「起草年度工作总结」。"]
    [card] = sent.cards("lina", "card_update")
    assert (card.title, card.status) == ("任务 #1（办理中）", "已由李娜接办")
    assert (office.task().state, office.task().holder) == ("accepted", "lina")
    assert office.history()[-1] == ("accepted", "lina", channel, "")
    assert office.channel.cards("lina")[0].status == "已由李娜接办"
    assert office.last_reply("zhangwei") == sent.to("zhangwei")[0]

    again = office.say("lina", "接办 #1")
    assert again.to("lina") == ["你已接办任务 #1，无需重复接办。"]


def test_progress_reaches_the_requester_once_accepted(office):
    _assigned(office)
    assert office.say("lina", "进展 #1 初稿已完成一半").to("lina") == [
        "任务 #1 当前状态为「待接办」，只有「办理中」的任务可以报告进展。"]
    assert not office.task().progressed
    office.say("lina", "接办 #1")

    sent = office.say("lina", "进展 #1 初稿已完成一半")

    assert sent.to("zhangwei") == ["任务 #1「起草年度工作总结」进展（李娜）：初稿已完成一半"]
    assert sent.to("lina") == ["已记录任务 #1 的进展，并告知提请人 张伟。"]
    assert office.task().progressed
    assert office.history()[-1] == ("progress", "lina", "chat", "初稿已完成一半")


def test_closing_tells_the_requester_asks_a_rating_and_greys_the_card(office):
    _accepted(office)
    sent = office.say("lina", "办结 #1 已报送办公室")

    assert sent.to("lina") == ["任务 #1 已办结，感谢！"]
    assert sent.to("zhangwei") == [
        "任务 #1「起草年度工作总结」已由 李娜 办结。\n办理结果：已报送办公室"]
    assert [c.title for c in sent.cards("zhangwei")] == ["请评价任务 #1"]
    assert not sent.cards("lina", "card_update"), "accepting spent the card's one update"
    assert office.channel.cards("lina")[0].status == "已由李娜接办"
    task = office.task()
    assert (task.state, task.result) == ("closed", "已报送办公室")
    assert office.history()[-1] == ("closed", "lina", "chat", "已报送办公室")
    assert office.say("lina", "办结 #1 再办一次").to("lina") == [
        "任务 #1 当前状态为「已办结」，只有「待接办」或「办理中」的任务可以办结。"]


def test_a_transfer_to_a_person_needs_a_reason_and_keeps_the_first_responder(office):
    _assigned(office)
    assert "原因" in office.say("lina", "转办 #1 @杨帆").reply("lina")
    assert office.task().transfer_count == 0

    sent = office.say("lina", "转办 #1 @杨帆 该事项归综合科办理")

    assert sent.to("lina") == ["已将任务 #1 转办给 杨帆，并告知提请人和首问责任人。"]
    assert sent.to("yangfan") == [
        "李娜 将任务 #1「起草年度工作总结」转给你办理，原因：该事项归综合科办理。请尽快接办。"]
    assert sent.to("zhangwei") == [
        "任务 #1「起草年度工作总结」已由 李娜 转办给 杨帆（综合科，@yangfan）。"
        "\n原因：该事项归综合科办理\n如有疑问可直接联系新的承办人。"]
    assert [c.title for c in sent.cards("yangfan")] == ["新任务 #1"]
    assert [c.status for c in sent.cards("lina", "card_update")] == ["已转办给杨帆"]
    task = office.task()
    assert (task.state, task.holder, task.first_responder, task.transfer_count) == (
        "pending", "yangfan", "lina", 1)
    assert office.history()[-1] == ("transferred", "lina", "chat", "该事项归综合科办理")

    office.click("yangfan", "接办")
    closed = office.say("yangfan", "办结 #1 已完成")
    assert closed.to("lina") == closed.to("zhangwei") == [
        "任务 #1「起草年度工作总结」已由 杨帆 办结。\n办理结果：已完成"]


def test_a_transfer_to_a_department_is_claimed_by_the_first_to_accept(office):
    _assigned(office)
    sent = office.say("lina", "转办 #1 @综合科 属综合科职责")

    members = ("chenjing", "yangfan", "zhaolei")
    assert all([c.title for c in sent.cards(m)] == ["新任务 #1"] for m in members)
    assert (office.task().holder, office.task().department) == (None, "综合科")
    assert "转办给 综合科（待认领）" in sent.reply("zhangwei")

    claimed = office.click("zhaolei", "接办")

    assert {c.status for m in members for c in claimed.cards(m, "card_update")} == {"已由赵磊接办"}
    assert office.task().holder == "zhaolei"
    assert office.say("yangfan", "接办 #1").to("yangfan") == ["任务 #1 已由 赵磊 接办。"]
    assert all(office.channel.cards(m)[-1].status == "已由赵磊接办" for m in members)


def test_an_extension_is_decided_by_the_supervisor_and_keeps_the_original(office):
    _accepted(office)
    sent = office.say("lina", "延期 #1 12月10日 需等待财务数据")

    assert sent.to("lina") == ["已提交任务 #1 的延期申请，等待 张伟 审批。"]
    assert sent.to("zhangwei") == [
        "李娜 申请将任务 #1「起草年度工作总结」的期限由 11月27日 17:30 延至 12月10日 17:30。\n"
        "原因：需等待财务数据\n同意请回复「同意延期 #1」，不同意请回复「不同意延期 #1 原因」。\n"
        '也可<a href="http://127.0.0.1:8000/m/tasks/1?p=wecom&form=decide#decide">在工作台审批</a>。']
    assert office.task().deadline == datetime(2026, 11, 27, 17, 30), "nothing moves yet"
    assert "已有一项延期申请待审批" in office.say("lina", "延期 #1 12月11日 再晚点").reply("lina")

    decided = office.say("zhangwei", "同意延期 #1")

    assert decided.to("zhangwei") == ["已同意任务 #1 的延期申请，已告知李娜。"]
    assert decided.to("lina") == [
        "张伟 同意了任务 #1 的延期申请，新期限 12月10日 17:30（原期限保留在记录中）。"]
    task = office.task()
    assert (task.deadline, task.original_deadline) == (
        datetime(2026, 12, 10, 17, 30), datetime(2026, 11, 27, 17, 30))
    assert [a for a, *_ in office.history()][-2:] == ["extension_requested", "extension_approved"]
    assert "没有待审批的延期申请" in office.say("zhangwei", "同意延期 #1").reply("zhangwei")


def test_a_refused_extension_needs_a_reason_and_moves_nothing(office):
    _accepted(office)
    office.say("lina", "延期 #1 12月10日 需等待财务数据")
    assert "原因" in office.say("zhangwei", "不同意延期 #1").reply("zhangwei")

    sent = office.say("zhangwei", "不同意延期 #1 年底前必须报送")

    assert sent.to("lina") == [
        "张伟 不同意任务 #1 的延期申请，原因：年底前必须报送。期限仍为 11月27日 17:30。"]
    assert sent.to("zhangwei") == ["已不同意任务 #1 的延期申请，已告知李娜。"]
    assert office.task().deadline == datetime(2026, 11, 27, 17, 30)
    assert office.history()[-1] == ("extension_refused", "zhangwei", "chat", "年底前必须报送")


@pytest.mark.parametrize(("text", "refusal"), [
    ("延期 #1 明天 来不及", "新期限应晚于现有期限 11月27日 17:30，否则无需延期。"),
    ("延期 #1 12月10日", "原因"),
])
def test_an_extension_to_an_earlier_date_or_without_a_reason_is_refused(office, text, refusal):
    _accepted(office)
    before = office.state()
    assert refusal in office.say("lina", text).reply("lina")
    assert office.state() == before


def test_a_chase_sends_the_holder_a_card_and_their_answer_closes_the_loop(office):
    _assigned(office)
    sent = office.say("zhoujianguo", "催办 #1 请今天下班前报送")

    assert sent.to("zhoujianguo") == ["已向 李娜 催办任务 #1，对方回复后会告诉你。"]
    [card] = sent.cards("lina")
    assert (card.title, card.subtitle) == (
        "催办 #1", "起草年度工作总结｜周建国催办：请今天下班前报送")
    assert [b.label for b in card.buttons] == ["进展", "办结", "延期"]
    assert office.history()[-1] == ("chased", "zhoujianguo", "chat", "请今天下班前报送")

    office.say("lina", "接办 #1")
    answered = office.say("lina", "进展 #1 初稿已完成")
    assert answered.to("zhoujianguo") == [
        "李娜 已回复你对任务 #1「起草年度工作总结」的催办：进展：初稿已完成"]
    assert not office.say("lina", "进展 #1 已报送").to("zhoujianguo"), "answered once"
    assert office.click("lina", "办结", title="催办", sent_before=True).to("lina")[0].startswith(
        "请发送：办结 #1 办理结果（例如：办结 #1 已报送办公室）\n或在工作台")
    office.say("lina", "办结 #1 已报送")
    chase = [c for c in office.channel.cards("lina") if c.title == "催办 #1"]
    assert [c.status for c in chase] == ["已办结（11月24日 09:00）"]


def test_reopening_sends_the_closed_task_back_with_a_new_deadline(office):
    _accepted(office)
    office.say("lina", "办结 #1 已报送")
    sent = office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")

    assert sent.to("lina") == [
        "张伟 要求重办任务 #1「起草年度工作总结」，原因：数据有误需重新核对。\n"
        "期限 11月29日 17:30 周日（剩余5天8小时），请重新接办。"]
    assert sent.to("zhangwei") == [
        "已将任务 #1 退回 李娜 重办，期限 11月29日 17:30 周日（剩余5天8小时）。\n"
        "注意：11月29日为周日（休息日），期限已按所写保留。如需改到工作时间，"
        "请点卡片上的「改为11月27日」，期限将改为 11月27日（周五）17:30。"]
    assert [c.title for c in sent.cards("lina")] == ["重办 #1"]
    task = office.task()
    assert (task.state, task.reopen_count, task.result, task.deadline) == (
        "pending", 1, None, datetime(2026, 11, 29, 17, 30))
    assert ("reopened", "zhangwei", "chat", "数据有误需重新核对") in office.history()
    again = office.say("zhangwei", "重办 #1 3天内 再来")
    assert "只有「已办结」的任务可以重办" in again.reply("zhangwei")


def test_cancelling_needs_a_reason_and_tells_the_holder(office):
    _assigned(office)
    assert "原因" in office.say("zhangwei", "撤销 #1").reply("zhangwei")
    sent = office.say("zhangwei", "撤销 #1 会议已取消")

    assert sent.to("zhangwei") == ["已撤销任务 #1。"]
    assert sent.to("lina") == [
        "任务 #1「起草年度工作总结」已由 张伟 撤销，原因：会议已取消。无需再办理。"]
    assert [c.status for c in sent.cards("lina", "card_update")] == ["已撤销（11月24日 09:00）"]
    assert office.task().state == "cancelled"
    assert office.history()[-1] == ("cancelled", "zhangwei", "chat", "会议已取消")
    assert office.channel.cards("lina")[0].status == "已撤销（11月24日 09:00）"


def test_a_chase_card_is_greyed_out_when_the_task_is_closed_in_chat(office):
    _assigned(office)
    office.say("zhoujianguo", "催办 #1 请今天下班前报送")
    office.say("lina", "接办 #1")
    office.say("lina", "办结 #1 已报送")
    [chase] = [c for c in office.channel.cards("lina") if c.title == "催办 #1"]
    assert chase.status == "已办结（11月24日 09:00）"


def test_a_finished_task_is_named_by_its_state_once_in_a_refusal(office):
    """「任务 #1 已办结，…」: the state's own word, not 「已已办结」."""
    _accepted(office)
    office.say("lina", "办结 #1 已报送初稿")

    assert office.say("lina", "延期 #1 12月10日 需要数据").reply("lina") == \
        "任务 #1 已办结，不能申请延期。"
    assert office.say("zhangwei", "催办 #1").reply("zhangwei") == "任务 #1 已办结，无需催办。"
