"""The requester's rating of a close (好差评, product.md §6): the five levels on the card and in
chat, the reason a bad one asks for, and the supervisor's decision (重办 or 整改) on the
差评 card or in chat.

杨帆 (综合科) asks 李娜 (秘书科); 张伟 heads 秘书科, so he decides on a bad rating.
"""

from datetime import datetime

import pytest

from tasks.vocabulary import BAD_LEVELS, RATING_LEVELS

GOOD_LEVELS = [level for level in RATING_LEVELS if level not in BAD_LEVELS]
TITLE = "核对全年经费报表"


@pytest.fixture
def closed(office):
    office.say("yangfan", f"新建 {TITLE} @李娜 3天内")
    office.click("lina", "接办")
    return office.say("lina", "办结 #1 已报送办公室")


def _rated_badly(office, level: str = "不满意", reason: str = "数据与财务科报表不一致"):
    office.click("yangfan", level)
    return office.say("yangfan", reason)


def test_a_close_asks_the_requester_once_with_the_five_levels(office, closed):
    [card] = closed.cards("yangfan")
    assert (card.title, card.subtitle) == (
        "请评价任务 #1", f"{TITLE}｜李娜 已办结，请对办理结果作出评价")
    assert [b.label for b in card.buttons] == list(RATING_LEVELS)
    assert [b.key for b in card.buttons] == [f"rate.{n}:1" for n in range(1, 6)]
    assert dict((f.label, f.value) for f in card.fields)["评价期限"] == "11月27日 17:30 前"
    assert [c.title for c in office.channel.cards("yangfan")] == ["请评价任务 #1"]


def test_nobody_rates_their_own_work(office):
    office.say("lina", "新建 整理本周文件")
    sent = office.say("lina", "办结 #1 已整理")
    assert not sent.cards("lina") and sent.to("lina") == ["任务 #1 已办结，感谢！"]
    assert office.say("lina", "评价 #1 满意").to("lina") == [
        "任务 #1 是提请人本人承办或办结的，无需评价。"]


@pytest.mark.parametrize("press", ["click", "say"])
@pytest.mark.parametrize("level", GOOD_LEVELS)
def test_a_good_rating_thanks_the_requester_and_tells_the_holder(office, closed, level, press):
    sent = (office.click("yangfan", level) if press == "click"
            else office.say("yangfan", f"评价 #1 {level}"))

    assert sent.to("yangfan") == [f"感谢评价！任务 #1「{TITLE}」评价为「{level}」，已告知承办人。"]
    assert sent.to("lina") == [f"任务 #1「{TITLE}」的提请人 杨帆 评价为「{level}」。"]
    assert sent.recipients() == {"yangfan", "lina"}, "no supervisor hears of a good rating"
    assert office.history()[-1] == ("rated", "yangfan", "card" if press == "click" else "chat",
                                    level)
    assert office.channel.cards("yangfan")[0].status == f"已评价：{level}"
    assert office.say("yangfan", f"评价 #1 {level}").to("yangfan") == [
        f"你已评价过任务 #1（{level}），每次办结只能评价一次，感谢！"]


@pytest.mark.parametrize("level", BAD_LEVELS)
def test_a_bad_rating_asks_for_a_reason_then_goes_to_the_supervisor(office, closed, level):
    clicked = office.click("yangfan", level)

    assert clicked.to("yangfan") == [
        f"已记录你对任务 #1 的评价「{level}」。请直接回复不满意的原因"
        f"（你的下一条消息即作为原因），也可发送「评价 #1 {level} 原因」。"]
    assert clicked.recipients() == {"yangfan"}, "nobody else hears before the reason"
    assert office.channel.cards("yangfan")[0].status == f"已评价：{level}"

    reason = office.say("yangfan", "数据与财务科报表不一致")

    assert reason.to("yangfan") == [
        f"已记录你对任务 #1 的评价「{level}」及原因，并告知承办人和张伟，将决定重办或整改。"]
    assert reason.to("lina") == [f"任务 #1「{TITLE}」的提请人 杨帆 评价为「{level}」，原因：数据与"
                                 "财务科报表不一致。科室负责人将决定重办或整改。"]
    [notice] = reason.to("zhangwei")
    assert notice.startswith(
        f"【办而不力提示】任务 #1「{TITLE}」（承办人 李娜）办结后，提请人 杨帆 "
        f"评价为「{level}」，原因：数据与财务科报表不一致。")
    [card] = reason.cards("zhangwei")
    assert card.title == "差评待处理 #1" and [b.label for b in card.buttons] == ["重办", "整改"]
    assert [a for a, *_ in office.history()][-2:] == ["rated", "rating_reason"]


def test_a_bad_rating_with_its_reason_in_chat_goes_straight_to_the_supervisor(office, closed):
    sent = office.say("yangfan", "评价 #1 非常不满意 材料缺页")
    assert "及原因" in sent.reply("yangfan")
    assert [c.title for c in sent.cards("zhangwei")] == ["差评待处理 #1"]
    assert office.history()[-1] == ("rated", "yangfan", "chat", "非常不满意：材料缺页")


def test_the_redo_button_sends_the_task_back_to_the_same_holder(office, closed):
    _rated_badly(office)
    sent = office.click("zhangwei", "重办")

    assert sent.to("zhangwei") == [
        "已将任务 #1 退回 李娜 重办，期限 12月4日 17:30 周五（剩余10天8小时）。"]
    assert sent.to("lina")[0].startswith(
        f"张伟 要求重办任务 #1「{TITLE}」，"
        "原因：提请人杨帆评价「不满意」：数据与财务科报表不一致。")
    assert [c.title for c in sent.cards("lina")] == ["重办 #1"]
    task = office.task()
    assert (task.state, task.holder, task.reopen_count, task.deadline) == (
        "pending", "lina", 1, datetime(2026, 12, 4, 17, 30))
    assert office.history()[-1][:3] == ("reopened", "zhangwei", "card")
    assert office.channel.cards("zhangwei")[-1].status == "已安排重办（张伟）"
    again = office.say("zhangwei", "整改 #1")
    assert "无需重复处理" in again.reply("zhangwei")


@pytest.mark.parametrize(("press", "deadline"), [
    (("click", "整改"), datetime(2026, 12, 4, 17, 30)),
    (("say", "整改 #1 3个工作日内 按规范重新核对数据"), datetime(2026, 11, 27, 17, 30)),
])
def test_rectification_opens_a_followup_task_and_the_original_stays_closed(
        office, closed, press, deadline):
    _rated_badly(office, "非常不满意", "材料缺页")
    how, what = press
    sent = getattr(office, how)("zhangwei", what)

    assert sent.to("zhangwei")[0].startswith(
        "已为任务 #1 安排整改：整改任务 #2 由 李娜 承办，期限 ")
    assert sent.to("yangfan")[0].startswith(
        f"张伟 就任务 #1「{TITLE}」的差评安排整改，已建整改任务 #2「整改：{TITLE}（#1）」")
    assert [c.title for c in sent.cards("lina")] == ["新任务 #2"]
    followup = office.task(2)
    assert (followup.state, followup.holder, followup.requester, followup.deadline) == (
        "pending", "lina", "zhangwei", deadline)
    assert office.task(1).state == "closed"
    assert office.history(1)[-1][:3] == ("rectification", "zhangwei", "card" if how == "click"
                                         else "chat")
    assert office.channel.cards("zhangwei")[-1].status == "已安排整改 #2（张伟）"
    details = office.say("zhangwei", "查询 #1").reply("zhangwei")
    assert "评价：非常不满意（原因：材料缺页），已安排整改 #2" in details


def test_rectification_without_a_bad_rating_is_refused(office, closed):
    office.click("yangfan", "满意")
    before = office.state()
    assert "没有待处理的差评" in office.say("zhangwei", "整改 #1").reply("zhangwei")
    assert office.state() == before


def test_rating_an_open_or_cancelled_task_is_refused(office):
    office.say("yangfan", f"新建 {TITLE} @李娜 3天内")
    assert office.say("yangfan", "评价 #1 满意").to("yangfan") == [
        "任务 #1 当前为「待接办」，办结后才能评价。"]
    office.say("yangfan", "撤销 #1 不需要了")
    assert office.say("yangfan", "评价 #1 满意").to("yangfan") == ["任务 #1 已撤销，无需评价。"]
