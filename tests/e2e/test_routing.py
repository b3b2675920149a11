"""Routing and responsibility through the sandbox chat (docs/routing.md, issue 4).

The office's day is Tuesday 24 November 2026, 09:00. 秘书科: 张伟 (head), 李娜, 王芳, 马骏;
综合科: 陈静 (head), 杨帆, 赵磊; 信息科: 吴强 (head), 郑雪, 徐明; 周建国 and 刘洋 lead the office.
"""

import multiprocessing
from datetime import date, time

import pytest
from sqlalchemy import select

from tasks.models import InboxMessage, Task, TaskFlag
from tasks.routing.roster import RosterRow, import_rows
from tasks.routing.rules import import_yaml
from tests.e2e.platforms import EVERY_PLATFORM
from tests.e2e.test_concurrent_accept import _handle_after_barrier
from tests.seeded_office import ROUTING_RULES as RULES
from workers.jobs.watch import check_idle_tasks

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def _task(office, number: int = 1) -> Task:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        session.expunge(task)
        return task


def _holder(office, number: int = 1) -> str | None:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        return task.holder.userid if task.holder else None


def _with_rules(office) -> None:
    with office.rt.sessions.begin() as session:
        import_yaml(session, RULES)


def test_the_first_responder_routes_a_request_to_a_department_with_a_reason(office):
    office.say("zhangwei", "新建 核对公务用车台账 @李娜 3天内")
    office.say("lina", "引导 #1 @综合科 车辆台账由综合科管理")

    task = _task(office)
    assert task.holder_id is None and task.first_responder_id is not None
    told = office.last_reply("zhangwei")
    assert "转办给 综合科（待认领）" in told and "车辆台账由综合科管理" in told
    office.click("yangfan", "接办")
    assert "杨帆（综合科，@yangfan） 已接办任务 #1" in office.last_reply("zhangwei")
    office.say("yangfan", "办结 #1 台账已核对")
    assert "已由 杨帆 办结" in office.last_reply("lina"), "the first responder hears the end"


def test_a_request_naming_nobody_is_routed_by_rule_and_claimed_once(office, database_url):
    _with_rules(office)
    office.say("zhengxue", "请示 周五下午借用三楼会议室")

    reply = office.last_reply("zhengxue")
    assert "承办：综合科 陈静、杨帆、赵磊（归口办理：关键词「会议室」；先接办者承办）" in reply
    for member in ("chenjing", "yangfan", "zhaolei"):
        assert office.card_with_button(member, "接办")
    assert _task(office).escalation == ["chenjing", "zhoujianguo", "liuyang"]

    office.click("yangfan", "接办", work=False)
    office.click("zhaolei", "接办", work=False)
    with office.rt.sessions() as session:
        clicks = list(session.scalars(select(InboxMessage.id).where(
            InboxMessage.processed_at.is_(None)).order_by(InboxMessage.id)))
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        barrier = context.Manager().Barrier(2)
        now = office.rt.clock().isoformat()
        pool.starmap(_handle_after_barrier, [(database_url, c, now, barrier) for c in clicks])
    office.work()

    winner = _holder(office)
    loser = {"yangfan": "zhaolei", "zhaolei": "yangfan"}[winner]
    assert "任务 #1 已由" in office.last_reply(loser)
    assert office.cards("chenjing")[-1].status.startswith("已由")


def test_a_category_tag_and_the_default_department(office):
    _with_rules(office)
    office.say("lina", "咨询 【信息化】办公电脑无法开机")
    office.say("lina", "请示 申请调整周五例会时间")

    tagged, plain = office.replies("lina")[-2:]
    assert "信息科" in tagged and "类别「信息化」" in tagged
    assert "承办：秘书科" in plain and "默认受理部门" in plain


def _roster(office) -> None:
    with office.rt.sessions.begin() as session:
        import_rows(session, [
            RosterRow(date(2026, 11, 24), time(8, 30), time(17, 30), None,
                      ("周建国",), ("郑雪",), ("徐明",)),
            RosterRow(date(2026, 11, 24), time(8, 30), time(17, 30), "综合科",
                      (), ("赵磊",), ("杨帆",)),
        ], replace=True, now=office.rt.clock())


def test_an_emergency_reaches_the_duty_officer_and_the_leader_on_duty(office):
    _roster(office)
    office.say("lina", "突发 某路段积水严重需协调处置")

    assert office.card_with_button("zhengxue", "接办")
    reported = office.last_reply("zhoujianguo")
    assert "【即接即报】突发事件 #1" in reported and "已交 郑雪 处置" in reported
    assert "未及时接办将依次提请：徐明、吴强" in reported
    assert "未及时接办将依次提请：徐明、吴强" in office.last_reply("lina")
    task = _task(office)
    assert task.kind == "emergency"
    assert task.escalation[0] == "xuming", "the standby officer is next"
    assert "wuqiang" in task.escalation, "then the duty officer's supervisor"
    office.click("zhengxue", "接办")
    assert "郑雪（信息科，@zhengxue） 已接办任务 #1" in office.last_reply("lina")


def test_a_department_with_a_duty_officer_offers_requests_to_them_first(office):
    _with_rules(office)
    _roster(office)
    office.say("lina", "请示 借用会议室")

    assert office.card_with_button("zhaolei", "接办")
    assert not office.cards("yangfan"), "the standby officer is next in line, not offered"
    assert _task(office).escalation[0] == "yangfan"


def test_duty_shows_who_is_on_duty_now(office):
    _roster(office)
    office.say("lina", "值班")
    reply = office.last_reply("lina")
    assert "郑雪" in reply and "周建国" in reply and "徐明" in reply


def test_work_for_someone_on_leave_goes_to_the_backup_until_they_return(office):
    office.say("lina", "请假 到11月27日 @wangfang")
    assert "补位人 王芳" in office.last_reply("lina")
    assert "李娜 请假至 11月27日 17:30" in office.last_reply("wangfang")

    office.say("zhangwei", "新建 核对会议材料 @李娜 2天内")

    assert _holder(office) == "wangfang"
    assert "承办：王芳（李娜请假，由补位人办理）" in office.last_reply("zhangwei")
    assert office.card_with_button("wangfang", "接办")
    office.say("zhangwei", "查询 #1")
    assert "承办人：王芳（补位，原定 李娜）" in office.last_reply("zhangwei")

    office.say("lina", "销假")
    office.say("zhangwei", "新建 再核对一份材料 @李娜 2天内")
    assert _holder(office, 2) == "lina"
    assert _holder(office, 1) == "wangfang", "what the backup took on stays with them"


def test_a_leave_without_backup_is_refused_to_someone_with_open_work(office):
    office.say("zhangwei", "新建 核对会议材料 @李娜 2天内")
    office.say("lina", "请假 到11月27日")
    assert "须指定补位人" in office.last_reply("lina")
    office.say("majun", "请假 到11月27日")
    assert "已登记请假" in office.last_reply("majun"), "nothing open, no backup needed"


def test_a_bounce_is_flagged_to_the_supervisors_once(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "转办 #1 @杨帆 综合科牵头")
    office.say("yangfan", "转办 #1 @李娜 应由秘书科起草")

    warning = office.last_reply("chenjing")
    assert "【推诿扯皮提示】任务 #1" in warning and "被退回给曾经的承办人 李娜" in warning
    assert "【推诿扯皮提示】任务 #1" in office.last_reply("zhangwei")
    assert _task(office).bounce_count == 1
    office.say("zhangwei", "查询 #1")
    details = office.last_reply("zhangwei")
    assert "转办 2 次，退回 1 次" in details and "提示：推诿扯皮" in details
    assert "李娜：" in details and "杨帆：" in details and "未接办" in details


def test_more_transfers_than_the_limit_are_flagged(office):
    office.say("zhangwei", "新建 整理档案 @李娜 5天内")
    office.say("lina", "转办 #1 @杨帆 不归我")
    office.say("yangfan", "转办 #1 @郑雪 不归我")
    before = len(office.replies("zhoujianguo"))
    office.say("zhengxue", "转办 #1 @黄涛 也不归我")

    assert "已转办 3 次（超过 2 次）" in office.last_reply("zhoujianguo")
    assert len(office.replies("zhoujianguo")) == before + 1


def test_accepted_with_no_progress_is_flagged_once(office):
    office.say("zhangwei", "新建 跟踪项目进度 @李娜 10天内 每天汇报")
    office.say("lina", "接办 #1")
    office.rt.clock.advance(days=1, hours=10)  # Wednesday 19:00: a whole day of silence

    raised = [check_idle_tasks(office.rt) for _ in range(2)]  # the sweep runs again
    office.work()

    assert raised == [1, 0], "the flag is raised once"

    assert "【领而不办提示】任务 #1" in office.last_reply("zhangwei")
    with office.rt.sessions() as session:
        assert len(session.scalars(select(TaskFlag).where(TaskFlag.flag == "idle")).all()) == 1


def test_routing_rules_are_managed_from_the_command_line(office, admin, tmp_path):
    rules = tmp_path / "routing.yaml"
    rules.write_text(RULES, encoding="utf-8")
    assert admin("routing", "import", str(rules)) == (0, "2 routing rules imported\n")
    code, shown = admin("routing", "show")
    assert code == 0 and "default: 秘书科" in shown and "会议室" in shown

    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - department: 不存在科\n    keywords: [x]\n", encoding="utf-8")
    code, out = admin("routing", "import", str(broken))
    assert code == 2 and "no department named '不存在科'" in out
    office.say("lina", "请示 借用会议室")
    assert "承办：综合科" in office.last_reply("lina"), "the good rules are still in force"


def test_an_admin_records_a_leave_for_someone(office, admin):
    code, out = admin("leave", "add", "lina", "2026-11-27", "--backup", "wangfang")
    assert code == 0 and "until 2026-11-27 23:59, backup wangfang" in out
    assert "李娜 (lina) until 2026-11-27 23:59, backup 王芳" in admin("leave", "list")[1]
    office.work()
    assert "管理员已为你登记请假至 11月27日 23:59，补位人 王芳" in office.last_reply("lina")
    assert "李娜 请假至 11月27日 23:59（管理员登记），期间由你补位" in office.last_reply("wangfang")
    office.say("zhangwei", "新建 核对会议材料 @李娜 2天内")
    assert _holder(office) == "wangfang"

    assert admin("leave", "end", "lina") == (0, "lina: leave ended\n")
    office.work()
    assert "李娜 已销假（管理员登记），补位结束" in office.last_reply("wangfang")
    office.say("zhangwei", "新建 再核对一份 @李娜 2天内")
    assert _holder(office, 2) == "lina"
    code, out = admin("leave", "add", "王芳", "2026-11-27")
    assert code == 2 and "ambiguous" in out
