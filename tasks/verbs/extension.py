"""延期, 同意延期 and 不同意延期: the holder asks for a later deadline, a supervisor decides."""

import re
from dataclasses import dataclass

from tasks.core.authority import ADMIN, HOLDER, LEADER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import (
    SEPARATORS,
    Command,
    Misread,
    deadline_first,
    deadline_last,
    reason,
    required_reason,
    task_ref,
)
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

REQUEST = Action("request_extension", "申请延期", (HOLDER,))
DECIDE = Action("decide_extension", "审批延期", (SUPERVISOR, LEADER, ADMIN))
_EXTEND_TO = re.compile(r"^(?:申请)?(?:延期|延长|推迟|顺延|延)?(?:到|至)\s*(?=\S)")
_EXTEND_TRAILER = re.compile(r"(?:申请)?(?:延期|延长|推迟|顺延|延)(?:到|至)?$|(?:到|至)$")


@dataclass(frozen=True)
class RequestExtension(Command):
    """延期 #n 新期限 原因; the new deadline is left as text for the handler to resolve."""

    number: int
    deadline_text: str
    reason: str


@dataclass(frozen=True)
class DecideExtension(Command):
    """同意延期 #n [说明] / 不同意延期 #n 原因."""

    number: int
    approve: bool
    reason: str


def _parse_request(said: Said) -> RequestExtension:
    number, tail = task_ref(said.rest)
    tail = _EXTEND_TO.sub("", tail.strip(SEPARATORS), count=1)
    split = deadline_first(tail) or deadline_last(tail)
    if split is None:
        raise Misread("延期须写明新的期限")
    deadline, remainder = split
    why = required_reason(_EXTEND_TRAILER.sub("", remainder.strip(SEPARATORS)), "延期须写明原因")
    return RequestExtension(number, deadline, why)


def _parse_approval(said: Said) -> DecideExtension:
    number, tail = task_ref(said.rest)
    return DecideExtension(number, True, reason(tail))


def _parse_refusal(said: Said) -> DecideExtension:
    number, tail = task_ref(said.rest)
    return DecideExtension(number, False, required_reason(tail, f"{said.verb.verb}须写明原因"))


def _request(ctx: Context, command: RequestExtension) -> None:
    transitions.request_extension(ctx, load_task(ctx, command.number), command.deadline_text,
                                  command.reason)


def _decide(ctx: Context, command: DecideExtension) -> None:
    transitions.decide_extension(ctx, load_task(ctx, command.number), command.approve,
                                 command.reason)


VERBS = (
    Verb(
        "延期", 70, "申请延长期限，须写原因", "延期 #12 12月5日 需等待财务数据",
        aliases=("申请延期",),
        usage="延期 #编号 新期限 原因",
        examples=("延期 #12 12月5日 需等待财务数据", "申请延期 #12 3个工作日内 材料需重新盖章"),
        notes=("说明：新期限和原因都要写；由所在科室负责人（或上一级负责人）审批，"
               "原期限保留在记录中。",),
        command=RequestExtension, parse=_parse_request, handle=_request, action=REQUEST,
    ),
    Verb(
        "同意延期", 170, "同意承办人的延期申请", "同意延期 #12", aliases=("批准延期",),
        usage="同意延期 #编号 [说明]",
        examples=("同意延期 #12", "批准延期 #12 请按新期限办结"),
        command=DecideExtension, parse=_parse_approval, handle=_decide, action=DECIDE,
    ),
    Verb(
        "不同意延期", 180, "不同意延期申请，须写原因", "不同意延期 #12 本周必须报送",
        aliases=("驳回延期", "拒绝延期", "不批准延期"),
        usage="不同意延期 #编号 原因",
        examples=("不同意延期 #12 本周必须报送", "驳回延期 #12 数据已齐全"),
        notes=("说明：原因必须写；任务按原期限计时。",),
        command=DecideExtension, parse=_parse_refusal, handle=_decide, action=DECIDE,
    ),
)
