"""Need to know (issue 13, finding 8), typed into the sandbox chat: someone with no part in a
task learns nothing of it from a refusal, not who asked, holds or supervises it and not how
far it has come; the people in it are still told who may.

杨帆 (综合科) asks 李娜 (秘书科) for task #1, which waits for her 接办; 张伟 asks her for #2, which
she accepts. Their supervisors are 张伟, 周建国 and 刘洋. 黄涛 (督查科) has no part in either.
"""

import pytest

from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

PEOPLE = ("杨帆", "李娜", "张伟", "周建国", "刘洋", "yangfan", "lina", "zhangwei")
STATES = ("待接办", "办理中", "已办结", "已撤销", "已由", "接办")
# What the finding saw 黄涛 get: each named people or told a state.
ASKED = ("查询 #1", "评价 #1 满意", "接办 #2")


def _answers(office, userid: str, commands: tuple[str, ...]) -> list[str]:
    answers = []
    for command in commands:
        office.say(userid, command)
        answers.append(office.last_reply(userid))
    return answers


def test_an_unrelated_member_is_answered_as_if_the_task_did_not_exist(office):
    missing = _answers(office, "huangtao", ASKED)  # before the tasks exist
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对全年经费报表 @李娜 3天内")
    office.say("lina", "接办 #2")

    answers = _answers(office, "huangtao", ASKED)

    assert answers == missing, "byte for byte what a number that does not exist gets"
    for answer in answers:
        assert not [word for word in PEOPLE + STATES if word in answer], answer
    assert answers == [f"没有找到与你有关的任务 #{n}，请发送「我的」查看你的任务编号。"
                       for n in (1, 1, 2)]


def test_the_people_in_the_task_are_still_told_its_state_and_who_may(office):
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对全年经费报表 @李娜 3天内")
    office.say("lina", "接办 #2")

    office.say("wangfang", "查询 #1")  # 秘书科, but not offered it: no part in it
    assert office.last_reply("wangfang").startswith("没有找到与你有关的任务 #1")
    office.say("yangfan", "评价 #1 满意")
    assert office.last_reply("yangfan") == "任务 #1 当前为「待接办」，办结后才能评价。"
    office.say("zhangwei", "接办 #2")
    assert office.last_reply("zhangwei") == "任务 #2 已由 李娜 接办。"
    office.say("lina", "评价 #2 满意")
    assert office.last_reply("lina") == "任务 #2 当前为「办理中」，办结后才能评价。"
    office.say("yangfan", "办结 #1 我来办结")
    assert office.last_reply("yangfan") == "无法办结：任务 #1 只有承办人（李娜）可以办结。"
