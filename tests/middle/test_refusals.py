"""The authorization matrix (tasks/core/authority.py MATRIX) as people meet it: for every
action, a participant of the task without an allowed role is refused with a message naming
who may, and nothing changes; someone holding each allowed role succeeds. Need to know
(docs/commands.md): someone with no part in the task learns nothing from any verb or card,
not even that the task exists.

杨帆 (综合科) asks 李娜 (秘书科) for work. 李娜's supervisors are 张伟 (秘书科), 周建国 and 刘洋
(the office's leaders, who supervise every department); 徐明 is the admin. 黄涛 (督查科) and
陈静 (综合科's head, 杨帆's own supervisor) have no part in it. In this office every leader also
supervises every department, so the leader's witness holds both roles.
"""

from collections.abc import Callable
from datetime import date, time

import pytest
from sqlalchemy import select

from tasks.core.authority import (
    ADMIN,
    CLAIMANT,
    FIRST_RESPONDER,
    HOLDER,
    LADDER,
    LEADER,
    MATRIX,
    REQUESTER,
    SUPERVISOR,
    Authority,
)
from tasks.directory.lookup import person_by_userid
from tasks.messaging.inbound import CardAction
from tasks.models import STATE_LABELS, Person, Task
from tasks.routing.roster import RosterRow, import_rows
from tasks.routing.rules import import_yaml
from tasks.verbs.registry import REGISTRY  # its verbs declare the MATRIX rows
from tests.seeded_office import ROUTING_RULES

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


def offered_to_the_secretariat(office) -> None:
    office.say("yangfan", "新建 起草年度工作总结 @秘书科 3天内")


def claimed_from_the_secretariat(office) -> None:
    """Offered to all of 秘书科; 李娜 is first to accept, so 王芳 and 马骏 lost the race."""
    offered_to_the_secretariat(office)
    office.say("lina", "接办 #1")


def cancelled(office) -> None:
    pending(office)
    office.say("yangfan", "撤销 #1 不需要了")


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
    "chase": (pending, "催办 #1 请尽快", f"提请人（杨帆）、{SUPERVISORS}、领导或管理员", "chased"),
    "cancel": (pending, "撤销 #1 不需要了", f"提请人（杨帆）、{SUPERVISORS}或管理员", "cancelled"),
    "reopen": (closed, "重办 #1 5天内 数据有误", f"提请人（杨帆）、{SUPERVISORS}、领导或管理员",
               "reopened"),
    "change_kind": (pending, "类型 #1 急件", f"提请人（杨帆）、{SUPERVISORS}或管理员",
                    "kind_changed"),
    "view": (claimed_from_the_secretariat, "查询 #1",
             "提请人（杨帆）、承办人（李娜）、首问责任人（李娜）、"
             f"受理人员（任务待认领时）、{SUPERVISORS}、领导或管理员", None),
    "rate": (closed, "评价 #1 满意", "提请人（杨帆）", "rated"),
    "rectify": (rated_badly, "整改 #1", f"{SUPERVISORS}、领导或管理员", "rectification"),
}

# Who is refused with the roles that may: a participant with another part in the task (for
# 查询, which every role may use, 王芳: she was offered the task and lost the race to accept).
REFUSED = {
    "accept": "yangfan", "progress": "zhangwei", "close": "zhangwei", "transfer": "yangfan",
    "request_extension": "zhangwei", "decide_extension": "lina", "chase": "lina",
    "cancel": "lina", "reopen": "lina", "change_kind": "lina", "view": "wangfang",
    "rate": "zhangwei", "rectify": "yangfan",
}
NOT_FOUND = "没有找到与你有关的任务 #1，请发送「我的」查看你的任务编号。"
CARD_GONE = "这张卡片已失效，请发送「我的」查看当前任务。"
OUTSIDERS = ("huangtao", "chenjing")

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


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_a_participant_without_an_allowed_role_is_told_who_may_and_nothing_changes(
        office, action):
    setup, command, who, _ = ACTIONS[action]
    setup(office)
    refused = REFUSED[action]
    assert not _roles(office, refused) & set(MATRIX[action].roles)
    assert _takes_part(office, refused)
    before = office.state()

    sent = office.say(refused, command)

    name = MATRIX[action].name
    refusal = f"无法{name}：任务 #1 只有{who}可以{name}。"
    assert [(r.recipient, r.kind, r.text) for r in sent.rows] == [(refused, "text", refusal)]
    assert office.state() == before
    assert office.last_reply(refused) == refusal


# The states a task goes through; an outsider's answer must not differ between any of them.
STATES: dict[str, Callable] = {
    "pending": pending, "accepted": accepted, "extension_asked": extension_asked,
    "closed": closed, "rated_badly": rated_badly, "cancelled": cancelled,
    "transferred": transferred, "offered": offered_to_the_secretariat,
    "claimed": claimed_from_the_secretariat,
}


def _task_commands() -> list[str]:
    """Every verb that acts on a task, as its own example writes it, about task #1; and an
    acknowledgement naming it."""
    examples = [verb.example for verb in REGISTRY.verbs if verb.action is not None]
    assert {verb.action.key for verb in REGISTRY.verbs if verb.action} == set(MATRIX)
    assert all("#12" in example for example in examples), examples
    return [example.replace("#12", "#1") for example in examples] + ["收到 #1"]


@pytest.mark.parametrize("state", sorted(STATES))
def test_an_outsider_learns_nothing_from_any_task_verb(office, state):
    commands = _task_commands()
    missing = {(outsider, command): office.say(outsider, command).reply(outsider)
               for outsider in OUTSIDERS for command in commands}  # task #1 does not exist
    STATES[state](office)
    assert office.task(1) is not None
    assert not any(_takes_part(office, outsider) for outsider in OUTSIDERS)
    words = _names(office) + list(STATE_LABELS.values()) + ["只有", "已由", "无法"]
    before = office.state()

    for (outsider, command), unknown in missing.items():
        sent = office.say(outsider, command)

        assert [(r.recipient, r.kind, r.text) for r in sent.rows] == [
            (outsider, "text", unknown)], (state, outsider, command)
        assert not [word for word in words if word in unknown], (command, unknown)
        if not command.startswith("收到"):
            assert unknown == NOT_FOUND
    assert office.state() == before


def _click(office, userid: str, card_id: str, key: str):
    """`userid` sends the click event of `key` on the card `card_id`, whether or not that
    card was ever theirs (a click event is only a userid, a card id and a key)."""
    return office.handle(CardAction(key=f"click-{userid}-{card_id}-{key}", sender=userid,
                                    card_id=card_id, action=key,
                                    response_code=office.channel.issue_code(card_id)))


def test_an_outsider_clicking_any_button_of_a_tasks_cards_learns_nothing(office):
    accepted(office)
    office.say("zhangwei", "催办 #1 请尽快")
    office.say("lina", "办结 #1 已报送")
    office.say("yangfan", "评价 #1 不满意 数据有误")
    cards = [card for person in ("lina", "yangfan", "zhangwei")
             for card in office.channel.cards(person)]
    buttons = [(card.card_id, button.key) for card in cards for button in card.buttons]
    assert {key.split(":")[0].split(".")[0] for _, key in buttons} == {
        "accept", "transfer", "progress", "close", "extend", "rate", "redo", "rectify"}
    words = _names(office) + list(STATE_LABELS.values()) + ["只有", "已由", "#1"]
    before = office.state()

    for outsider in OUTSIDERS:
        for card_id, key in buttons:
            unknown = _click(office, outsider, "mt999-0-0", key).to(outsider)
            sent = _click(office, outsider, card_id, key)

            assert sent.to(outsider) == unknown == [CARD_GONE], (outsider, card_id, key)
            assert [r.recipient for r in sent.rows] == [outsider]
            assert not [word for word in words if word in CARD_GONE]
    assert office.state() == before


def test_a_participant_clicking_a_card_not_theirs_is_still_told_who_may(office):
    pending(office)
    [card] = office.channel.cards("lina")
    before = office.state()

    sent = _click(office, "yangfan", card.card_id, "accept:1")

    assert sent.to("yangfan") == [
        "无法接办：任务 #1 只有承办人（李娜）或受理人员（任务待认领时）可以接办。"]
    assert office.state() == before


def on_leave_with_a_backup(office) -> None:
    """李娜 holds the task and goes on leave; 王芳 receives its reminders meanwhile."""
    accepted(office)
    office.say("lina", "请假 到11月27日 @wangfang")


def meant_for_someone_on_leave(office) -> None:
    """李娜 is away, so the task 杨帆 addresses to her goes to her backup 王芳."""
    office.say("lina", "请假 到11月27日 @wangfang")
    pending(office)


def routed_with_a_standby(office) -> None:
    """综合科's duty officer 赵磊 is offered the request; 杨帆, on standby, is next in line."""
    _roster(office, RosterRow(TUESDAY, time(8, 30), time(17, 30), "综合科", (), ("赵磊",),
                              ("杨帆",)))
    with office.sessions.begin() as session:
        import_yaml(session, ROUTING_RULES)
    office.say("lina", "请示 借用会议室")


def emergency_told_to_the_leader_on_duty(office) -> None:
    """孙丽 leads the duty today: she is told of the emergency at once, holding no role in it."""
    _roster(office, RosterRow(TUESDAY, time(8, 30), time(17, 30), None, ("孙丽",), ("郑雪",),
                              ("黄涛",)))
    office.say("lina", "突发 某路段积水严重需协调处置")


TUESDAY = date(2026, 11, 24)
# 黄涛 stands by (候班) on the emergency's ladder: the notice tells him to take it over.
WITNESSES[LADDER] = ("huangtao", emergency_told_to_the_leader_on_duty)


def _roster(office, row: RosterRow) -> None:
    with office.sessions.begin() as session:
        import_rows(session, [row], replace=True, now=office.clock())


# Participants with no role in the matrix: whom the task has reached, who may need to ask.
PARTICIPANTS: dict[str, tuple[Callable, str, str, str]] = {
    "offered, lost the race to accept": (
        claimed_from_the_secretariat, "majun", "接办 #1", "任务 #1 已由 李娜 接办。"),
    "backup of the holder on leave": (
        on_leave_with_a_backup, "wangfang", "进展 #1 已联系财务科",
        "无法报告进展：任务 #1 只有承办人（李娜）可以报告进展。"),
    "the absent person a backup holds it for": (
        meant_for_someone_on_leave, "lina", "办结 #1 已完成",
        "无法办结：任务 #1 只有承办人（王芳）可以办结。"),
    "standby on the escalation ladder": (
        routed_with_a_standby, "yangfan", "撤销 #1 不需要了",
        "无法撤销：任务 #1 只有提请人（李娜）、科室负责人（陈静、周建国、刘洋）或管理员可以撤销。"),
    "leader on duty told of an emergency": (
        emergency_told_to_the_leader_on_duty, "sunli", "评价 #1 满意",
        "任务 #1 当前为「待接办」，办结后才能评价。"),
}


@pytest.mark.parametrize("kind", sorted(PARTICIPANTS))
def test_a_participant_without_a_role_gets_the_helpful_refusal(office, kind):
    setup, userid, command, refusal = PARTICIPANTS[kind]
    setup(office)
    assert not _roles(office, userid) and _takes_part(office, userid)
    before = office.state()

    assert office.say(userid, command).to(userid) == [refusal]
    assert office.state() == before


def test_the_backup_is_a_participant_only_while_the_leave_lasts(office):
    on_leave_with_a_backup(office)
    office.say("lina", "销假")

    assert not _takes_part(office, "wangfang")
    assert office.say("wangfang", "进展 #1 已联系财务科").to("wangfang") == [NOT_FOUND]


def _takes_part(office, userid: str) -> bool:
    with office.sessions() as session:
        person, task = person_by_userid(session, userid), session.get(Task, 1)
        assert person is not None and task is not None
        return Authority(session, office.rules).takes_part(person, task, office.clock())


def _names(office) -> list[str]:
    """Everyone's name and userid in the directory."""
    with office.sessions() as session:
        return [word for person in session.scalars(select(Person))
                for word in (person.name, person.userid)]


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
