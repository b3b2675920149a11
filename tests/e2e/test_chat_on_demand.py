"""Chat on demand (issue 16) through each platform's sandbox: 我交办的, 催办 by the requester
and 汇总, each a short answer with a link to its workbench page, and their refusals.

杨帆 (综合科) asks 李娜 (秘书科) for work; 张伟 heads 秘书科; 周建国 leads the office.
"""

import pytest

from tests.e2e.platforms import EVERY_PLATFORM
from tests.e2e.workbench import workbench_url

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def test_the_requester_lists_and_chases_their_requests(office):
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("yangfan", "新建 核对公务用车台账 @秘书科 明天下午5点前")

    office.say("yangfan", "我交办的")
    listed = office.last_reply("yangfan")
    assert "我交办的" in listed and "未办结 2 项" in listed
    assert "#1 起草年度工作总结" in listed and "#2 核对公务用车台账" in listed
    assert "待接办" in listed and "剩余" in listed
    assert workbench_url(office, "/m/requested") in listed

    office.say("yangfan", "催办 #1 明天要用")
    assert office.last_reply("yangfan") == "已向 李娜 催办任务 #1，对方回复后会告诉你。"
    card = office.card_with_button("lina", "进展")
    assert "催办 #1" in card.title
    office.say("lina", "延期 #1 12月10日 需等待财务数据")
    assert office.last_reply("yangfan").startswith(
        "李娜 已回复你对任务 #1「起草年度工作总结」的催办")

    office.say("lina", "催办 #1")
    assert office.last_reply("lina").startswith("无法催办：任务 #1 只有提请人（杨帆）、")


def test_a_supervisor_sums_up_and_others_are_refused(office):
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")

    office.say("zhangwei", "汇总 本周")
    summed = office.last_reply("zhangwei")
    assert "汇总·本周" in summed and "秘书科" in summed
    assert "新增 1 项，办结 0 项；当前在办 1 项，其中超期 0 项" in summed
    assert workbench_url(office, "/dashboard") in summed

    office.say("zhoujianguo", "统计 本月")
    assert "某市人民政府办公室" in office.last_reply("zhoujianguo")

    office.say("lina", "汇总")
    assert office.last_reply("lina") == (
        "无法汇总：只有科室负责人、领导或管理员可以查看汇总。如需了解本科室情况，请联系张伟、周建国、刘洋。")
