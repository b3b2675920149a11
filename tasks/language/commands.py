"""Parses one chat message into a typed command, or into a helpful refusal; it never raises.

The grammar, verb by verb, is in docs/commands.md; the verbs and their aliases live in
verbs.py, the task kinds in kinds.py and the deadline phrases in deadlines.py. Nothing here
looks at the database: names stay as written (`@王芳`, `@秘书科`) and deadlines as text, so
the flows can resolve them against the directory and the clock and explain any problem.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from tasks.language.deadlines import find_deadline
from tasks.language.kinds import KIND_LABELS, infer_kind, kind_by_word
from tasks.language.text import NUMBER, to_int
from tasks.language.text import normalize as normalize_text
from tasks.language.verbs import VerbSpec, closest, lookup, split_verb_name
from tasks.vocabulary import RATING_LEVELS

log = logging.getLogger(__name__)

HELP_EXAMPLE = "帮助"


@dataclass(frozen=True)
class CreateTask:
    """新建/交办/请示/急件 and the kind words used as verbs (`领导来电 …`, `突发 …`).

    `verb` is the canonical verb (新建, 交办, 请示 or 急件): 交办 means the creator hands the
    task on, 请示 and 急件 that it is routed by the rules. `kind` is None when neither the
    words nor the verb say which kind it is; `kind_explicit` tells a kind the user named
    (急件, 交办, a kind tag) from one guessed from the wording. `progress_text` is a report
    interval such as `每周汇报`, for `parse_interval`.
    """

    title: str
    assignees: tuple[str, ...]
    deadline_text: str | None
    verb: str
    kind: str | None = None
    kind_explicit: bool = False
    progress_text: str | None = None


@dataclass(frozen=True)
class AcceptTask:
    """接办 #n."""

    number: int


@dataclass(frozen=True)
class ReportProgress:
    """进展 #n 说明; the description is required."""

    number: int
    text: str


@dataclass(frozen=True)
class CloseTask:
    """办结 #n 结果; an empty result is allowed here because policy on it lives elsewhere."""

    number: int
    result: str


@dataclass(frozen=True)
class TransferTask:
    """转办 #n @某人/部门 原因; `target_marked` is False when the name was written without @."""

    number: int
    target: str
    reason: str
    target_marked: bool


@dataclass(frozen=True)
class RequestExtension:
    """延期 #n 新期限 原因; the new deadline is left as text for the flows to resolve."""

    number: int
    deadline_text: str
    reason: str


@dataclass(frozen=True)
class DecideExtension:
    """同意延期 #n [说明] / 不同意延期 #n 原因."""

    number: int
    approve: bool
    reason: str


@dataclass(frozen=True)
class ChaseTask:
    """催办 #n [附言]."""

    number: int
    note: str


@dataclass(frozen=True)
class CancelTask:
    """撤销 #n 原因."""

    number: int
    reason: str


@dataclass(frozen=True)
class ReopenTask:
    """重办 #n [新期限] 原因."""

    number: int
    deadline_text: str | None
    reason: str


@dataclass(frozen=True)
class RateTask:
    """评价 #n 等级 [说明]: the requester's 好差评 on a close; `level` is one of RATING_LEVELS.

    For 不满意 and 非常不满意 the `reason` is wanted; an empty one is asked for in chat.
    """

    number: int
    level: str
    reason: str


@dataclass(frozen=True)
class RectifyTask:
    """整改 #n [期限] [说明]: a supervisor answers a bad rating with a follow-up task."""

    number: int
    deadline_text: str | None
    note: str


@dataclass(frozen=True)
class ShowTask:
    """查询 #n."""

    number: int


@dataclass(frozen=True)
class ListMine:
    """我的 / 待办, one page of ten at a time."""

    page: int = 1


@dataclass(frozen=True)
class ChangeKind:
    """类型 #n 类型名, to correct a guessed kind; `kind` is a code of KIND_LABELS."""

    number: int
    kind: str


@dataclass(frozen=True)
class RequestLeave:
    """请假 到何时 [@补位人]; both stay as written."""

    until_text: str
    backup: str | None


@dataclass(frozen=True)
class EndLeave:
    """销假."""


@dataclass(frozen=True)
class ShowDuty:
    """值班."""


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


Command: TypeAlias = (
    CreateTask
    | AcceptTask
    | ReportProgress
    | CloseTask
    | TransferTask
    | RequestExtension
    | DecideExtension
    | ChaseTask
    | CancelTask
    | ReopenTask
    | RateTask
    | RectifyTask
    | ShowTask
    | ListMine
    | ChangeKind
    | RequestLeave
    | EndLeave
    | ShowDuty
    | ShowHelp
    | Unknown
)

_SEPARATORS = " ,;:、。!?"
_NAME_STOP = r"\s@,、;:。!?()【】\[\]"
_MENTION = re.compile(rf"@([^{_NAME_STOP}]*)")
# A number followed by 月, 日, 点… is a date or a time, not a task (`延期 12月5日` lacks #n).
_TASK_REF = re.compile(
    r"(?:任务\s*)?(?:第\s*)?#?\s*"
    r"(?:(?P<digits>[0-9]{1,9})(?![0-9月日天点时分个周年]|[:/\-.][0-9])"
    r"|(?P<cn>[零〇一二两三四五六七八九十]{1,5})(?=\s*号))"
    r"\s*(?:号(?:任务)?)?"
)
_LOOKS_LIKE_REF = re.compile(r"(?:任务|第|#|[0-9零〇一二两三四五六七八九十])")

# ---- report intervals (`每周汇报`, `每3个工作日报告一次进展`) ----------------------------
_INTERVAL_CORE = (
    rf"每\s*(?:隔\s*)?(?:(?P<n>{NUMBER})\s*)?(?:个\s*)?"
    r"(?P<unit>工作日|小时|钟头|天|日|月|周|星期|礼拜)(?:(?<=[周期拜])[一二三四五六日天1-7](?!\s*次))?"
)
_ONCE = r"(?:(?:一|1)\s*次\s*)?"
_REPORT = (
    rf"\s*{_ONCE}(?:要|须|需|需要|请)?\s*(?:汇报|报告|报送|反馈|通报|报)\s*{_ONCE}"
    r"(?:办理|工作)?\s*(?:进展情况|进展|进度|情况)?"
)
_INTERVAL_IN_TEXT = re.compile(
    rf"(?:(?<![^\s,;:、。])(?:请|并|并且|需|须|需要|要)\s*)?(?P<phrase>{_INTERVAL_CORE}{_REPORT})"
    r"(?=$|[\s,;:、。!?@])"
)
_INTERVAL_ALONE = re.compile(rf"(?:请|并|需|须|要)?{_INTERVAL_CORE}(?:{_REPORT})?")
_INTERVAL_UNITS = {
    "工作日": (1, "working_days"), "小时": (1, "hours"), "钟头": (1, "hours"),
    "天": (1, "natural_days"), "日": (1, "natural_days"), "周": (7, "natural_days"),
    "星期": (7, "natural_days"), "礼拜": (7, "natural_days"), "月": (30, "natural_days"),
}


def parse_interval(text: str) -> tuple[int, str] | None:
    """Read a report interval: `每周汇报` → (7, "natural_days"), `每3个工作日` → (3,
    "working_days"), `每2小时报一次` → (2, "hours"); None when it is not one.

    A month counts as 30 natural days.
    """
    phrase = normalize_text(text).replace(" ", "")
    match = _INTERVAL_ALONE.fullmatch(phrase)
    if match is None:
        return None
    factor, name = _INTERVAL_UNITS[match["unit"]]
    try:
        count = to_int(match["n"]) if match["n"] else 1
    except ValueError:
        return None
    return (count * factor, name) if count > 0 else None


# ---- entry point --------------------------------------------------------------------------


def parse_command(text: str) -> Command:
    """Read a message after folding full-width symbols and spaces, as typed on phones.

    Every input yields a Command; nothing the user types may become a server error, so even
    a fault in the grammar itself becomes a polite "not understood".
    """
    try:
        return _parse(text)
    except Exception:  # product.md §8's promise; the tests exercise _parse without this net
        log.exception("the command grammar failed on %r", text)  # a bug to fix, not to hide
        return Unknown(normalize_text(str(text)), "没有看懂这条消息，发送「帮助」查看全部指令",
                       HELP_EXAMPLE)


def _parse(text: str) -> Command:
    cleaned = normalize_text(text)
    if not cleaned:
        return Unknown(cleaned, "内容为空，发送「帮助」查看全部指令", HELP_EXAMPLE)
    by_kind = _kind_as_verb(cleaned)
    if by_kind is not None:
        return by_kind
    found = split_verb_name(cleaned)
    if found is None:
        return _unknown_verb(cleaned)
    _, spec, rest = found
    if not spec.available:
        return Unknown(cleaned, "该指令即将开放", spec.example)
    return _PARSERS[spec.verb](cleaned, spec, rest)


# ---- creating tasks -----------------------------------------------------------------------

_VERB_KINDS = {"交办": "assigned", "急件": "urgent"}
_KIND_VERBS = {"assigned": "交办", "urgent": "急件"}
# Kind words too common in ordinary sentences to start a task on their own (`一般来说…`).
_NOT_A_VERB = frozenset({"一般", "普通", "常规", "特殊事项", "领导来电特殊", "纪要"})
_TAG_BRACKETED = re.compile(r"[【\[〔〖(]\s*([^】\]〕〗)]{1,16}?)\s*[】\]〕〗)]\s*[:,;、]?\s*")
_TAG_WORD = re.compile(r"([^\s:,;、@【\[〔〖]{1,16})(?:\s*[:,;、]\s*|\s+|$)")


def _leading_kind(rest: str, *, as_verb: bool = False) -> tuple[str, str, str] | None:
    """A kind named at the start: `【会议纪要】…`, `会议纪要：…`, `领导来电 特殊事项 …`.

    Returns (kind, the word as written, the rest). A bare word needs a separator after it
    so that `会议纪要整理` stays a title whose kind is merely inferred. As a verb, a kind
    word must not be a verb itself (`急件`, `交办`) nor too common to start a task.
    """
    match = _TAG_BRACKETED.match(rest)
    if match is not None:
        kind = kind_by_word(match[1])
        if kind is None or match[1].isascii():
            return None
        return kind, match[1], rest[match.end() :]
    first = _TAG_WORD.match(rest)
    if first is None or first[1].isascii():
        return None
    word, after = first[1], rest[first.end() :]
    second = _TAG_WORD.match(rest, first.end())
    if second is not None and kind_by_word(first[1] + second[1]) is not None:
        word, after = first[1] + second[1], rest[second.end() :]  # `领导来电 特殊事项`
    kind = kind_by_word(word)
    if kind is None:
        return None
    if as_verb and (word in _NOT_A_VERB or lookup(first[1]) is not None):
        return None
    return kind, word, after


def _kind_as_verb(text: str) -> Command | None:
    """`领导来电 …`, `突发：…`, `【会议纪要】…`: a kind word standing where the verb goes."""
    found = _leading_kind(text, as_verb=True)
    if found is None:
        return None
    kind, word, rest = found
    spec = lookup(_KIND_VERBS.get(kind, "新建"))
    assert spec is not None
    return _create(text, spec, rest, named=(kind, word), word_as_title=False)


def _parse_create(text: str, spec: VerbSpec, rest: str) -> Command:
    found = _leading_kind(rest)
    if found is None:
        return _create(text, spec, rest, named=None)
    kind, word, after = found
    return _create(text, spec, after, named=(kind, word))


def _create(
    text: str,
    spec: VerbSpec,
    rest: str,
    *,
    named: tuple[str, str] | None,
    word_as_title: bool = True,
) -> Command:
    """Mentions come out first, so a deadline written before `@李娜` is still found last."""
    names: list[str] = []
    for mention in _MENTION.finditer(rest):
        name = mention.group(1)
        if not name:
            return Unknown(text, "@后面缺少姓名", spec.example)
        if name not in names:
            names.append(name)
    body = normalize_text(_MENTION.sub(" ", rest))
    progress: str | None = None
    interval = _INTERVAL_IN_TEXT.search(body)
    if interval is not None:
        progress = interval["phrase"].replace(" ", "")
        body = normalize_text(body[: interval.start()] + " " + body[interval.end() :])
    found = find_deadline(body)
    deadline, body = found if found is not None else (None, body)
    title = body.strip(_SEPARATORS)
    if not title and named is not None and word_as_title:
        title = named[1]  # `新建 会议纪要 @李娜`: the kind word is all there is to say
    if not title:
        return Unknown(text, "缺少任务内容", spec.example)
    kind, explicit = _kind_of(spec.verb, named[0] if named else None, title)
    return CreateTask(title, tuple(names), deadline, spec.verb, kind, explicit, progress)


def _kind_of(verb: str, named: str | None, title: str) -> tuple[str | None, bool]:
    """急件 always means urgent; a named kind beats 交办's default; else guess from wording."""
    if verb == "急件":
        return "urgent", True
    if named is not None:
        return named, True
    if verb in _VERB_KINDS:
        return _VERB_KINDS[verb], True
    return infer_kind(title), False


# ---- verbs that take a task number --------------------------------------------------------


def _parse_accept(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    if tail.strip(_SEPARATORS):
        return Unknown(text, f"{spec.verb}后面只需写一个任务编号", spec.example)
    return AcceptTask(number)


def _parse_progress(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    said = tail.strip(_SEPARATORS)
    if not said:
        return Unknown(text, "缺少进展说明（只想查看任务请发「查询 #12」）", spec.example)
    return ReportProgress(number, said)


def _parse_close(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    return CloseTask(number, tail.strip(_SEPARATORS))


_TRANSFER_TO = re.compile(r"^(?:转交给|转给|交给|转至|转到|给|到|至)\s*(?=\S)")
_REASON_LABEL = re.compile(r"^(?:原因|理由)\s*[:,]\s*")


def _parse_transfer(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    tail = _TRANSFER_TO.sub("", tail.strip(_SEPARATORS), count=1)
    mention = _MENTION.search(tail)
    if mention is not None:
        if not mention.group(1):
            return Unknown(text, "@后面缺少姓名", spec.example)
        target, marked = mention.group(1), True
        before = _TRANSFER_TO.sub("", tail[: mention.start()].strip(_SEPARATORS))
        remainder = normalize_text(before + " " + tail[mention.end() :])
    else:
        word = re.match(rf"[^{_NAME_STOP}]+", tail)
        if word is None:
            return Unknown(text, f"{spec.verb}须写明转给谁（@姓名或部门）和原因", spec.example)
        target, marked = word[0], False
        remainder = tail[word.end() :]
    reason = _reason(remainder)
    if not reason:
        return Unknown(text, f"{spec.verb}须写明原因", spec.example)
    return TransferTask(number, target, reason, marked)


_EXTEND_TO = re.compile(r"^(?:申请)?(?:延期|延长|推迟|顺延|延)?(?:到|至)\s*(?=\S)")
_EXTEND_TRAILER = re.compile(r"(?:申请)?(?:延期|延长|推迟|顺延|延)(?:到|至)?$|(?:到|至)$")


def _parse_extension(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    tail = _EXTEND_TO.sub("", tail.strip(_SEPARATORS), count=1)
    split = _deadline_first(tail) or _deadline_last(tail)
    if split is None:
        return Unknown(text, "延期须写明新的期限", spec.example)
    deadline, remainder = split
    reason = _reason(_EXTEND_TRAILER.sub("", remainder.strip(_SEPARATORS)))
    if not reason:
        return Unknown(text, "延期须写明原因", spec.example)
    return RequestExtension(number, deadline, reason)


def _decide(approve: bool) -> Callable[[str, VerbSpec, str], Command]:
    def parse(text: str, spec: VerbSpec, rest: str) -> Command:
        ref = _task_ref(text, spec, rest)
        if isinstance(ref, Unknown):
            return ref
        number, tail = ref
        reason = _reason(tail)
        if not approve and not reason:
            return Unknown(text, f"{spec.verb}须写明原因", spec.example)
        return DecideExtension(number, approve, reason)

    return parse


def _parse_chase(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    return ChaseTask(number, tail.strip(_SEPARATORS))


def _parse_cancel(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    reason = _reason(tail)
    if not reason:
        return Unknown(text, f"{spec.verb}须写明原因", spec.example)
    return CancelTask(number, reason)


def _ref_with_deadline(text: str, spec: VerbSpec, rest: str
                       ) -> tuple[int, str | None, str] | Unknown:
    """`#n [期限] [说明]`: the task, a deadline written before or after the words, the words."""
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    tail = tail.strip(_SEPARATORS)
    split = _deadline_first(tail, strict_glue=True) or _deadline_last(tail)
    deadline, remainder = split if split is not None else (None, tail)
    return number, deadline, remainder


def _parse_reopen(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _ref_with_deadline(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, deadline, remainder = ref
    reason = _reason(remainder)
    if not reason:
        return Unknown(text, f"{spec.verb}须写明原因", spec.example)
    return ReopenTask(number, deadline, reason)


# The 好差评 scale, best first (the one definition: cards, ratings and reports use it), and
# the everyday words people use for its levels.
_LEVEL_WORDS = {
    **{level: level for level in RATING_LEVELS},
    "很满意": "非常满意", "十分满意": "非常满意", "特别满意": "非常满意",
    "比较满意": "基本满意", "较满意": "基本满意", "还算满意": "基本满意", "一般": "基本满意",
    "很不满意": "非常不满意", "十分不满意": "非常不满意", "特别不满意": "非常不满意",
}
_LEVELS_LONGEST_FIRST = sorted(_LEVEL_WORDS, key=len, reverse=True)
_LEVEL_CHOICES = "、".join(RATING_LEVELS)


def _parse_rate(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    tail = re.sub(r"^(?:为|是|给|打)\s*", "", tail.strip(_SEPARATORS)).strip(_SEPARATORS)
    if not tail:
        return Unknown(text, f"评价须写明等级：{_LEVEL_CHOICES}", spec.example)
    word = next((w for w in _LEVELS_LONGEST_FIRST if tail.startswith(w)), None)
    if word is None:
        head = re.split(rf"[{_NAME_STOP}]", tail, maxsplit=1)[0]
        shown = head if len(head) <= 8 else head[:8] + "…"
        return Unknown(text, f"没有「{shown}」这个评价等级，可写：{_LEVEL_CHOICES}", spec.example)
    return RateTask(number, _LEVEL_WORDS[word], _reason(tail[len(word) :]))


def _parse_rectify(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _ref_with_deadline(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, deadline, remainder = ref
    return RectifyTask(number, deadline, _reason(remainder))


# Words that may follow the number of 查询 without changing its meaning (`查询 #12 的进展`).
_SHOW_FILLER = re.compile(
    r"(?:的)?(?:办理)?(?:进展|进度|详情|情况|经过|历史|记录|状态)?(?:如何|怎样|怎么样)?"
)
# Verbs `查看` may lead to: only ones that change nothing (`查看我的任务`, `查看值班`).
_READ_ONLY = frozenset({"我的", "值班", "帮助"})


def _parse_show(text: str, spec: VerbSpec, rest: str) -> Command:
    inner = split_verb_name(rest) if rest else None
    if inner is not None and inner[1].verb in _READ_ONLY:
        return _PARSERS[inner[1].verb](text, inner[1], inner[2])
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    if not _SHOW_FILLER.fullmatch(tail.strip(_SEPARATORS)):
        return Unknown(text, f"{spec.verb}后面只需写一个任务编号", spec.example)
    return ShowTask(number)


_KIND_TO = re.compile(r"^(?:改为|改成|设为|更正为|调整为|为|是)\s*")
_KIND_CHOICES = "、".join(
    label.replace("（", "").replace("）", "") for label in KIND_LABELS.values()
)


def _parse_change_kind(text: str, spec: VerbSpec, rest: str) -> Command:
    ref = _task_ref(text, spec, rest)
    if isinstance(ref, Unknown):
        return ref
    number, tail = ref
    word = _KIND_TO.sub("", tail.strip(_SEPARATORS)).strip(_SEPARATORS)
    if not word:
        return Unknown(text, f"缺少类型，可写：{_KIND_CHOICES}", spec.example)
    kind = kind_by_word(word)
    if kind is None:
        shown = word if len(word) <= 8 else word[:8] + "…"
        return Unknown(text, f"没有「{shown}」这个类型，可写：{_KIND_CHOICES}", spec.example)
    return ChangeKind(number, kind)


# ---- verbs without a task number ----------------------------------------------------------

_PAGE = re.compile(
    rf"(?:的?(?:待办)?任务|待办)?\s*(?:第\s*(?P<a>{NUMBER})\s*页|(?P<b>{NUMBER})\s*页?)?"
)


def _parse_list_mine(text: str, spec: VerbSpec, rest: str) -> Command:
    match = _PAGE.fullmatch(rest.strip(_SEPARATORS))
    if match is None:
        return Unknown(text, f"「{spec.verb}」后面只能写页码，如「{spec.verb} 2」", spec.example)
    numeral = match["a"] or match["b"]
    try:
        page = to_int(numeral) if numeral else 1
    except ValueError:
        return Unknown(text, f"没有看懂页码，请写成「{spec.verb} 2」", spec.example)
    if page <= 0:
        return Unknown(text, "页码应大于0", spec.example)
    return ListMine(page)


_BACKUP_FILLER = re.compile(r"^(?:补位人?|代理人?|由)\s*[:,]?\s*|\s*(?:补位|代班|顶班|代理|负责)$")
_RANGE = re.compile(r"(?P<from>.+?)(?:至|到|~)(?P<to>.+)")


def _parse_leave(text: str, spec: VerbSpec, rest: str) -> Command:
    names = [m.group(1) for m in _MENTION.finditer(rest)]
    if any(not name for name in names):
        return Unknown(text, "@后面缺少姓名", spec.example)
    if len(set(names)) > 1:
        return Unknown(text, "只能指定一位补位人", spec.example)
    body = normalize_text(_MENTION.sub(" ", rest)).strip(_SEPARATORS)
    split = _leave_until(body)
    if split is None:
        return Unknown(text, "请假须写明到什么时候", spec.example)
    until, remainder, first = split
    if names:
        return RequestLeave(until, names[0])
    word = _BACKUP_FILLER.sub("", remainder.strip(_SEPARATORS)).strip(_SEPARATORS)
    if not word:
        return RequestLeave(until, None)
    # `请假 12月3日前 王五`: a name without @ is read only right after the date.
    if not first or re.search(rf"[{_NAME_STOP}]", word) or len(word) > 12:
        shown = word if len(word) <= 8 else word[:8] + "…"
        return Unknown(text, f"没有看懂「{shown}」：补位人请写成 @姓名，请假原因不用写",
                       spec.example)
    return RequestLeave(until, word)


def _leave_until(body: str) -> tuple[str, str, bool] | None:
    """The end of a leave (`到12月3日`, `12月1日至12月3日`, `3天`), the rest, and whether
    the date came first."""
    first = body.split(" ", 1)[0]
    span = _RANGE.fullmatch(first)
    if span is not None and _is_whole_deadline(span["from"]) and _is_whole_deadline(span["to"]):
        return span["to"], body[len(first) :].strip(), True
    found = _deadline_first(body)
    if found is not None:
        return found[0], found[1], True
    found = _deadline_last(body)
    return None if found is None else (found[0], found[1], False)


def _parse_end_leave(text: str, spec: VerbSpec, rest: str) -> Command:
    return EndLeave()


def _parse_duty(text: str, spec: VerbSpec, rest: str) -> Command:
    return ShowDuty()


def _parse_help(text: str, spec: VerbSpec, rest: str) -> Command:
    topic = rest.strip(_SEPARATORS + "?")
    if not topic:
        return ShowHelp(None)
    known = lookup(topic)
    if known is not None:
        return ShowHelp(known.verb)
    if kind_by_word(topic) is not None and not topic.isascii():
        return ShowHelp("新建")
    return ShowHelp(topic)


# ---- shared pieces ------------------------------------------------------------------------


def _task_ref(text: str, spec: VerbSpec, rest: str) -> tuple[int, str] | Unknown:
    """Read `#12`, `12号任务`, `第十二号`… at the start of `rest`; the tail is returned too."""
    if not rest or not _LOOKS_LIKE_REF.match(rest):
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


def _reason(text: str) -> str:
    return _REASON_LABEL.sub("", text.strip(_SEPARATORS)).strip(_SEPARATORS)


_GLUE_END = re.compile(r"(?:前|内|为止|完成|办结|办完)$")


def _is_whole_deadline(text: str) -> bool:
    found = find_deadline(text)
    return found is not None and not found[1]


def _deadline_first(text: str, *, strict_glue: bool = False) -> tuple[str, str] | None:
    """A deadline at the very start (`12月5日 需等待…`, `3天内完成数据核对`), and the rest.

    With `strict_glue`, a deadline glued to the following words must end in 前/内… so that
    `上午提交的数据有误` is not read as "by noon: 提交的数据有误".
    """
    words = text.split(" ")
    for count in range(min(3, len(words)), 0, -1):
        candidate = " ".join(words[:count])
        if len(candidate) <= 40 and _is_whole_deadline(candidate):
            return candidate, " ".join(words[count:])
    head = words[0]
    for end in range(min(len(head) - 1, 32), 0, -1):
        if head[end - 1] in "0123456789" and head[end] in "0123456789":
            continue  # never split a number
        if strict_glue and not _GLUE_END.search(head[:end]):
            continue
        if _is_whole_deadline(head[:end]):
            return head[:end], " ".join([head[end:], *words[1:]])
    return None


def _deadline_last(text: str) -> tuple[str, str] | None:
    """A deadline ending the text (`需等待财务数据 12月5日前`), and what comes before it."""
    found = find_deadline(text)
    if found is None or not normalize_text(text).endswith(found[0]):
        return None
    return found


# What may follow a verb for the message to be read as that command rather than as words
# that merely begin like it (`进度太慢` is a complaint, `进度 #12` a command).
_COMMAND_BOUNDARY = re.compile(r"$|[\s:,;、。!?#@0-9第任【\[(]")
_STANDALONE = (ListMine, ShowDuty, EndLeave)


def looks_like_command(text: str) -> bool:
    """Whether a message is meant as a command, for a moment when plain words are expected
    (the reason for a bad rating): a verb followed by a task number, a mention, a separator
    or nothing, a kind tag (`突发：…`), or a complete view such as `查看我的任务`."""
    cleaned = normalize_text(text)
    if not cleaned:
        return False
    if _kind_as_verb(cleaned) is not None:
        return True
    found = split_verb_name(cleaned)
    if found is None:
        return False
    name = found[0]
    if _COMMAND_BOUNDARY.match(cleaned, len(name)):
        return True
    parsed = parse_command(cleaned)
    return isinstance(parsed, _STANDALONE) or (
        isinstance(parsed, ShowHelp) and parsed.topic is not None and lookup(parsed.topic)
        is not None)


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
    "请示": _parse_create,
    "急件": _parse_create,
    "接办": _parse_accept,
    "进展": _parse_progress,
    "办结": _parse_close,
    "转办": _parse_transfer,
    "延期": _parse_extension,
    "同意延期": _decide(approve=True),
    "不同意延期": _decide(approve=False),
    "催办": _parse_chase,
    "撤销": _parse_cancel,
    "重办": _parse_reopen,
    "评价": _parse_rate,
    "整改": _parse_rectify,
    "查询": _parse_show,
    "我的": _parse_list_mine,
    "类型": _parse_change_kind,
    "请假": _parse_leave,
    "销假": _parse_end_leave,
    "值班": _parse_duty,
    "帮助": _parse_help,
}
