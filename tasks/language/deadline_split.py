"""Splitting a deadline off a sentence (`起草会议通知 明天下午3点。`), so that what is left can
serve as a task title: the deadline is read whole or not at all, and the title keeps every
word that was not read as something else.

Where a deadline may stand (issue 12, docs/commands.md "期限怎么写"):

* after `期限：` (also `截止时间：`, `时限：`), which always wins;
* at the end of the sentence, before any @mentions and trailing politeness (`。`, `谢谢`,
  `🙏`, `辛苦了`), which is discarded;
* at the start or in the middle only when it says it is a limit (`周五前报送月报`,
  `请于明天下班前 报送`): a bare time word there (`准备 周一 例会材料`, `整理12号会议室`)
  belongs to the title, and the reply names it as a possible other reading.

A time word with a typo (`名天下午`) is never read as another one: the glued remainder
(`下午`) is not taken, and the typo is reported with what was probably meant.
"""

import re
from dataclasses import dataclass

from tasks.language.deadline_grammar import Moment, recognise
from tasks.language.text import normalize

__all__ = ["DeadlineSplit", "find_deadline", "split_deadline"]

_MAX_CANDIDATE = 32  # longer than any real deadline phrase; bounds the search cost
_MAX_SPAN_WORDS = 3  # `12-01 17:00`, `明天 下午 5点`
_NUMERALS = frozenset("0123456789零〇一二两三四五六七八九十")
# One-character lead-ins of a deadline (请于…, 到…, 限…) that also end everyday words:
# 申请, 必须, 所需, 收到, 关于, 存在, 期限. Glued to a word, they belong to it.
_WORD_ENDINGS = frozenset("请须需到于在限")
# A deadline glued after one of these began earlier than the part we can read (`名天下午`,
# `X月底`): taking the remainder would read a garbled time word as another one.
_TIME_CHARS = frozenset("天日号周月年点时午晚早上下前后")
_MARKER_WORDS = r"(?:期限|截止时间|截止日期|截止|完成时限|时限|办结时限)"
# `期限：周五` anywhere; `期限 周五` only as a word of its own (`办理期限 周五` is a title).
_MARKER = re.compile(rf"{_MARKER_WORDS}\s*:\s*|(?:^|(?<=\s)){_MARKER_WORDS}\s+(?=\S)")
_GLUED_LIMIT = re.compile(r"(?:前|内|为止)$")
_POLITE_WORDS = (
    "谢谢大家", "谢谢您", "谢谢你", "谢谢啦", "谢谢", "多谢", "感谢", "辛苦了", "辛苦啦", "辛苦",
    "麻烦了", "麻烦你了", "麻烦您了", "拜托了", "拜托", "好吗", "好吧", "好不好", "可以吗",
    "行吗", "收到请回复", "哈哈",
)
# Particles that also end title words (酒吧, Facebook): dropped only after a deadline.
_PARTICLES = ("哈", "哦", "呀", "啊", "吧", "呢", "啦", "嗯", "ok", "OK")
_POLITE = (r"[\s。！!~～,，.…?？;；、]|[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]"
           r"|\[[\u4e00-\u9fff]{1,4}\]|" + "|".join(_POLITE_WORDS))
_POLITE_TAIL = re.compile(rf"(?:{_POLITE})+$")
_POLITE_AFTER_DEADLINE = re.compile(rf"(?:{_POLITE}|{'|'.join(_PARTICLES)})+$")
# Whole words that are titles far more often than limits (`本周工作安排`, `今年总结`).
_TITLE_WORDS = re.compile(r"(?:今|本|明|去)年|(?:本|当|这个?|下个?|上个?)(?:月|周)")
_MONTH_OF = re.compile(r"[0-9]{1,2}月份|[一二三四五六七八九十]{1,3}月份")
# Homophone typos of the day words; reported, never silently read (`名天` is not 今天).
_TYPOS = {
    "名天": "明天", "命天": "明天", "鸣天": "明天", "眀天": "明天", "明填": "明天",
    "明田": "明天", "铭天": "明天", "金天": "今天", "今填": "今天", "厚天": "后天",
    "后填": "后天", "候天": "后天", "做天": "昨天", "下舞": "下午", "上舞": "上午",
    "下五": "下午", "上五": "上午", "下班钱": "下班前", "周五钱": "周五前",
}
_TYPO = re.compile("|".join(_TYPOS))


@dataclass(frozen=True)
class DeadlineSplit:
    """One sentence divided: every character is in exactly one of deadline, title, marker
    and polite (spaces aside).

    `title_times` are time words left in the title, the other reading the reply mentions;
    `typo` is a garbled time word and what was probably meant.
    """

    deadline: str | None
    title: str
    polite: str = ""
    marker: str = ""
    title_times: tuple[str, ...] = ()
    typo: tuple[str, str] | None = None
    at_end: bool = False  # the deadline ended the sentence (before @mentions, politeness)


def find_deadline(text: str) -> tuple[str, str] | None:
    """(deadline, the rest) when the sentence has a deadline; trailing politeness dropped."""
    split = split_deadline(text)
    return None if split.deadline is None else (split.deadline, split.title)


def split_deadline(text: str) -> DeadlineSplit:
    """Divide a sentence into deadline, title and discarded politeness (module docstring)."""
    body = normalize(text)
    typo = _typo(body)
    marked = _MARKER.search(body)
    if marked is not None:
        return _after_marker(body, marked, typo)
    words, polite = _without_politeness(body, _POLITE_AFTER_DEADLINE)
    found = _at_end(words)
    if found is None:
        words, polite = _without_politeness(body, _POLITE_TAIL)
    at_end = found is not None
    found = found or _marked_elsewhere(words)
    if found is None or typo is not None:  # `后填上午` is not read as 上午
        title = " ".join(words)
        return DeadlineSplit(None, title, polite, "", _times_in(title), typo)
    first, last, cut, end = found
    deadline = " ".join([words[first][cut:], *words[first + 1 : last], words[last][:end]]
                        if last > first else [words[first][cut:end]])
    kept = [*words[:first], words[first][:cut], words[last][end:], *words[last + 1 :]]
    title = " ".join(word for word in kept if word)
    return DeadlineSplit(deadline, title, polite, "", _times_in(title), typo, at_end)


def _without_politeness(body: str, tail: re.Pattern[str]) -> tuple[list[str], str]:
    match = tail.search(body)
    core = body[: match.start()] if match else body
    return (core.split(" ") if core else []), (match[0].strip() if match else "")


def _after_marker(body: str, marked: re.Match[str], typo: tuple[str, str] | None
                  ) -> DeadlineSplit:
    """`期限：周一`: the longest deadline after the marker, or its first word to explain."""
    after = body[marked.end() :]
    words = after.split(" ")
    deadline = words[0]
    rest_from = 1
    for count in range(min(_MAX_SPAN_WORDS, len(words)), 0, -1):
        if _is_deadline(" ".join(words[:count]), glued=False):
            deadline, rest_from = " ".join(words[:count]), count
            break
    else:
        for end in range(len(words[0]) - 1, 0, -1):
            if _is_deadline(words[0][:end], glued=False):
                deadline = words[0][:end]
                words[0] = words[0][end:]
                rest_from = 0
                break
    title = normalize(body[: marked.start()] + " " + " ".join(words[rest_from:]))
    polite_match = _POLITE_TAIL.search(title)
    polite = polite_match[0].strip() if polite_match else ""
    title = title[: polite_match.start()].strip() if polite_match else title
    return DeadlineSplit(deadline, title, polite, marked[0].strip(), (), typo)


def _at_end(words: list[str]) -> tuple[int, int, int, int] | None:
    """The longest deadline ending the last word that is not an @mention."""
    last = len(words) - 1
    while last >= 0 and words[last].startswith("@"):
        last -= 1
    if last < 0:
        return None
    best: tuple[int, int, int] | None = None  # (length, first, cut)
    for first in range(max(0, last - _MAX_SPAN_WORDS + 1), last + 1):
        if any(word.startswith("@") for word in words[first : last + 1]):
            continue
        for cut in _cuts(words[first]):
            candidate = " ".join([words[first][cut:], *words[first + 1 : last + 1]])
            if len(candidate) > _MAX_CANDIDATE or not _is_deadline(candidate, cut > 0):
                continue
            if best is None or len(candidate) > best[0]:
                best = (len(candidate), first, cut)
    if best is None:
        return None
    return best[1], last, best[2], len(words[last])


def _marked_elsewhere(words: list[str]) -> tuple[int, int, int, int] | None:
    """A deadline that says it is a limit (`周五前`, `请于明天`), at the start or in the
    middle: whole words, or the head of the first word (`周五前报送月报`)."""
    for first in range(len(words)):
        for last in range(min(len(words), first + _MAX_SPAN_WORDS) - 1, first - 1, -1):
            candidate = " ".join(words[first : last + 1])
            if "@" in candidate or len(candidate) > _MAX_CANDIDATE:
                continue
            if _GLUED_LIMIT.search(candidate) and _is_deadline(candidate, glued=False):
                return first, last, 0, len(words[last])
    if not words:
        return None
    head = words[0]
    for end in range(min(len(head) - 1, _MAX_CANDIDATE), 1, -1):
        if head[end - 1] in _NUMERALS and head[end] in _NUMERALS:
            continue  # never split a number
        candidate = head[:end]  # the title keeps its verb: `周五前|报送月报`
        if _GLUED_LIMIT.search(candidate) and _is_deadline(candidate, glued=True):
            return 0, 0, 0, end
    return None


def _cuts(word: str) -> list[int]:
    """Positions where a deadline may start inside a word it is glued to (`总结3天内`)."""
    start = max(1, len(word) - _MAX_CANDIDATE)
    return [0, *(i for i in range(start, len(word)) if _may_start_inside(word[i - 1], word[i]))]


def _may_start_inside(before: str, after: str) -> bool:
    return (not _inside_number(before, after) and after not in _WORD_ENDINGS
            and before not in _TIME_CHARS)


def _inside_number(before: str, after: str) -> bool:
    """Cutting `第12号` to `2号` or `第三天` to `三天` would misread an ordinal as a deadline."""
    return after in _NUMERALS and (before in _NUMERALS or before == "第")


def _is_deadline(candidate: str, glued: bool) -> bool:
    try:
        spec = recognise(candidate)
    except ValueError:  # shaped like a deadline with a bad value; parse_deadline explains it
        return not glued
    if spec is None:
        return False
    return not (glued and isinstance(spec, Moment) and spec.weak)


def _times_in(title: str) -> tuple[str, ...]:
    """Time words inside a title (`准备周一例会材料` → 周一): the reading not taken."""
    found: list[str] = [m[0] for m in _MONTH_OF.finditer(title)]
    i = 0
    while i < len(title) and len(found) < 3:
        if i and _inside_number(title[i - 1], title[i]):
            i += 1
            continue
        for j in range(min(len(title), i + 14), i + 1, -1):
            piece = title[i:j]
            if (" " in piece or (j < len(title) and _inside_number(title[j - 1], title[j]))
                    or _TITLE_WORDS.fullmatch(piece) or any(piece in f for f in found)):
                continue
            if _is_deadline(piece, glued=False):
                found.append(piece)
                i = j - 1
                break
        i += 1
    return tuple(found)


def _typo(body: str) -> tuple[str, str] | None:
    match = _TYPO.search(body)
    return None if match is None else (match[0], _TYPOS[match[0]])
