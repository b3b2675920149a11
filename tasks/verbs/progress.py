"""进展: the holder reports how the work goes; the requester hears of it."""

from dataclasses import dataclass

from tasks.core.authority import HOLDER, Action
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread, task_ref
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

PROGRESS = Action("progress", "报告进展", (HOLDER,))


@dataclass(frozen=True)
class ReportProgress(Command):
    """进展 #n 说明; the description is required."""

    number: int
    text: str


def _parse(said: Said) -> ReportProgress:
    number, tail = task_ref(said.rest)
    text = tail.strip(SEPARATORS)
    if not text:
        raise Misread("缺少进展说明（只想查看任务请发「查询 #12」）")
    return ReportProgress(number, text)


def _handle(ctx: Context, command: ReportProgress) -> None:
    transitions.report_progress(ctx, load_task(ctx, command.number), command.text)


VERBS = (
    Verb(
        "进展", 40, "报告任务进展", "进展 #12 初稿已完成一半", aliases=("汇报", "报告进展", "进度"),
        usage="进展 #编号 办理情况",
        examples=("进展 #12 初稿已完成一半", "汇报 #12 已联系财务科，等待数据"),
        notes=("说明：办理情况必须写；只想查看任务请发「查询 #12」。",),
        command=ReportProgress, parse=_parse, handle=_handle, action=PROGRESS,
    ),
)
