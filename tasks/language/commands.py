"""Parses one chat message into a typed command, or into a helpful refusal; it never raises."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from tasks.language.deadlines import find_deadline
from tasks.language.text import normalize as normalize_text
from tasks.language.text import to_int
from tasks.language.verbs import VerbSpec, closest, lookup, split_verb

HELP_EXAMPLE = "帮助"


@dataclass(frozen=True)
class CreateTask:
    """新建/交办: `verb` is kept because 交办 implies the creator hands the task on."""

    title: str
    assignees: tuple[str, ...]
    deadline_text: str | None
    verb: str


@dataclass(frozen=True)
class AcceptTask:
    """接办 #n."""

    number: int


@dataclass(frozen=True)
class CloseTask:
    """办结 #n 结果; an empty result is allowed here because policy on it lives elsewhere."""

    number: int
    result: str


@dataclass(frozen=True)
class ListMine:
    """我的 / 待办."""


@dataclass(frozen=True)
class ShowHelp:
    """帮助, optionally about one verb (aliases are resolved to the verb they stand for)."""

    topic: str | None


@dataclass(frozen=True)
class Unknown:
    """Anything not understood, with what went wrong and the closest correct example."""

    text: str
    reason: str
    example: str


Command: TypeAlias = CreateTask | AcceptTask | CloseTask | ListMine | ShowHelp | Unknown

_MENTION = re.compile(r"@([^\s@,、;:]*)")
_TASK_REF = re.compile(
    r"(?:任务\s*)?(?:第\s*)?#?\s*"
    r"(?:(?P<digits>[0-9]{1,9})(?![0-9])|(?P<cn>[零〇一二两三四五六七八九十]{1,5})(?=\s*号))"
    r"\s*(?:号(?:任务)?)?"
)
_SEPARATORS = " ,;:、。"
_LIST_MINE_TAILS = ("", "任务", "待办", "待办任务")


def parse_command(text: str) -> Command:
    """Read a message after folding full-width symbols and spaces, as typed on phones.

    Every input yields a Command; nothing the user types may become a server error.
    """
    cleaned = normalize_text(text)
    if not cleaned:
        return Unknown(cleaned, "内容为空，发送「帮助」查看全部指令", HELP_EXAMPLE)
    found = split_verb(cleaned)
    if found is None:
        return _unknown_verb(cleaned)
    spec, rest = found
    if not spec.available:
        return Unknown(cleaned, "该指令即将开放", spec.example)
    return _PARSERS[spec.verb](cleaned, spec, rest)


def _parse_create(text: str, spec: VerbSpec, rest: str) -> Command:
    """Mentions come out first, so a deadline written before `@李娜` is still found last."""
    names: list[str] = []
    for mention in _MENTION.finditer(rest):
        name = mention.group(1)
        if not name:
            return Unknown(text, "@后面缺少姓名", spec.example)
        if name not in names:
            names.append(name)
    body = normalize_text(_MENTION.sub(" ", rest))
    found = find_deadline(body)
    deadline, body = found if found is not None else (None, body)
    title = body.strip(_SEPARATORS)
    if not title:
        return Unknown(text, "缺少任务内容", spec.example)
    return CreateTask(title, tuple(names), deadline, spec.verb)


def _parse_accept(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    if tail.strip(_SEPARATORS + "!"):
        return Unknown(text, f"{spec.verb}后面只需写一个任务编号", spec.example)
    return AcceptTask(number)


def _parse_close(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    return CloseTask(number, tail.strip(_SEPARATORS))


def _parse_list_mine(text: str, spec: VerbSpec, rest: str) -> Command:
    if rest.strip(_SEPARATORS) not in _LIST_MINE_TAILS:
        return Unknown(text, f"「{spec.verb}」后面不用写内容", spec.example)
    return ListMine()


def _parse_help(text: str, spec: VerbSpec, rest: str) -> Command:
    topic = rest.strip(_SEPARATORS + "?")
    if not topic:
        return ShowHelp(None)
    known = lookup(topic)
    return ShowHelp(known.verb if known is not None else topic)


def _task_ref(text: str, spec: VerbSpec, rest: str) -> tuple[int, str] | Unknown:
    """Read `#12`, `12号任务`, `第十二号`… at the start of `rest`; the tail is returned too."""
    if not rest:
        return Unknown(text, "缺少任务编号", spec.example)
    match = _TASK_REF.match(rest)
    if match is None:
        return Unknown(text, "没有看懂任务编号，请写成 #12", spec.example)
    try:
        number = int(match["digits"]) if match["digits"] else to_int(match["cn"])
    except ValueError:
        return Unknown(text, "没有看懂任务编号，请写成 #12", spec.example)
    if number <= 0:
        return Unknown(text, "任务编号应大于0", spec.example)
    return number, rest[match.end() :]


def _unknown_verb(text: str) -> Unknown:
    """Name the word we could not read and, if it looks like a slip, the verb it resembles."""
    word = re.split(r"[\s#@:,0-9]", text, maxsplit=1)[0] or text.split(" ")[0]
    shown = word if len(word) <= 8 else word[:8] + "…"
    suggestion = closest(word)
    if suggestion is not None:
        return Unknown(text, f"没有「{shown}」这个指令，是要用「{suggestion.verb}」吗？",
                       suggestion.example)
    return Unknown(text, f"没有看懂「{shown}」，发送「帮助」查看全部指令", HELP_EXAMPLE)


_PARSERS: dict[str, Callable[[str, VerbSpec, str], Command]] = {
    "新建": _parse_create,
    "交办": _parse_create,
    "接办": _parse_accept,
    "办结": _parse_close,
    "我的": _parse_list_mine,
    "帮助": _parse_help,
}
