"""转办: hand a task to another person or department, with a reason (also a card button's
hint, see flows)."""

import re
from dataclasses import dataclass

from tasks.core.authority import ADMIN, HOLDER, LADDER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import (
    MENTION,
    NAME_STOP,
    SEPARATORS,
    Command,
    Misread,
    required_reason,
    task_ref,
)
from tasks.language.text import normalize
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

TRANSFER = Action("transfer", "转办", (HOLDER, SUPERVISOR, LADDER, ADMIN))
_TRANSFER_TO = re.compile(r"^(?:转交给|转给|交给|转至|转到|给|到|至)\s*(?=\S)")


@dataclass(frozen=True)
class TransferTask(Command):
    """转办 #n @某人/部门 原因; `target_marked` is False when the name was written without @."""

    number: int
    target: str
    reason: str
    target_marked: bool


def _parse(said: Said) -> TransferTask:
    number, tail = task_ref(said.rest)
    tail = _TRANSFER_TO.sub("", tail.strip(SEPARATORS), count=1)
    mention = MENTION.search(tail)
    if mention is not None:
        if not mention.group(1):
            raise Misread("@后面缺少姓名")
        target, marked = mention.group(1), True
        before = _TRANSFER_TO.sub("", tail[: mention.start()].strip(SEPARATORS))
        remainder = normalize(before + " " + tail[mention.end() :])
    else:
        word = re.match(rf"[^{NAME_STOP}]+", tail)
        if word is None:
            raise Misread(f"{said.verb.verb}须写明转给谁（@姓名或部门）和原因")
        target, marked = word[0], False
        remainder = tail[word.end() :]
    reason = required_reason(remainder, f"{said.verb.verb}须写明原因")
    return TransferTask(number, target, reason, marked)


def _handle(ctx: Context, command: TransferTask) -> None:
    transitions.transfer(ctx, load_task(ctx, command.number), command.target, command.reason,
                         command.target_marked)


VERBS = (
    Verb(
        "转办", 60, "把任务转给他人或部门，须写原因", "转办 #12 @王芳 该事项归综合科办理",
        aliases=("转交", "移交", "引导"),
        usage="转办 #编号 @人或部门 原因",
        examples=("转办 #12 @王芳 该事项归综合科办理", "转办 #12 @秘书科 属于公文处理",
                  "移交 12号 李娜 她负责该项目"),
        notes=("说明：原因必须写；首问责任人转办后仍留有记录，并会收到办理结果。",),
        command=TransferTask, parse=_parse, handle=_handle, action=TRANSFER,
    ),
)
