"""撤销: the requester or a supervisor withdraws a task, with a reason."""

from dataclasses import dataclass

from tasks.core.authority import ADMIN, REQUESTER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import Command, required_reason, task_ref
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

CANCEL = Action("cancel", "撤销", (REQUESTER, SUPERVISOR, ADMIN))


@dataclass(frozen=True)
class CancelTask(Command):
    """撤销 #n 原因."""

    number: int
    reason: str


def _parse(said: Said) -> CancelTask:
    number, tail = task_ref(said.rest)
    return CancelTask(number, required_reason(tail, f"{said.verb.verb}须写明原因"))


def _handle(ctx: Context, command: CancelTask) -> None:
    transitions.cancel(ctx, load_task(ctx, command.number), command.reason)


VERBS = (
    Verb(
        "撤销", 130, "撤销任务，须写原因", "撤销 #12 会议已取消", aliases=("取消", "撤回"),
        usage="撤销 #编号 原因",
        examples=("撤销 #12 会议已取消", "取消 12号 重复提交"),
        notes=("说明：原因必须写。",),
        command=CancelTask, parse=_parse, handle=_handle, action=CANCEL,
    ),
)
