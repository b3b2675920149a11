"""延期, 同意延期 and 不同意延期: the holder asks for a later deadline, a supervisor decides."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tasks.core.authority import ADMIN, HOLDER, LEADER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.errors import Refusal
from tasks.language.grammar import (
    SEPARATORS,
    Command,
    Misread,
    deadline_first,
    deadline_last,
    reason,
    refuse_typo,
    required_reason,
    task_ref,
)
from tasks.language.text import NUMBER, to_int
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

REQUEST = Action("request_extension", "申请延期", (HOLDER,))
DECIDE = Action("decide_extension", "审批延期", (SUPERVISOR, LEADER, ADMIN))
_EXTEND_TO = re.compile(r"^(?:申请)?(?:延期|延长|推迟|顺延|延)?(?:到|至)\s*(?=\S)")
_EXTEND_TRAILER = re.compile(r"(?:申请)?(?:延期|延长|推迟|顺延|延)(?:到|至)?$|(?:到|至)$")
# `再推迟两天`, `顺延3个工作日`: a shift of the task's own deadline, not a span from now.
_SHIFT = re.compile(
    rf"(?:再|往后|向后)?(?:推迟|延后|顺延|延长|推后|后延|延期|延)\s*(?P<n>{NUMBER})\s*个?\s*"
    r"(?P<unit>工作日|天|日|周|星期|小时|钟头)"
)
_SHIFT_UNITS = {"工作日": "workday", "天": "day", "日": "day", "周": "week", "星期": "week",
                "小时": "hour", "钟头": "hour"}


@dataclass(frozen=True)
class RequestExtension(Command):
    """延期 #n 新期限 原因; the new deadline is left as text for the handler to resolve."""

    number: int
    deadline_text: str
    reason: str
    shift: tuple[int, str] | None = None  # (amount, unit): `推迟两天` moves the task's deadline


@dataclass(frozen=True)
class DecideExtension(Command):
    """同意延期 #n [说明] / 不同意延期 #n 原因."""

    number: int
    approve: bool
    reason: str


def _parse_request(said: Said) -> RequestExtension:
    number, tail = task_ref(said.rest)
    tail = _EXTEND_TO.sub("", tail.strip(SEPARATORS), count=1)
    refuse_typo(tail)
    shifted = _shift(number, tail)
    if shifted is not None:
        return shifted
    split = deadline_first(tail) or deadline_last(tail)
    if split is None:
        raise Misread("延期须写明新的期限")
    deadline, remainder = split
    why = required_reason(_EXTEND_TRAILER.sub("", remainder.strip(SEPARATORS)), "延期须写明原因")
    return RequestExtension(number, deadline, why)


def _shift(number: int, tail: str) -> RequestExtension | None:
    """`延期 #12 等数据 再推迟两天`: the shift, wherever it stands, and the rest as reason."""
    match = _SHIFT.search(tail)
    if match is None:
        return None
    try:
        amount = to_int(match["n"])
    except ValueError:
        raise Misread(f"没有看懂「{match[0]}」，请写成：推迟2天") from None
    if amount <= 0:
        raise Misread("推迟的天数应大于零")
    rest = (tail[: match.start()] + " " + tail[match.end() :]).strip(SEPARATORS)
    why = required_reason(rest, "延期须写明原因")
    return RequestExtension(number, match[0], why, (amount, _SHIFT_UNITS[match["unit"]]))


def _shifted(ctx: Context, deadline: datetime | None, shift: tuple[int, str]) -> datetime:
    """The task's deadline (or now, for a task without one) moved by the shift."""
    amount, unit = shift
    base = deadline or ctx.now
    try:
        match unit:
            case "hour":
                return base + timedelta(hours=amount)
            case "workday":
                return ctx.calendar.add_working_days(base, amount)
            case "week":
                return ctx.calendar.add_natural_days(base, 7 * amount)
            case _:
                return ctx.calendar.add_natural_days(base, amount)
    except ValueError as error:  # CalendarDataMissing, or beyond the calendar's range
        raise Refusal(f"期限无法使用：{error}") from error


def _parse_approval(said: Said) -> DecideExtension:
    number, tail = task_ref(said.rest)
    return DecideExtension(number, True, reason(tail))


def _parse_refusal(said: Said) -> DecideExtension:
    number, tail = task_ref(said.rest)
    return DecideExtension(number, False, required_reason(tail, f"{said.verb.verb}须写明原因"))


def _request(ctx: Context, command: RequestExtension) -> None:
    task = load_task(ctx, command.number)
    wanted: str | datetime = command.deadline_text
    if command.shift is not None:
        wanted = _shifted(ctx, task.deadline, command.shift)
    transitions.request_extension(ctx, task, wanted, command.reason)


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
