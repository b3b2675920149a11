"""办结: the holder closes a task with its result; the requester is asked to rate it."""

from dataclasses import dataclass

from tasks.core.authority import HOLDER, Action
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, task_ref
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

CLOSE = Action("close", "办结", (HOLDER,))


@dataclass(frozen=True)
class CloseTask(Command):
    """办结 #n 结果; an empty result is allowed here because policy on it lives elsewhere."""

    number: int
    result: str


def _parse(said: Said) -> CloseTask:
    number, tail = task_ref(said.rest)
    return CloseTask(number, tail.strip(SEPARATORS))


def _handle(ctx: Context, command: CloseTask) -> None:
    transitions.close(ctx, load_task(ctx, command.number), command.result)


VERBS = (
    Verb(
        "办结", 50, "办完任务并写明结果", "办结 #12 已完成初稿", aliases=("完成", "办完"),
        usage="办结 #编号 办理结果",
        examples=("办结 #12 已完成初稿", "完成 12号 已报送办公室"),
        notes=("说明：办理结果必须写；办结后提请人和首问责任人会收到结果。",),
        command=CloseTask, parse=_parse, handle=_handle, action=CLOSE,
    ),
)
