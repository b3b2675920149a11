"""A directory that stays true: WeCom's change_contact callbacks, full syncs and local
supervision grants, end to end.

An admin changes the directory in the sandbox (`/sandbox/control/contact`); the sandbox
posts the signed, encrypted change_contact callback exactly as WeCom would, and the
product's worker applies it.

WeCom only: the changes are WeCom's change_contact events (their fields and replays);
DingTalk's address-book events (ids only, looked up) are in test_dingtalk_directory.py.
"""

from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from tasks.models import Department, InboxMessage, OutboxMessage, Person, Task, TaskFlag
from webapp.cli.main import main

LEFT = "已离开通讯录"


@pytest.fixture
def admin(office, monkeypatch, capsys):
    """Run `mashangban ARGS…` in-process with the office's settings: (code, stdout, stderr)."""
    for name, value in office.rt.settings.raw.items():
        monkeypatch.setenv(f"MASHANGBAN_{name}", value)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def person(office, userid: str) -> Person | None:
    with office.rt.sessions() as session:
        found = session.scalar(select(Person).where(Person.userid == userid))
        if found is not None:
            found.department_names  # noqa: B018 - load while the session is open
        return found


def department(office, platform_id: str) -> Department:
    with office.rt.sessions() as session:
        return session.scalar(select(Department).where(Department.platform_id == platform_id))


def holder_of(office, number: int) -> str:
    with office.rt.sessions() as session:
        return session.get(Task, number).holder.userid


def left_notices(office, userid: str) -> list[str]:
    return [text for text in office.replies(userid) if LEFT in text]


# -- people joining and changing -------------------------------------------------------------


def test_a_new_colleague_in_a_new_department_can_use_the_app_at_once(office):
    assert office.change_contact("create_party", id=6, name="法规科", parentid=1)["status"] == 200
    answer = office.change_contact("create_user", userid="liqiang", name="李强", department=[6],
                                   is_leader_in_dept=[1], position="法规科科长")
    assert answer == {"ok": True, "status": 200}
    office.change_contact("create_user", userid="zhoumin", name="周敏", department=[6])

    office.say("liqiang", "我的")
    assert office.last_reply("liqiang") == "你目前没有待办任务。"
    joined = person(office, "liqiang")
    assert joined.name == "李强" and joined.position == "法规科科长"
    assert joined.department_names == ["法规科"]
    assert department(office, "6").parent_platform_id == "1"

    office.say("zhangwei", "新建 起草合同审查办法 @周敏")
    office.say("liqiang", "催办 #1 本周内给初稿")  # the new section head supervises it
    assert office.last_reply("liqiang") == "已向 周敏 催办任务 #1，对方回复后会告诉你。"
    chase = office.cards("zhoumin")[-1]
    assert chase.title == "催办 #1" and "李强催办" in chase.subtitle


def test_a_new_leader_flag_makes_a_supervisor(office):
    office.say("chenjing", "新建 整理档案 @杨帆")
    office.say("zhaolei", "催办 #1")  # no part in it yet: told nothing of it
    assert office.last_reply("zhaolei") == (
        "没有找到与你有关的任务 #1，请发送「我的」查看你的任务编号。")

    office.change_contact("update_user", userid="zhaolei", is_leader_in_dept=[1])
    office.say("zhaolei", "催办 #1")
    assert office.last_reply("zhaolei") == "已向 杨帆 催办任务 #1，对方回复后会告诉你。"

    office.change_contact("update_user", userid="zhaolei", is_leader_in_dept=[0])
    office.say("zhaolei", "催办 #1")  # he chased it once, so he is told who may now
    assert "无法催办：任务 #1 只有科室负责人（陈静" in office.last_reply("zhaolei")


def test_a_name_and_department_change_is_applied(office):
    office.change_contact("update_user", userid="wangfang2", name="王晓芳")
    office.say("zhangwei", "新建 核对台账 @王晓芳")
    assert holder_of(office, 1) == "wangfang2"

    office.change_contact("update_user", userid="huangtao", department=[3], position="综合科科员")
    moved = person(office, "huangtao")
    assert moved.department_names == ["综合科"] and moved.position == "综合科科员"
    office.say("zhangwei", "新建 汇总简报 @黄涛")
    office.say("sunli", "催办 #2")  # 督查科 no longer supervises him: no part in it
    assert office.last_reply("sunli") == (
        "没有找到与你有关的任务 #2，请发送「我的」查看你的任务编号。")
    office.say("chenjing", "催办 #2")
    assert office.last_reply("chenjing") == "已向 黄涛 催办任务 #2，对方回复后会告诉你。"


def test_a_new_userid_keeps_the_history(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜")
    office.say("lina", "接办 #1")
    before = person(office, "lina")

    office.change_contact("update_user", userid="lina", new_userid="lina.li")

    after = person(office, "lina.li")
    assert after is not None and after.id == before.id and person(office, "lina") is None
    office.say("lina.li", "进展 #1 已完成初稿")
    assert "#1" in office.last_reply("lina.li")
    office.say("lina.li", "我的")
    assert "#1](" in office.last_reply("lina.li")  # linked to its page
    assert "起草年度工作总结" in office.last_reply("lina.li")
    with office.rt.sessions() as session:
        actors = {e.actor.userid for e in session.get(Task, 1).events if e.actor}
    assert actors == {"zhangwei", "lina.li"}


# -- people leaving --------------------------------------------------------------------------


def test_a_person_who_left_keeps_their_history_and_their_open_work_is_flagged_once(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜")
    office.say("zhangwei", "新建 核对来文 @李娜")
    office.say("zhangwei", "新建 订会议室 @李娜")
    office.say("lina", "接办 #1")
    office.say("lina", "办结 #3 已订好")

    office.change_contact("delete_user", userid="lina")

    gone = person(office, "lina")
    assert gone is not None and gone.active is False and gone.department_names == ["秘书科"]
    for supervisor in ("zhangwei", "zhoujianguo", "liuyang"):
        assert left_notices(office, supervisor) == [
            f"任务 #1「起草年度工作总结」的承办人 李娜 {LEFT}，请尽快转办。"
            "发送「转办 #1 @姓名 原因」。",
            f"任务 #2「核对来文」的承办人 李娜 {LEFT}，请尽快转办。发送「转办 #2 @姓名 原因」。",
        ], supervisor
    assert left_notices(office, "chenjing") == []

    # WeCom delivers the event again, later: nothing new is raised or sent.
    office.rt.clock.advance(seconds=2)
    again = office.change_contact(event={"ChangeType": "delete_user", "UserID": "lina"})
    assert again["status"] == 200
    with office.rt.sessions() as session:
        assert len(session.scalars(select(InboxMessage)).all()) >= 2
        flags = session.scalars(select(TaskFlag).order_by(TaskFlag.task_id)).all()
        assert [(f.task_id, f.flag, f.key) for f in flags] == [
            (1, "holder_left", "lina"), (2, "holder_left", "lina")]
        assert flags[0].detail["holder"] == "李娜"
    assert len(left_notices(office, "zhangwei")) == 2

    # The record stays readable, and the supervisor can hand the work on.
    office.say("zhangwei", "查询 #1")
    assert "承办人：李娜" in office.last_reply("zhangwei")
    office.say("zhangwei", "转办 #1 @马骏 李娜已调离")
    assert holder_of(office, 1) == "majun"


def test_a_disabled_account_is_treated_as_gone_until_it_is_enabled_again(office):
    office.say("zhangwei", "新建 核对来文 @李娜")

    office.change_contact("update_user", userid="lina", enable=0)

    assert person(office, "lina").active is False
    assert left_notices(office, "zhangwei") == [
        f"任务 #1「核对来文」的承办人 李娜 {LEFT}，请尽快转办。发送「转办 #1 @姓名 原因」。"]
    office.change_contact("update_user", userid="lina", position="科员")
    assert person(office, "lina").active is False, "an update without Status changes nothing"

    office.change_contact("update_user", userid="lina", enable=1)
    assert person(office, "lina").active is True
    office.say("zhangwei", "新建 再核对一份 @李娜")
    assert holder_of(office, 2) == "lina"
    assert len(left_notices(office, "zhangwei")) == 1


def test_a_full_sync_deactivates_a_disabled_account(office, admin):
    office.change_contact("update_user", userid="majun", enable=0, notify=False)
    assert person(office, "majun").active is True  # no callback arrived

    code, out, _ = admin("sync-directory")

    assert code == 0 and "1 人已停用" in out
    assert person(office, "majun").active is False


def test_a_full_sync_flags_the_work_of_people_a_lost_callback_did_not_report(office, admin):
    office.say("zhangwei", "新建 整理通讯录 @马骏")
    assert office.change_contact("delete_user", userid="majun", notify=False) == {
        "ok": True, "notified": False}
    assert person(office, "majun").active is True  # no callback arrived

    # The command runs on the wall clock; the office catches up so its reminders are due.
    behind = (datetime.now(UTC) - office.rt.clock()).total_seconds()
    office.rt.clock.advance(seconds=max(0.0, behind + 1))
    code, out, err = admin("sync-directory")

    assert code == 0
    assert out.strip() == ("通讯录已同步：5 个部门，14 人，1 人已停用，"
                           "1 项在办任务已提醒负责人转办")
    progress = err.strip().splitlines()
    assert progress[0].startswith("sync-directory: 正在读取")
    assert "sync-directory: 部门 5/5" in progress
    assert "sync-directory: 人员 14/14" in progress
    office.work()
    assert left_notices(office, "zhangwei") == [
        f"任务 #1「整理通讯录」的承办人 马骏 {LEFT}，请尽快转办。发送「转办 #1 @姓名 原因」。"]

    code, out, _ = admin("sync-directory")
    assert out.strip() == "通讯录已同步：5 个部门，14 人，0 人已停用"
    office.work()
    assert len(left_notices(office, "zhangwei")) == 1


# -- departments -----------------------------------------------------------------------------


def test_departments_are_created_renamed_moved_and_deleted(office):
    office.change_contact("create_party", id=6, name="法规科", parentid=1)
    office.change_contact("create_party", id=7, name="合同组", parentid=6)
    assert department(office, "7").parent_platform_id == "6"

    office.change_contact("update_party", id=5, name="信息化科")
    office.say("zhangwei", "新建 检查机房 @信息化科")
    with office.rt.sessions() as session:
        assert session.get(Task, 1).department.name == "信息化科"

    office.change_contact("update_party", id=7, parentid=3)
    assert department(office, "7").parent_platform_id == "3"

    office.change_contact("delete_party", id=7)
    office.change_contact("delete_party", id=6)
    assert department(office, "6").active is False and department(office, "7").active is False
    refused = office.change_contact("delete_party", id=2, work=False)
    assert refused["ok"] is False and refused["errcode"] == 60005


# -- supervision grants ----------------------------------------------------------------------


def test_a_local_grant_makes_a_supervisor_until_it_is_revoked(office, admin):
    office.say("chenjing", "新建 整理档案 @杨帆")

    code, out, _ = admin("grant", "supervisor", "赵磊", "综合科")
    assert code == 0 and "赵磊" in out and "综合科" in out
    assert admin("grant", "supervisor", "zhaolei", "综合科")[0] == 0  # again: no change
    office.say("zhaolei", "催办 #1 明天上午前")
    assert office.last_reply("zhaolei") == "已向 杨帆 催办任务 #1，对方回复后会告诉你。"

    code, out, _ = admin("grant", "list")
    assert code == 0 and "综合科" in out and "赵磊" in out and "zhaolei" in out

    code, out, _ = admin("grant", "revoke", "赵磊", "综合科")
    assert code == 0 and "已撤销" in out
    office.say("zhaolei", "催办 #1")
    assert "无法催办：任务 #1" in office.last_reply("zhaolei")
    assert "没有督办授权" in admin("grant", "list")[1]


@pytest.mark.parametrize(("args", "expected"), [
    (("supervisor", "张三", "综合科"), "通讯录中没有「张三」"),
    (("supervisor", "赵磊", "后勤科"), "没有名为「后勤科」的部门"),
    (("supervisor", "王芳", "综合科"), "wangfang2"),
    (("revoke", "赵磊", "综合科"), "赵磊 没有 综合科 的督办授权"),
])
def test_grant_names_what_it_cannot_find(office, admin, args, expected):
    code, out, err = admin("grant", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err


# -- what the product must survive -----------------------------------------------------------


@pytest.mark.parametrize("event", [
    {"ChangeType": "update_user"},
    {"ChangeType": "delete_user", "UserID": ""},
    {"ChangeType": "create_party", "Name": "无编号科"},
    {"ChangeType": "update_tag", "TagId": "1", "AddUserItems": "lina"},
    {"ChangeType": "merge_user", "UserID": "lina"},
    {"UserID": "lina"},
])
def test_malformed_contact_events_are_ignored(office, event):
    answer = office.change_contact(event=event)
    assert answer["status"] == 200
    with office.rt.sessions() as session:
        assert session.scalars(select(InboxMessage)).all() == []
    assert person(office, "lina").active is True


def test_odd_but_wellformed_events_never_fail(office):
    office.change_contact(event={"ChangeType": "update_user", "UserID": "lina",
                                 "Department": "2,99,x", "IsLeaderInDept": "1"})
    office.change_contact(event={"ChangeType": "delete_user", "UserID": "nobody"})
    office.change_contact(event={"ChangeType": "update_party", "Id": "42", "ParentId": "42"})
    office.change_contact(event={"ChangeType": "delete_party", "Id": "99"})
    with office.rt.sessions() as session:
        rows = session.scalars(select(InboxMessage)).all()
        assert len(rows) == 4 and all(r.processed_at and r.error is None for r in rows)
        assert session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "sys")).all() == []
    lina = person(office, "lina")
    assert lina.department_names == ["秘书科"]
    office.say("zhangwei", "新建 核对来文 @李娜")
    office.say("zhoujianguo", "催办 #1")
    assert office.last_reply("zhoujianguo") == "已向 李娜 催办任务 #1，对方回复后会告诉你。"


def test_the_sandbox_directory_follows_the_changes(office):
    office.change_contact("create_user", userid="liqiang", name="李强", department=[2])
    office.change_contact("update_user", userid="lina", new_userid="lina.li")
    office.change_contact("delete_user", userid="majun")
    token = requests.get(f"{office.wecom.sandbox.url}/cgi-bin/gettoken", params={
        "corpid": office.wecom.sandbox.state.config.corp_id,
        "corpsecret": office.wecom.sandbox.state.config.secret}, timeout=5).json()["access_token"]
    users = requests.get(f"{office.wecom.sandbox.url}/cgi-bin/user/list", params={
        "access_token": token, "department_id": 2}, timeout=5).json()["userlist"]
    assert sorted(u["userid"] for u in users) == ["lina.li", "liqiang", "wangfang", "zhangwei"]
