"""The whole path through the platform's protocol: create → card → accept by click → close."""

import pytest
from sqlalchemy import func, select

from tasks.models import InboxMessage, OutboxMessage, Task, TaskEvent
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def test_create_accept_by_click_and_close(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")

    confirmation = office.last_reply("zhangwei")
    assert "#1" in confirmation and "李娜" in confirmation
    card = office.cards("lina")[-1]
    if office.platform == "wecom":  # the kind of card whose buttons call the app back
        assert office.wecom.raw_transcript("lina")[-1]["card_type"] == "button_interaction"
    fields = card.shown
    assert fields["提请人"] == "张伟" and fields["类型"] == "一般件"
    assert "剩余" in fields["期限"]
    assert card.labels == ["接办", "转办"]

    office.click("lina", "接办")

    updated = office.cards("lina")[-1]
    assert updated.disabled is True
    assert updated.status == "已由李娜接办"
    assert len(office.cards("lina")) == 1, "the card is updated in place, not sent again"
    assert "李娜（秘书科，@lina） 已接办任务 #1" in office.last_reply("zhangwei")

    office.say("lina", "办结 #1 已报送初稿")

    assert "#1" in office.last_reply("lina") and "办结" in office.last_reply("lina")
    assert "已报送初稿" in office.last_reply("zhangwei")
    with office.rt.sessions() as session:
        task = session.get(Task, 1)
        assert task.state == "closed" and task.result == "已报送初稿"
        actions = session.scalars(select(TaskEvent.action).order_by(TaskEvent.id)).all()
        assert actions == ["created", "accepted", "closed"]


def test_accepting_by_command_also_updates_the_card(office):
    office.say("zhangwei", "交办 整理会议纪要 @李娜 明天下午5点")
    office.say("lina", "接办 #1")

    card = office.cards("lina")[-1]
    assert card.disabled is True and card.status == "已由李娜接办"
    assert "李娜（秘书科，@lina） 已接办任务 #1" in office.last_reply("zhangwei")


def test_only_the_holder_may_close_and_is_named(office):
    office.say("zhangwei", "新建 准备汇报材料 @李娜 2天内")
    office.say("zhangwei", "办结 #1 我来关掉")
    office.say("zhaolei", "办结 #1 我来关掉")

    assert "无法办结：任务 #1 只有承办人（李娜）可以办结" in office.last_reply("zhangwei")
    assert office.last_reply("zhaolei") == (  # need to know: 赵磊 has no part in it
        "没有找到与你有关的任务 #1，请发送「我的」查看你的任务编号。")
    with office.rt.sessions() as session:
        assert session.get(Task, 1).state == "pending"


def test_a_second_click_on_accept_changes_nothing(office):
    office.say("zhangwei", "新建 核对来文 @李娜 2天内")
    office.click("lina", "接办")
    card = office.cards("lina")[-1]
    answer = office.press("lina", card.card_id, "accept:1")

    assert answer.ignored is True, "the platform ignores clicks on a greyed-out card"
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TaskEvent)) == 2


def test_my_tasks_lists_open_work_nearest_deadline_first(office):
    office.say("zhangwei", "新建 事项甲 @李娜 10天内")
    office.say("zhangwei", "新建 事项乙 @李娜 明天下午5点")
    office.say("lina", "我的")

    reply = office.last_reply("lina")
    assert reply.index("事项乙") < reply.index("事项甲")
    assert "2 项" in reply


def test_unknown_command_gets_help_and_changes_nothing(office):
    office.say("lina", "今天天气怎么样")

    assert "帮助" in office.last_reply("lina")
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_help_lists_the_commands(office):
    office.say("lina", "帮助")
    reply = office.last_reply("lina")
    for verb in ("新建", "接办", "办结", "我的"):
        assert verb in reply


def test_ambiguous_name_lists_the_candidates(office):
    office.say("zhangwei", "新建 整理督查台账 @王芳 3天内")

    reply = office.last_reply("zhangwei")
    assert "@wangfang" in reply and "@wangfang2" in reply
    assert "秘书科" in reply and "督查科" in reply
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_unknown_name_is_reported(office):
    office.say("zhangwei", "新建 整理台账 @诸葛亮 3天内")
    assert "没有找到「诸葛亮」" in office.last_reply("zhangwei")


def test_a_deadline_in_the_past_is_refused(office):
    office.say("zhangwei", "新建 补报材料 @李娜 2020年1月1日")
    assert "期限" in office.last_reply("zhangwei")
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_every_message_was_processed_and_every_reply_sent(office):
    office.say("zhangwei", "新建 事项丙 @李娜 3天内")
    office.click("lina", "接办")
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).where(InboxMessage.processed_at.is_(None))
                              .select_from(InboxMessage)) == 0
        states = set(session.scalars(select(OutboxMessage.state)))
        assert states == {"sent"}
