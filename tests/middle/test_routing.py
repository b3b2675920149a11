"""Where new work lands (product.md §4): routed requests (请示, 急件 naming nobody), emergencies
(突发) to the duty officer, leave with a backup (请假, 销假) and who is on duty (值班)."""

from datetime import date, time

import pytest

from tasks.routing.roster import RosterRow, import_rows
from tasks.routing.rules import import_yaml
from tests.seeded_office import ROUTING_RULES as RULES

TUESDAY = date(2026, 11, 24)


@pytest.fixture
def rules(office):
    with office.sessions.begin() as session:
        import_yaml(session, RULES)


@pytest.fixture
def roster(office):
    with office.sessions.begin() as session:
        import_rows(session, [
            RosterRow(TUESDAY, time(8, 30), time(17, 30), None, ("周建国",), ("郑雪",), ("徐明",)),
            RosterRow(TUESDAY, time(8, 30), time(17, 30), "综合科", (), ("赵磊",), ("杨帆",)),
        ], replace=True, now=office.clock())


SECRETARIAT = ("zhangwei", "lina", "wangfang", "majun")


@pytest.mark.usefixtures("rules")
@pytest.mark.parametrize(("sender", "text", "department", "offered", "why"), [
    ("zhengxue", "请示 周五下午借用三楼会议室", "综合科", ("chenjing", "yangfan", "zhaolei"),
     "关键词「会议室」"),
    ("lina", "咨询 【信息化】办公电脑无法开机", "信息科", ("wuqiang", "zhengxue", "xuming"),
     "类别「信息化」"),
    ("zhengxue", "请示 申请调整周五例会时间", "秘书科", SECRETARIAT, "默认受理部门"),
    ("zhengxue", "急件 明天上午的汇报材料请马上核对", "秘书科", SECRETARIAT, "默认受理部门"),
])
def test_a_request_naming_nobody_is_offered_to_the_department_the_rules_pick(
        office, sender, text, department, offered, why):
    sent = office.say(sender, text)

    reply = sent.reply(sender)
    assert f"承办：{department} " in reply and why in reply and "先接办者承办" in reply
    assert {r.recipient for r in sent.rows if r.card} == set(offered)
    task = office.task()
    assert (task.holder, task.department, task.state) == (None, department, "pending")
    assert office.history()[0][:3] == ("created", sender, "chat")
    assert all([c.title for c in office.channel.cards(p)] == ["新任务 #1"] for p in offered)


def test_without_routing_rules_a_request_goes_to_the_top_of_the_office(office):
    sent = office.say("lina", "请示 借用会议室")
    assert ("承办：某市人民政府办公室 周建国、刘洋（归口办理：默认受理部门；先接办者承办）"
            in sent.reply("lina"))
    assert {r.recipient for r in sent.rows if r.card} == {"zhoujianguo", "liuyang"}


@pytest.mark.usefixtures("rules", "roster")
def test_a_department_with_a_duty_officer_offers_requests_to_them_first(office):
    sent = office.say("lina", "请示 借用会议室")
    assert [r.recipient for r in sent.rows if r.card] == ["zhaolei"]
    assert not office.channel.cards("yangfan"), "the standby officer is next, not offered"


@pytest.mark.usefixtures("roster")
def test_an_emergency_goes_to_the_duty_officer_and_the_leader_on_duty_hears_at_once(office):
    sent = office.say("lina", "突发 某路段积水严重需协调处置")

    assert [r.recipient for r in sent.rows if r.card] == ["zhengxue"]
    assert sent.to("zhoujianguo") == [
        "【即接即报】突发事件 #1「某路段积水严重需协调处置」已由 李娜 报告，已交 郑雪 处置。"
        "未及时接办将依次提请：徐明、吴强、周建国、刘洋。"]
    assert "未及时接办将依次提请：徐明、吴强" in sent.reply("lina")
    assert (office.task().kind, office.task().holder) == ("emergency", None)

    accepted = office.click("zhengxue", "接办")
    assert accepted.to("lina") == [
        "郑雪（信息科，@zhengxue） 已接办任务 #1「某路段积水严重需协调处置」。"]


@pytest.mark.usefixtures("roster")
def test_duty_shows_who_is_on_duty_now(office):
    sent = office.say("lina", "值班")
    assert sent.reply("lina") == (
        "现在值班（11月24日 周二 09:00）\n"
        "【全办】11月24日 08:30—17:30\n带班：周建国（@zhoujianguo）\n值班：郑雪（@zhengxue）\n"
        "候班：徐明（@xuming）\n"
        "【综合科】11月24日 08:30—17:30\n值班：赵磊（@zhaolei）\n候班：杨帆（@yangfan）")
    assert office.channel.received[-1].kind == "markdown"


def test_duty_without_a_roster_says_so(office):
    assert office.say("lina", "值班").reply("lina").startswith("现在没有排班，之后也没有排班。")


def test_work_for_someone_on_leave_goes_to_the_backup_until_they_return(office):
    sent = office.say("lina", "请假 到11月27日 @wangfang")
    assert sent.to("wangfang") == ["李娜 请假至 11月27日 17:30，期间由你补位：新交给 TA 的任务"
                                   "和提醒会转给你办理。"]
    assert sent.reply("lina").startswith("已登记请假至 11月27日 17:30，补位人 王芳。")

    created = office.say("zhangwei", "新建 核对会议材料 @李娜 2天内")
    assert "承办：王芳（李娜请假，由补位人办理）" in created.reply("zhangwei")
    assert [r.recipient for r in created.rows if r.card] == ["wangfang"]
    assert office.task().holder == "wangfang"
    assert "承办人：王芳（补位，原定 李娜）" in office.say("zhangwei", "查询 #1").reply("zhangwei")

    back = office.say("lina", "销假")
    assert back.to("lina") == ["已销假，欢迎回来！新的任务会直接交给你。"]
    assert back.to("wangfang") == ["李娜 已销假，补位结束；你已接手的任务仍由你办结。"]
    office.say("zhangwei", "新建 再核对一份材料 @李娜 2天内")
    assert (office.task(2).holder, office.task(1).holder) == ("lina", "wangfang")


@pytest.mark.parametrize(("who", "text", "answer"), [
    ("majun", "请假 到11月27日", "已登记请假至 11月27日 17:30。"),
    ("majun", "销假", "你当前没有请假记录，无需销假。"),
])
def test_leave_without_backup_and_returning_without_leave(office, who, text, answer):
    assert office.say(who, text).to(who) == [answer]


def test_a_leave_without_backup_is_refused_to_someone_with_open_work(office):
    office.say("zhangwei", "新建 核对会议材料 @李娜 2天内")
    before = office.state()
    assert "须指定补位人" in office.say("lina", "请假 到11月27日").reply("lina")
    assert office.state() == before


def test_a_backup_who_is_on_leave_too_is_refused(office):
    office.say("wangfang", "请假 到11月27日")
    before = office.state()
    assert office.say("lina", "请假 到11月27日 @wangfang").to("lina") == [
        "王芳 也在请假中，请另选补位人。"]
    assert office.state() == before
