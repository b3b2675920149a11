"""The shared grammar every chat verb is built from: task numbers, mentions, reasons,
deadlines written before or after the words, and the refusal a misread message gets.

Nothing here knows which verbs exist (they live in `tasks.verbs`, one module each) and
nothing looks at the database: names stay as written (`@王芳`, `@秘书科`) and deadlines as
text, so the handlers can resolve them against the directory and the clock.
"""

import re
from dataclasses import dataclass

from tasks.language.deadline_split import split_deadline
from tasks.language.text import to_int
from tasks.markup import plain_text

HELP_EXAMPLE = "帮助"
SEPARATORS = " ,;:、。!?"
NAME_STOP = r"\s@,、;:。!?()【】\[\]"
MENTION = re.compile(rf"@([^{NAME_STOP}]*)")
# A number followed by 月, 日, 点… is a date or a time, not a task (`延期 12月5日` lacks #n).
_TASK_REF = re.compile(
    r"(?:任务\s*)?(?:第\s*)?#?\s*"
    r"(?:(?P<digits>[0-9]{1,9})(?![0-9月日天点时分个周年]|[:/\-.][0-9])"
    r"|(?P<cn>[零〇一二两三四五六七八九十]{1,5})(?=\s*号))"
    r"\s*(?:号(?:任务)?)?"
)
_LOOKS_LIKE_REF = re.compile(r"(?:任务|第|#|[0-9零〇一二两三四五六七八九十])")
_REASON_LABEL = re.compile(r"^(?:原因|理由)\s*[:,]\s*")
_GLUE_END = re.compile(r"(?:前|内|为止|完成|办结|办完)$")


class Command:
    """What one chat message asks for; each verb module defines its own command types."""


@dataclass(frozen=True)
class Unknown(Command):
    """Anything not understood, with what went wrong and the closest correct example."""

    text: str
    reason: str
    example: str


class Misread(Exception):
    """Raised by a verb's parser for a message it cannot read; the registry turns it into an
    Unknown with that verb's example, so parsers only say what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def task_ref(rest: str) -> tuple[int, str]:
    """Read `#12`, `12号任务`, `第十二号`… at the start of `rest`; the tail is returned too."""
    if not rest or not _LOOKS_LIKE_REF.match(rest):
        raise Misread("缺少任务编号")
    match = _TASK_REF.match(rest)
    if match is None:
        raise Misread("没有看懂任务编号，请写成 #12")
    try:
        number = int(match["digits"]) if match["digits"] else to_int(match["cn"])
    except ValueError:
        raise Misread("没有看懂任务编号，请写成 #12") from None
    if number <= 0:
        raise Misread("任务编号应大于0")
    return number, rest[match.end() :]


def reason(text: str) -> str:
    """The words after the task (or deadline), without a `原因：` label."""
    return _REASON_LABEL.sub("", text.strip(SEPARATORS)).strip(SEPARATORS)


def required_reason(text: str, problem: str) -> str:
    """A reason that must be written; `problem` is the refusal when it is not."""
    said = reason(text)
    if not said:
        raise Misread(problem)
    return said


def shown(word: str) -> str:
    """A word quoted back in a refusal, shortened so a pasted paragraph stays readable, and
    escaped for the text message the refusal goes out as (tasks/markup.py)."""
    return plain_text(word if len(word) <= 8 else word[:8] + "…")


def is_whole_deadline(text: str) -> bool:
    """Whether the text is a deadline and nothing else (politeness included)."""
    split = split_deadline(text)
    return split.deadline is not None and not split.title and not split.polite


def deadline_first(text: str, *, strict_glue: bool = False) -> tuple[str, str] | None:
    """A deadline at the very start (`12月5日 需等待…`, `3天内完成数据核对`), and the rest.

    With `strict_glue`, a deadline glued to the following words must end in 前/内… so that
    `上午提交的数据有误` is not read as "by noon: 提交的数据有误".
    """
    words = text.split(" ")
    for count in range(min(3, len(words)), 0, -1):
        candidate = " ".join(words[:count])
        if len(candidate) <= 40 and is_whole_deadline(candidate):
            return candidate, " ".join(words[count:])
    head = words[0]
    for end in range(min(len(head) - 1, 32), 0, -1):
        if head[end - 1] in "0123456789" and head[end] in "0123456789":
            continue  # never split a number
        if strict_glue and not _GLUE_END.search(head[:end]):
            continue
        if is_whole_deadline(head[:end]):
            return head[:end], " ".join([head[end:], *words[1:]])
    return None


def deadline_last(text: str) -> tuple[str, str] | None:
    """A deadline ending the text (`需等待财务数据 12月5日前`), and what comes before it."""
    split = split_deadline(text)
    if split.deadline is None or not split.at_end or split.marker:
        return None
    return split.deadline, split.title


def refuse_typo(text: str) -> None:
    """A garbled time word (`名天`) is refused with what was probably meant, never read as
    another time word or left for the reason."""
    typo = split_deadline(text).typo
    if typo is not None:
        raise Misread(f"「{typo[0]}」不是时间词，是不是「{typo[1]}」？请改正后重发")


def ref_with_deadline(rest: str) -> tuple[int, str | None, str]:
    """`#n [期限] [说明]`: the task, a deadline written before or after the words, the words."""
    number, tail = task_ref(rest)
    tail = tail.strip(SEPARATORS)
    refuse_typo(tail)
    split = deadline_first(tail, strict_glue=True) or deadline_last(tail)
    deadline, remainder = split if split is not None else (None, tail)
    return number, deadline, remainder


# How the help explains task numbers (the forms task_ref reads).
TASK_NUMBER_NOTE = "任务编号可写作 #12、＃12、12、12号、12号任务、任务12。"
