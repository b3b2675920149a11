"""我的: the sender's open tasks, most urgent first, ten a page."""

import re
from dataclasses import dataclass

from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread
from tasks.language.text import NUMBER, to_int
from tasks.lifecycle import views
from tasks.verbs.record import Said, Verb

_PAGE = re.compile(
    rf"(?:的?(?:待办)?任务|待办)?\s*(?:第\s*(?P<a>{NUMBER})\s*页|(?P<b>{NUMBER})\s*页?)?"
)


@dataclass(frozen=True)
class ListMine(Command):
    """我的 / 待办, one page of ten at a time."""

    page: int = 1


def _parse(said: Said) -> ListMine:
    name = said.verb.verb
    match = _PAGE.fullmatch(said.rest.strip(SEPARATORS))
    if match is None:
        raise Misread(f"「{name}」后面只能写页码，如「{name} 2」")
    numeral = match["a"] or match["b"]
    try:
        page = to_int(numeral) if numeral else 1
    except ValueError:
        raise Misread(f"没有看懂页码，请写成「{name} 2」") from None
    if page <= 0:
        raise Misread("页码应大于0")
    return ListMine(page)


def _handle(ctx: Context, command: ListMine) -> None:
    views.list_mine(ctx, command.page)


VERBS = (
    Verb(
        "我的", 80, "查看我手上未办结的任务，也可发「待办」", "我的", aliases=("待办", "我的任务"),
        usage="我的 [页码]", who="所有人。",
        examples=("我的", "待办 2", "我的任务 第3页"),
        notes=("说明：按紧急程度排列，每页10项。",),
        command=ListMine, parse=_parse, handle=_handle,
        follows_show=True, stands_alone=lambda command, vocabulary: True,
    ),
)
