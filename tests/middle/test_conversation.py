"""Issue 12, the conversation half: slips refused with the nearest verb, natural requests on a
confirmation card (创建 once, 修改说明, 取消, stale), acknowledgements that never accept,
and verbs written after the task number. 张伟 asks 李娜 unless a test says otherwise."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tasks.models import PendingRequest, Task

REQUEST = "李娜，麻烦把会议纪要整理一下 明天下班前"


def _tasks(office) -> int:
    with office.sessions() as session:
        return session.scalar(select(func.count()).select_from(Task)) or 0


def _request_card(office, userid: str = "zhangwei"):
    [card] = [c for c in office.channel.cards(userid) if c.title == "要创建这个任务吗？"]
    return card


# ---- natural requests ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "holders", "title", "deadline"), [
    (REQUEST, "李娜", "会议纪要整理", "11月25日"),
    ("帮我把这个事情跟进一下 @李娜 周五前", "李娜", "这个事情跟进", "11月27日"),
    ("@李娜 请核对值班表 明天下午5点前", "李娜", "核对值班表", "11月25日 17:00"),
    ("这份材料交给马骏办 周五前", "马骏", "这份材料", "11月27日"),
    ("@李娜 @马骏 麻烦准备会议室", "李娜、马骏", "准备会议室", "默认"),
])
def test_a_natural_request_is_shown_on_a_card_and_not_created(office, text, holders, title,
                                                             deadline):
    sent = office.say("zhangwei", text)

    assert _tasks(office) == 0, "nothing is created before 创建"
    [card] = sent.cards("zhangwei")
    fields = {f.label: f.value for f in card.fields}
    assert (fields["承办人"], card.subtitle) == (holders, title)
    assert deadline in fields["期限"]
    assert fields["类型"]
    assert [b.label for b in card.buttons] == ["创建", "修改说明", "取消"]
    assert sent.to("lina") == [] and sent.cards("lina") == []


def test_create_makes_exactly_what_the_card_showed_once(office):
    office.say("zhangwei", REQUEST)
    sent = office.click("zhangwei", "创建")

    assert _tasks(office) == 1
    task = office.task(1)
    assert (task.holder, task.requester, task.deadline) == (
        "lina", "zhangwei", datetime(2026, 11, 25, 17, 30))
    assert [c.title for c in sent.cards("lina")] == ["新任务 #1"]
    assert _request_card(office).status == "已创建 #1"

    again = office.click("zhangwei", "创建")
    assert _tasks(office) == 1, "a second press creates nothing"
    assert again.reply("zhangwei") == "这张卡片已创建，不会重复处理。"


def test_several_holders_create_one_task_each(office):
    office.say("zhangwei", "@李娜 @马骏 麻烦准备会议室 明天")
    office.click("zhangwei", "创建")
    assert (office.task(1).holder, office.task(2).holder) == ("lina", "majun")
    assert _request_card(office).status == "已创建 #1、#2"


def test_rephrase_answers_with_the_command_and_keeps_the_card(office):
    office.say("zhangwei", REQUEST)
    sent = office.click("zhangwei", "修改说明")

    assert "新建 会议纪要整理 @李娜 明天下班前" in sent.reply("zhangwei")
    assert _tasks(office) == 0 and _request_card(office).status is None
    office.click("zhangwei", "创建")
    assert _tasks(office) == 1


def test_cancel_greys_the_card_and_creates_nothing(office):
    office.say("zhangwei", REQUEST)
    sent = office.click("zhangwei", "取消")

    assert sent.reply("zhangwei") == "已取消，没有创建任务。"
    assert _request_card(office).status == "已取消，没有创建任务"
    office.click("zhangwei", "创建")
    assert _tasks(office) == 0


def test_a_stale_card_is_refused_politely(office):
    office.say("zhangwei", REQUEST)
    office.clock.advance(days=1, hours=1)
    sent = office.click("zhangwei", "创建")

    assert _tasks(office) == 0
    assert "已过期" in sent.reply("zhangwei")
    assert "新建 会议纪要整理 @李娜 明天下班前" in sent.reply("zhangwei")
    with office.sessions() as session:
        assert session.scalar(select(PendingRequest.state)) == "cancelled"


def test_only_the_writer_may_press_the_card(office):
    office.say("zhangwei", REQUEST)
    [card] = office.channel.cards("zhangwei")
    from tasks.messaging.inbound import CardAction
    sent = office.handle(CardAction(key="x1", sender="lina", card_id=card.card_id,
                                    action=card.buttons[0].key, response_code=None))
    assert _tasks(office) == 0 and "失效" in sent.reply("lina")


@pytest.mark.parametrize("text", [
    "李娜 你好", "@李娜 你好", "今天天气不错", "帮我看看", "会议纪要整理一下 明天下班前",
])
def test_words_that_do_not_ask_someone_for_work_get_no_card(office, text):
    sent = office.say("zhangwei", text)
    assert sent.cards("zhangwei") == [] and _tasks(office) == 0
    assert sent.reply("zhangwei").startswith("没有看懂：")


def test_an_ambiguous_name_without_at_is_asked_not_guessed(office):
    sent = office.say("zhangwei", "王芳，麻烦把会议纪要整理一下")
    assert sent.cards("zhangwei") == [] and _tasks(office) == 0
    assert "2位「王芳」" in sent.reply("zhangwei") and "@wangfang2" in sent.reply("zhangwei")


# ---- several holders written without every @ (table row 12) -------------------------------

def test_a_name_after_a_mention_is_another_holder(office):
    office.say("zhangwei", "新建 起草年终总结 @李娜 马骏 明天")
    assert (office.task(1).holder, office.task(2).holder) == ("lina", "majun")
    with office.sessions() as session:
        assert {t.title for t in session.scalars(select(Task))} == {"起草年终总结"}


def test_row_12_wang_fang_is_read_as_a_holder_and_asked_about(office):
    sent = office.say("zhangwei", "新建 起草年终总结 @李娜 王芳 明天")
    reply = sent.reply("zhangwei")
    assert _tasks(office) == 0, "王芳 is a holder (two people bear the name), not the title"
    assert "@wangfang" in reply and "@wangfang2" in reply


# ---- acknowledgements (table row 14) ------------------------------------------------------

@pytest.mark.parametrize("word", ["收到", "好的", "明白", "马上办", "在办", "收到！"])
def test_one_waiting_task_is_offered_with_one_button_and_not_accepted(office, word):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    sent = office.say("lina", word)

    [card] = sent.cards("lina")
    assert card.title == "接办 #1？" and [b.label for b in card.buttons] == ["接办"]
    assert office.task(1).state == "pending"
    office.click("lina", "接办", title="接办 #1？")
    assert office.task(1).state == "accepted"


def test_several_waiting_tasks_are_each_offered(office):
    for title in ("起草通知", "核对报表", "整理纪要"):
        office.say("zhangwei", f"新建 {title} @李娜 3天内")
    sent = office.say("lina", "收到")

    assert "有3个任务等你接办" in sent.reply("lina")
    assert [c.title for c in sent.cards("lina")] == ["待接办 #1", "待接办 #2", "待接办 #3"]
    assert {office.task(n).state for n in (1, 2, 3)} == {"pending"}


def test_an_acknowledgement_with_a_number_offers_that_task(office):
    for title in ("起草通知", "核对报表"):
        office.say("zhangwei", f"新建 {title} @李娜 3天内")
    sent = office.say("lina", "收到 2号")
    assert [c.title for c in sent.cards("lina")] == ["接办 #2？"]
    assert office.task(2).state == "pending"


def test_nothing_waiting_gets_a_friendly_answer(office):
    sent = office.say("lina", "收到")
    assert sent.reply("lina") == "好的。目前没有等你接办的任务，发送「我的」查看手上的任务。"
    assert "没有看懂" not in sent.reply("lina")


# ---- the verb after the number ------------------------------------------------------------

@pytest.mark.parametrize("text", ["已办结 #1 材料已报", "#1 办完了，材料已报",
                                  "1号任务办结 材料已报", "#1 已办结 材料已报"])
def test_a_close_written_in_chat_order_closes(office, text):
    office.say("zhangwei", "新建 报送材料 @李娜 3天内")
    office.say("lina", "接办 #1")
    office.say("lina", text)
    task = office.task(1)
    assert (task.state, task.result) == ("closed", "材料已报")


# ---- slips (typo table) -------------------------------------------------------------------
# A slip in a time word (名天下午) is the deadline reader's refusal: tests/middle/test_deadlines.py.

@pytest.mark.parametrize(("text", "meant", "corrected"), [
    ("新健 起草通知 @李娜 3天内", "新建", "新建 起草通知 @李娜 3天内"),
    ("办洁 #1 材料已报", "办结", "办结 #1 材料已报"),
    ("接半 #1", "接办", "接办 #1"),
    ("结办 #1 材料已报", "办结", "办结 #1 材料已报"),
    ("专办 #1 @马骏 归他办", "转办", "转办 #1 @马骏 归他办"),
])
def test_a_slip_is_refused_with_the_nearest_verb_and_nothing_changes(office, text, meant,
                                                                      corrected):
    office.say("zhangwei", "新建 报送材料 @李娜 3天内")
    before = office.state()
    sender = "zhangwei" if text.startswith("新健") else "lina"
    reply = office.say(sender, text).reply(sender)

    assert f"「{meant}」" in reply and f"请改为：{corrected}" in reply
    assert reply.count("没有看懂") == 1
    changed = {name for name, rows in office.state().items() if rows != before[name]}
    assert changed <= {"inbox", "outbox"}


def test_the_not_understood_reply_is_one_line_and_an_example(office):
    reply = office.say("lina", "asdf").reply("lina")
    assert reply.splitlines() == [
        "没有看懂：「asdf」",
        "可以这样写：新建 整理会议纪要 @李娜 明天下午5点前；发送「帮助」查看全部指令。"]
