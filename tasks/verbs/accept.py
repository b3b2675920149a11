"""接办: take on a task offered to you (also the offer card's 接办 button, see flows)."""

from dataclasses import dataclass

from tasks.core.authority import CLAIMANT, HOLDER, LADDER, Action
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, TASK_NUMBER_NOTE, Command, Misread, task_ref
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

ACCEPT = Action("accept", "接办", (HOLDER, CLAIMANT, LADDER))


@dataclass(frozen=True)
class AcceptTask(Command):
    """接办 #n."""

    number: int


def _parse(said: Said) -> AcceptTask:
    number, tail = task_ref(said.rest)
    if tail.strip(SEPARATORS):
        raise Misread(f"{said.verb.verb}后面只需写一个任务编号")
    return AcceptTask(number)


def _handle(ctx: Context, command: AcceptTask) -> None:
    transitions.accept(ctx, load_task(ctx, command.number))


VERBS = (
    Verb(
        "接办", 30, "接下交给你的任务", "接办 #12", aliases=("接收", "接单"),
        usage="接办 #编号（也可直接点卡片上的「接办」）",
        examples=("接办 #12", "接单 12号"),
        notes=("说明：两人同时接办时只有一人成功，另一人会收到提示；"
               "「收到」「好的」只是回应，不会接办，助手会列出等你接办的任务和「接办」按钮。"
               + TASK_NUMBER_NOTE,),
        command=AcceptTask, parse=_parse, handle=_handle, action=ACCEPT,
    ),
)
