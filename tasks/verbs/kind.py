"""类型: correct a task's kind; deadlines the policy set are recomputed."""

import re
from dataclasses import dataclass

from tasks.core.authority import ADMIN, REQUESTER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread, shown, task_ref
from tasks.language.kinds import KIND_LABELS, kind_by_word
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

CHANGE_KIND = Action("change_kind", "修改类型", (REQUESTER, SUPERVISOR, ADMIN))
_KIND_TO = re.compile(r"^(?:改为|改成|设为|更正为|调整为|为|是)\s*")
_KIND_CHOICES = "、".join(
    label.replace("（", "").replace("）", "") for label in KIND_LABELS.values()
)


@dataclass(frozen=True)
class ChangeKind(Command):
    """类型 #n 类型名, to correct a guessed kind; `kind` is a code of KIND_LABELS."""

    number: int
    kind: str


def _parse(said: Said) -> ChangeKind:
    number, tail = task_ref(said.rest)
    word = _KIND_TO.sub("", tail.strip(SEPARATORS)).strip(SEPARATORS)
    if not word:
        raise Misread(f"缺少类型，可写：{_KIND_CHOICES}")
    kind = kind_by_word(word)
    if kind is None:
        raise Misread(f"没有「{shown(word)}」这个类型，可写：{_KIND_CHOICES}")
    return ChangeKind(number, kind)


def _handle(ctx: Context, command: ChangeKind) -> None:
    transitions.change_kind(ctx, load_task(ctx, command.number), command.kind)


VERBS = (
    Verb(
        "类型", 190, "更正任务类型", "类型 #12 一般件", aliases=("改类型", "修改类型", "更改类型"),
        usage="类型 #编号 类型名",
        examples=("类型 #12 一般件", "改类型 #12 会议纪要"),
        notes=("类型：急件、一般件、领导来电、领导来电特殊事项、突发事件、公文代拟、会议纪要、"
               "征求意见、送审报批、交办事项、督查事项。",
               "说明：改类型后按新类型重新计算时限；自己写明的期限保留不变。"),
        command=ChangeKind, parse=_parse, handle=_handle, action=CHANGE_KIND,
    ),
)
