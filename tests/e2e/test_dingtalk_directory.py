"""DingTalk's directory end to end: `mashangban sync-directory` reads the organisation through
the older OpenAPI (department/listsub, user/list), and an admin's change reaches the product
as DingTalk's contact event over the Stream connection, carrying ids only: the worker looks
the person up (topapi/v2/user/get) before applying it.

DingTalk only: these are DingTalk's own address-book events (user_add_org,
user_leave_org, ...) and its directory API; WeCom's change_contact events have their own
module (`test_directory_changes.py`).
"""

import pytest
from sqlalchemy import select

from tasks.models import InboxMessage, Membership, Person, Task, TaskFlag
from tests.e2e.office import Office

pytestmark = pytest.mark.platforms("dingtalk")

LEFT = "已离开通讯录"


def person(office: Office, userid: str) -> Person | None:
    with office.rt.sessions() as session:
        found = session.scalar(select(Person).where(Person.userid == userid))
        if found is not None:
            found.department_names  # noqa: B018 - load while the session is open
        return found


def leaders_of(office: Office, department: str) -> set[str]:
    with office.rt.sessions() as session:
        rows = session.scalars(select(Membership).where(Membership.is_leader))
        return {m.person.userid for m in rows if m.department.name == department}


def left_notices(office: Office, userid: str) -> list[str]:
    return [text for text in office.replies(userid) if LEFT in text]


def change(office: Office, **body: object) -> dict:
    """An admin's change in DingTalk's terms; the EVENT frame's ACK must be 200."""
    answer = office.change_contact(**body)
    assert answer["ok"] is True and answer.get("pushed") == [200], answer
    return answer


def test_sync_directory_loads_the_organisation_from_dingtalk(office, admin):
    code, out = admin("sync-directory")
    assert code == 0, out
    assert "通讯录已同步：5 个部门，15 人，0 人已停用" in out.splitlines()
    assert "sync-directory: 人员 15/15" in out.splitlines()
    code, out = admin("sync-directory")  # idempotent
    assert "通讯录已同步：5 个部门，15 人，0 人已停用" in out.splitlines()
    assert leaders_of(office, "秘书科") == {"zhangwei"}
    assert leaders_of(office, "某市人民政府办公室") == {"zhoujianguo", "liuyang"}
    assert office.sent_calls("token")[-1].ok


def test_a_sync_after_a_lost_event_deactivates_who_left(office, admin):
    office.change_contact(event="user_leave_org", userid="majun", notify=False, work=False)
    assert person(office, "majun").active is True  # no event reached the product

    code, out = admin("sync-directory")

    assert code == 0 and "1 人已停用" in out
    assert person(office, "majun").active is False


def test_a_colleague_who_joins_can_use_the_app_at_once(office):
    change(office, event="user_add_org", userid="xiaoliu", name="小刘", dept_id_list=[3],
           title="科员", mobile="13800000077")

    joined = person(office, "xiaoliu")
    assert joined is not None and joined.active and joined.name == "小刘"
    assert joined.department_names == ["综合科"]
    office.say("zhangwei", "新建 核对来文 @小刘")
    with office.rt.sessions() as session:
        assert session.get(Task, 1).holder.userid == "xiaoliu"
    assert office.cards("xiaoliu"), "the new colleague gets the task card"


def test_a_person_who_leaves_is_looked_up_deactivated_and_their_work_flagged_once(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜")
    office.say("zhangwei", "新建 订会议室 @李娜")
    office.say("lina", "办结 #2 已订好")

    change(office, event="user_leave_org", userid="lina")

    with office.rt.sessions() as session:
        [stored] = [m.payload for m in session.scalars(select(InboxMessage))
                    if m.payload.get("type") == "directory_change"]
    assert (stored["change"], stored["userid"], stored["lookup"]) == (
        "delete_user", "lina", True), "ids only: the worker looks the person up"
    gone = person(office, "lina")
    assert gone is not None and gone.active is False and gone.department_names == ["秘书科"]
    assert left_notices(office, "zhangwei") == [
        f"任务 #1「起草年度工作总结」的承办人 李娜 {LEFT}，请尽快转办。"
        "发送「转办 #1 @姓名 原因」。"]

    # DingTalk delivers the event again (at-least-once): nothing new is raised or sent.
    office.driver.sandbox.state.directory_changed("user_leave_org", ["lina"])  # type: ignore[attr-defined]
    office.work()
    with office.rt.sessions() as session:
        flags = session.scalars(select(TaskFlag)).all()
        assert [(f.task_id, f.flag, f.key) for f in flags] == [(1, "holder_left", "lina")]
    assert len(left_notices(office, "zhangwei")) == 1

    office.say("zhangwei", "转办 #1 @马骏 李娜已调离")
    with office.rt.sessions() as session:
        assert session.get(Task, 1).holder.userid == "majun"
