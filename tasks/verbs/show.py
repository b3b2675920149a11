"""查询: one task with its whole history, for anyone with a part in it."""

import re
from dataclasses import dataclass

from tasks.core.authority import (
    ADMIN,
    CLAIMANT,
    FIRST_RESPONDER,
    HOLDER,
    LEADER,
    REQUESTER,
    SUPERVISOR,
    Action,
)
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread, task_ref
from tasks.lifecycle import views
from tasks.verbs.record import Said, Verb, load_task

VIEW = Action("view", "查询", (REQUESTER, HOLDER, FIRST_RESPONDER, CLAIMANT, SUPERVISOR, LEADER,
                             ADMIN))
# Words that may follow the number without changing its meaning (`查询 #12 的进展`).
_SHOW_FILLER = re.compile(
    r"(?:的)?(?:办理)?(?:进展|进度|详情|情况|经过|历史|记录|状态)?(?:如何|怎样|怎么样)?"
)


@dataclass(frozen=True)
class ShowTask(Command):
    """查询 #n."""

    number: int


def _parse(said: Said) -> Command:
    """`查看我的任务`, `查看值班`: a view that changes nothing may follow (`follows_show`)."""
    inner = said.vocabulary.split(said.rest) if said.rest else None
    if inner is not None and inner[1].follows_show:
        return said.vocabulary.parse_as(inner[1], said.text, inner[2])
    number, tail = task_ref(said.rest)
    if not _SHOW_FILLER.fullmatch(tail.strip(SEPARATORS)):
        raise Misread(f"{said.verb.verb}后面只需写一个任务编号")
    return ShowTask(number)


def _handle(ctx: Context, command: ShowTask) -> None:
    views.show_task(ctx, load_task(ctx, command.number, lock=False))


VERBS = (
    Verb(
        "查询", 90, "查看一个任务及其办理经过", "查询 #12",
        aliases=("查看", "详情", "进度查询", "查询进度", "查看进度", "任务详情"),
        usage="查询 #编号",
        examples=("查询 #12", "查看 12号任务"),
        notes=("说明：显示任务的状态、期限和全部办理经过。",),
        command=ShowTask, parse=_parse, handle=_handle, action=VIEW,
    ),
)
