"""The read-only answers and the buttons that only answer: 查询, 我的, 帮助, the hint buttons
of the offer and 催办 cards, and what a message the assistant cannot use is told."""

import pytest

from tasks.messaging.inbound import CardAction
from tasks.presentation.replies import ANSWER_HINTS
from tasks.verbs.registry import REGISTRY


def _assigned(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")


def test_query_shows_the_task_and_its_history_as_markdown(office):
    _assigned(office)
    office.click("lina", "接办")
    office.say("lina", "进展 #1 初稿已完成")
    sent = office.say("lina", "查询 #1")

    details = sent.reply("lina")
    assert [r.kind for r in sent.rows] == ["markdown"]
    assert details.startswith("**任务 #1** 起草年度工作总结\n> 类型：一般件\n> 状态：办理中\n"
                              "> 提请人：张伟\n> 承办人：李娜\n> 首问责任人：李娜\n")
    history = details.split("**办理经过**\n", 1)[1].split("\n")
    assert history == ["11月24日 09:00 张伟 创建：起草年度工作总结",
                       "11月24日 09:00 李娜 接办（卡片）",
                       "11月24日 09:00 李娜 报告进展：初稿已完成"]
    assert office.channel.received[-1].kind == "markdown"


def test_query_of_a_task_that_does_not_exist(office):
    assert office.say("lina", "查询 #99").to("lina") == [
        "没有找到与你有关的任务 #99，请发送「我的」查看你的任务编号。"]


def test_my_tasks_are_listed_most_urgent_first_a_page_at_a_time(office):
    assert office.say("lina", "我的").to("lina") == ["你目前没有待办任务。"]
    for n in range(12):
        office.say("zhangwei", f"新建 事项{n:02d} @李娜 {12 - n}天内")
    office.say("zhangwei", "急件 马上核对材料 @李娜")

    first = office.say("lina", "我的").reply("lina")
    assert first.startswith("**我的待办**（共 13 项，第1/2页，按紧急程度排列）\n"
                            "> [#13](http://127.0.0.1:8000/m/tasks/13?p=wecom) 马上核对材料\n")
    assert first.endswith("\n也可[在工作台办理](http://127.0.0.1:8000/m/?p=wecom)。")
    assert first.index("事项11") < first.index("事项10") and "发送「我的 2」查看下一页。" in first
    second = office.say("lina", "我的 2").reply("lina")
    assert "第2/2页" in second and "事项00" in second and "事项11" not in second
    assert office.say("lina", "我的 3").to("lina") == ["没有第3页，你的待办共 2 页。"]


def test_help_lists_every_verb(office):
    overview = office.say("lina", "帮助").reply("lina")
    assert overview.startswith("**马上办 · 指令一览**")
    assert all(f"· **{verb}**：" in overview for verb in (v.verb for v in REGISTRY.verbs))


@pytest.mark.parametrize(("asked", "verb", "who"), [
    ("帮助 转交", "转办", "谁可以用：承办人、科室负责人、突发事件的候班或督办人员、管理员。"),
    ("帮助 评价", "评价", "谁可以用：提请人。"),
    ("帮助 请假", "请假", "谁可以用：所有人。"),
])
def test_help_on_one_verb_says_who_may_use_it(office, asked, verb, who):
    lines = office.say("lina", asked).reply("lina").split("\n")
    assert lines[0].startswith(f"格式：{verb}") and lines[1] == who


def test_help_on_an_unknown_verb_says_so_and_lists_them_all(office):
    assert office.say("lina", "帮助 飞行").reply("lina").startswith(
        "没有「飞行」这个指令。\n**马上办 · 指令一览**")


def test_the_offer_cards_transfer_button_opens_the_task_pages_form(office):
    _assigned(office)
    [card] = office.channel.cards("lina")
    assert card.link == "http://127.0.0.1:8000/m/tasks/1?p=wecom"
    assert [(b.label, b.url) for b in card.buttons] == [
        ("接办", None), ("转办", "http://127.0.0.1:8000/m/tasks/1?p=wecom&form=transfer#transfer")]


def test_a_transfer_button_from_before_explains_how_and_keeps_the_card_live(office):
    _assigned(office)
    office.say("zhangwei", "类型 #1 急件")  # the redraw spends the code the sending gave
    hint = office.click("lina", "转办", sent_before=True)
    assert hint.to("lina") == [
        "转办须写明原因，请发送：转办 #1 @姓名 原因\n也可转给部门：转办 #1 @部门名 原因\n"
        '或在工作台<a href="http://127.0.0.1:8000/m/tasks/1?p=wecom&form=transfer#transfer">填写转办</a>。']
    assert [a for a, *_ in office.history()] == ["created", "kind_changed"]

    cancelled = office.say("zhangwei", "撤销 #1 不需要了")  # the click's kept code greys it
    greyed = "已撤销（11月24日 09:00）"
    assert [c.status for c in cancelled.cards("lina", "card_update")] == [greyed]
    assert office.channel.cards("lina")[0].status == greyed


@pytest.mark.parametrize("label, hint, form", [("进展", "progress", "填写进展"),
                                               ("办结", "close", "填写办结"),
                                               ("延期", "extend", "申请延期")])
def test_the_chase_cards_buttons_open_the_form_or_from_before_say_what_to_type(
        office, label, hint, form):
    _assigned(office)
    office.say("zhangwei", "催办 #1 请尽快")
    [url] = [b.url for b in office.channel.cards("lina")[-1].buttons if b.label == label]
    assert url == f"http://127.0.0.1:8000/m/tasks/1?p=wecom&form={hint}#{hint}"
    before = office.state()
    sent = office.click("lina", label, title="催办", sent_before=True)
    assert sent.to("lina") == [f'{ANSWER_HINTS[hint].format(n=1)}\n或在工作台<a href="{url}">'
                               f"{form}</a>。"]
    assert not [r for r in sent.rows if r.card]
    changed = {name for name, rows in office.state().items() if rows != before[name]}
    assert changed == {"cards"}, "only the click's fresh update code is kept"


def test_a_message_the_assistant_cannot_read_is_answered_with_an_example(office):
    reply = office.say("lina", "今天天气不错").reply("lina")
    assert reply.startswith("没有看懂：") and reply.endswith("发送「帮助」查看全部指令。")


def test_someone_not_in_the_directory_is_told_to_ask_the_admin(office):
    assert office.say("stranger", "我的").to("stranger") == [
        "通讯录中还没有你的信息，请联系管理员同步通讯录后再试。"]
    assert office.replies("stranger") == ["通讯录中还没有你的信息，请联系管理员同步通讯录后再试。"]


@pytest.mark.parametrize(("card_id", "key", "answer"), [
    ("unknown-card", "accept:1", "这张卡片已失效，请发送「我的」查看当前任务。"),
    (None, "accept:2", "这张卡片已失效，请发送「我的」查看当前任务。"),
    (None, "dance:1", "这个按钮暂不支持，请发送「帮助」查看可用指令。"),
])
def test_a_press_on_a_stale_card_or_an_unknown_button_changes_nothing(office, card_id, key,
                                                                      answer):
    _assigned(office)
    before = office.state()
    card_id = card_id or office.channel.cards("lina")[0].card_id
    sent = office.handle(CardAction(key="x1", sender="lina", card_id=card_id, action=key,
                                    response_code="code-x"))
    assert sent.to("lina") == [answer]
    assert office.state() == before
