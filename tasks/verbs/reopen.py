"""重办: send a closed task back to its holder, with a reason and perhaps a new deadline
(also a bad rating card's 重办 button, see flows)."""

from dataclasses import dataclass

from tasks.core.authority import ADMIN, LEADER, REQUESTER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import Command, ref_with_deadline, required_reason
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

REOPEN = Action("reopen", "重办", (REQUESTER, SUPERVISOR, LEADER, ADMIN))


@dataclass(frozen=True)
class ReopenTask(Command):
    """重办 #n [新期限] 原因."""

    number: int
    deadline_text: str | None
    reason: str


def _parse(said: Said) -> ReopenTask:
    number, deadline, remainder = ref_with_deadline(said.rest)
    return ReopenTask(number, deadline, required_reason(remainder, f"{said.verb.verb}须写明原因"))


def _handle(ctx: Context, command: ReopenTask) -> None:
    transitions.reopen(ctx, load_task(ctx, command.number), command.deadline_text,
                       command.reason)


VERBS = (
    Verb(
        "重办", 140, "把已办结的任务退回重新办理，须写原因", "重办 #12 3天内 数据有误需重新核对",
        aliases=("重新办理",),
        usage="重办 #编号 [新期限] 原因",
        examples=("重办 #12 3天内 数据有误需重新核对", "重新办理 #12 缺少附件"),
        notes=("说明：原因必须写；不写新期限时沿用原期限，原期限已过则必须写新期限。",),
        command=ReopenTask, parse=_parse, handle=_handle, action=REOPEN,
    ),
)
