"""请假 and 销假: a person away names a backup who takes their new tasks and reminders."""

import re
from dataclasses import dataclass

from tasks.core.context import Context
from tasks.language.grammar import (
    MENTION,
    NAME_STOP,
    SEPARATORS,
    Command,
    Misread,
    deadline_first,
    deadline_last,
    is_whole_deadline,
    refuse_typo,
    shown,
)
from tasks.language.text import normalize
from tasks.routing import duty
from tasks.verbs.record import Said, Verb

_BACKUP_FILLER = re.compile(r"^(?:补位人?|代理人?|由)\s*[:,]?\s*|\s*(?:补位|代班|顶班|代理|负责)$")
_RANGE = re.compile(r"(?P<from>.+?)(?:至|到|~)(?P<to>.+)")


@dataclass(frozen=True)
class RequestLeave(Command):
    """请假 到何时 [@补位人]; both stay as written."""

    until_text: str
    backup: str | None


@dataclass(frozen=True)
class EndLeave(Command):
    """销假."""


def _parse_leave(said: Said) -> RequestLeave:
    names = [m.group(1) for m in MENTION.finditer(said.rest)]
    if any(not name for name in names):
        raise Misread("@后面缺少姓名")
    if len(set(names)) > 1:
        raise Misread("只能指定一位补位人")
    body = normalize(MENTION.sub(" ", said.rest)).strip(SEPARATORS)
    refuse_typo(body)
    split = _leave_until(body)
    if split is None:
        raise Misread("请假须写明到什么时候")
    until, remainder, first = split
    if names:
        return RequestLeave(until, names[0])
    word = _BACKUP_FILLER.sub("", remainder.strip(SEPARATORS)).strip(SEPARATORS)
    if not word:
        return RequestLeave(until, None)
    # `请假 12月3日前 王五`: a name without @ is read only right after the date.
    if not first or re.search(rf"[{NAME_STOP}]", word) or len(word) > 12:
        raise Misread(f"没有看懂「{shown(word)}」：补位人请写成 @姓名，请假原因不用写")
    return RequestLeave(until, word)


def _leave_until(body: str) -> tuple[str, str, bool] | None:
    """The end of a leave (`到12月3日`, `12月1日至12月3日`, `3天`), the rest, and whether
    the date came first."""
    first = body.split(" ", 1)[0]
    span = _RANGE.fullmatch(first)
    if span is not None and is_whole_deadline(span["from"]) and is_whole_deadline(span["to"]):
        return span["to"], body[len(first) :].strip(), True
    found = deadline_first(body)
    if found is not None:
        return found[0], found[1], True
    found = deadline_last(body)
    return None if found is None else (found[0], found[1], False)


def _request(ctx: Context, command: RequestLeave) -> None:
    duty.request_leave(ctx, command.until_text, command.backup)


def _end(ctx: Context, command: EndLeave) -> None:
    duty.end_leave(ctx)


VERBS = (
    Verb(
        "请假", 200, "请假并指定补位人", "请假 到12月3日 @王芳",
        usage="请假 到何时 [@补位人]", who="所有人。",
        examples=("请假 到12月3日 @王芳", "请假 12月3日前 王芳"),
        notes=("说明：请假期间新任务和提醒转给补位人；回来后发「销假」。",),
        command=RequestLeave, parse=_parse_leave, handle=_request,
    ),
    Verb(
        "销假", 210, "结束请假", "销假",
        usage="销假", who="正在请假的人。",
        examples=("销假", "销假，我已返岗"),
        notes=("说明：补位人手上代办的任务仍由其办完，新任务重新交给你。",),
        command=EndLeave, parse=lambda said: EndLeave(), handle=_end,
        stands_alone=lambda command, vocabulary: True,
    ),
)
