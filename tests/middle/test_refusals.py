"""The authorization matrix (tasks/core/authority.py MATRIX) as people meet it: for every
action, someone without an allowed role is refused with a message naming who may, and
nothing changes; someone holding each allowed role succeeds.

杨帆 (综合科) asks 李娜 (秘书科) for work. 李娜's supervisors are 张伟 (秘书科), 周建国 and 刘洋
(the office's leaders, who supervise every department); 徐明 is the admin and 黄涛 (督查科)
has no part in it. In this office every leader also supervises every department, so the
leader's witness holds both roles.
"""

from collections.abc import Callable

import pytest

from tasks.core.authority import (
    ADMIN,
    CLAIMANT,
    FIRST_RESPONDER,
    HOLDER,
    LEADER,
    MATRIX,
    REQUESTER,
    SUPERVISOR,
    Authority,
)
from tasks.directory.lookup import person_by_userid
from tasks.models import Task
from tasks.verbs.registry import REGISTRY  # noqa: F401 - its verbs declare the MATRIX rows

SUPERVISORS = "科室负责人（张伟、周建国、刘洋）"


def pending(office) -> None:
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")


def accepted(office) -> None:
    pending(office)
    office.say("lina", "接办 #1")


def extension_asked(office) -> None:
    accepted(office)
    office.say("lina", "延期 #1 12月10日 需等待财务数据")


def closed(office) -> None:
    accepted(office)
    office.say("lina", "办结 #1 已报送")


def rated_badly(office) -> None:
    closed(office)
    office.say("yangfan", "评价 #1 不满意 数据有误")


def offered_to_a_department(office) -> None:
    office.say("zhengxue", "新建 核对公务用车台账 @综合科 3天内")


def transferred(office) -> None:
    pending(office)
    office.say("lina", "转办 #1 @王芳 李娜本周外出")


# action → (setup, command, refusal, the audit event a success appends)
ACTIONS: dict[str, tuple[Callable, str, str, str | None]] = {
    "accept": (pending, "接办 #1", "承办人（李娜）或受理人员（任务待认领时）", "accepted"),
    "progress": (accepted, "进展 #1 已完成一半", "承办人（李娜）", "progress"),
    "close": (accepted, "办结 #1 已完成", "承办人（李娜）", "closed"),
    "transfer": (pending, "转办 #1 @赵磊 该归综合科", f"承办人（李娜）、{SUPERVISORS}或管理员",
                 "transferred"),
    "request_extension": (accepted, "延期 #1 12月10日 需等待财务数据", "承办人（李娜）",
                          "extension_requested"),
    "decide_extension": (extension_asked, "同意延期 #1", f"{SUPERVISORS}、领导或管理员",
                         "extension_approved"),
    "chase": (pending, "催办 #1 请尽快", f"{SUPERVISORS}、领导或管理员", "chased"),
    "cancel": (pending, "撤销 #1 不需要了", f"提请人（杨帆）、{SUPERVISORS}或管理员", "cancelled"),
    "reopen": (closed, "重办 #1 5天内 数据有误", f"提请人（杨帆）、{SUPERVISORS}、领导或管理员",
               "reopened"),
    "change_kind": (pending, "类型 #1 急件", f"提请人（杨帆）、{SUPERVISORS}或管理员",
                    "kind_changed"),
    "view": (pending, "查询 #1", "提请人（杨帆）、承办人（李娜）、首问责任人（李娜）、"
             f"受理人员（任务待认领时）、{SUPERVISORS}、领导或管理员", None),
    "rate": (closed, "评价 #1 满意", "提请人（杨帆）", "rated"),
    "rectify": (rated_badly, "整改 #1", f"{SUPERVISORS}、领导或管理员", "rectification"),
}

# Who is refused: someone with another part in the task, and an outsider.
REFUSED = {
    "accept": "yangfan", "progress": "zhangwei", "close": "zhangwei", "transfer": "yangfan",
    "request_extension": "zhangwei", "decide_extension": "lina", "chase": "yangfan",
    "cancel": "lina", "reopen": "lina", "change_kind": "lina", "view": "huangtao",
    "rate": "zhangwei", "rectify": "yangfan",
}

# Who succeeds in each allowed role, and in which office (when not the action's own).
WITNESSES: dict[str, tuple[str, Callable | None]] = {
    REQUESTER: ("yangfan", None), HOLDER: ("lina", None),
    FIRST_RESPONDER: ("lina", transferred), CLAIMANT: ("zhaolei", offered_to_a_department),
    SUPERVISOR: ("zhangwei", None), LEADER: ("zhoujianguo", None), ADMIN: ("xuming", None),
}


def _roles(office, userid: str) -> set[str]:
    with office.sessions() as session:
        person, task = person_by_userid(session, userid), session.get(Task, 1)
        assert person is not None and task is not None
        return Authority(session, office.rules).roles(person, task)


def test_every_action_and_role_of_the_matrix_is_covered():
    assert set(ACTIONS) == set(REFUSED) == set(MATRIX)
    assert {role for action in MATRIX.values() for role in action.roles} <= set(WITNESSES)


@pytest.mark.parametrize("outsider", [False, True], ids=["involved", "outsider"])
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_someone_without_an_allowed_role_is_refused_and_nothing_changes(office, action,
                                                                        outsider):
    setup, command, who, _ = ACTIONS[action]
    setup(office)
    refused = "huangtao" if outsider else REFUSED[action]
    assert not _roles(office, refused) & set(MATRIX[action].roles)
    before = office.state()

    sent = office.say(refused, command)

    name = MATRIX[action].name
    refusal = f"无法{name}：任务 #1 只有{who}可以{name}。"
    assert [(r.recipient, r.kind, r.text) for r in sent.rows] == [(refused, "text", refusal)]
    assert office.state() == before
    assert office.last_reply(refused) == refusal


@pytest.mark.parametrize(("action", "role"), [
    (action, role) for action in sorted(MATRIX) for role in MATRIX[action].roles])
def test_someone_in_each_allowed_role_succeeds(office, action, role):
    setup, command, _, event = ACTIONS[action]
    witness, own_setup = WITNESSES[role]
    (own_setup or setup)(office)
    assert role in _roles(office, witness)
    before = office.history()

    reply = office.say(witness, command).to(witness)

    assert reply and not reply[0].startswith("无法"), reply
    if event is None:
        assert reply[0].startswith("**任务 #1**") and office.history() == before
    else:
        assert office.history()[len(before)][:2] == (event, witness)
