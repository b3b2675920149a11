"""Task kinds (docs/sla.md) as people name them in chat, and as their wording betrays them.

Two ways to learn a kind from a message:

* `kind_by_word` reads a word the user wrote *as* a kind: `新建 会议纪要：…`, `类型 #12 一般件`.
  Any common name of a kind is accepted, with or without brackets.
* `infer_kind` guesses from keywords inside the wording (`整理周五例会会议纪要` → minutes).
  It is deliberately conservative: only unmistakable keywords count, a negation just before
  a keyword (`无需征求意见`) cancels it, and words that show the task is *about* a kind
  rather than *of* it (`修订突发事件应急预案`, `整理领导来电记录`) keep it silent. Anyone can
  correct a guess with `类型 #n …`, so silence is always the safe answer.
"""

import re
from collections.abc import Callable

from tasks.language.text import normalize

KIND_LABELS: dict[str, str] = {
    "urgent": "急件",
    "general": "一般件",
    "leader_call": "领导来电",
    "leader_call_special": "领导来电（特殊事项）",
    "emergency": "突发事件",
    "draft_doc": "公文代拟",
    "minutes": "会议纪要",
    "consultation": "征求意见",
    "approval": "送审报批",
    "assigned": "交办事项",
    "supervision": "督查事项",
}

# Every way to name a kind outright; brackets and spaces are removed before the look-up.
_WORDS: dict[str, str] = {
    **{word: "urgent" for word in ("急件", "紧急", "紧急件", "加急", "特急", "急办")},
    **{word: "general" for word in ("一般件", "一般", "一般事项", "普通", "普通件", "常规")},
    **{word: "leader_call" for word in ("领导来电", "领导来电一般事项", "领导电话")},
    **{
        word: "leader_call_special"
        for word in ("领导来电特殊事项", "领导来电特殊", "特殊事项", "领导电话特殊事项")
    },
    **{
        word: "emergency"
        for word in ("突发", "突发事件", "突发事件信息", "突发情况", "紧急情况", "突发信息")
    },
    **{word: "draft_doc" for word in ("公文代拟", "代拟", "代拟公文", "代拟稿", "代拟文件")},
    **{word: "minutes" for word in ("会议纪要", "纪要")},
    **{word: "consultation" for word in ("征求意见", "意见征求", "征求意见稿", "征询意见")},
    **{word: "approval" for word in ("送审", "报批", "送审报批", "报审", "送审件", "报批件")},
    **{word: "supervision" for word in ("督查", "督查事项", "督查件")},
    **{
        word: "assigned"
        for word in ("交办", "交办事项", "交办件", "领导交办", "上级交办", "领导交办事项")
    },
    **{code: code for code in KIND_LABELS},
}
_BRACKETS = re.compile(r"[\s()（）\[\]【】〔〕〖〗<>《》]")


def kind_by_word(word: str) -> str | None:
    """The kind a word names outright (`纪要`, `领导来电（特殊事项）`, `一般件`), else None."""
    folded = _BRACKETS.sub("", normalize(word)).lower()
    if folded.endswith("类"):  # `会议纪要类`
        folded = folded[:-1]
    return _WORDS.get(folded)


# (kind, keywords, words elsewhere in the title that silence the guess), in priority order:
# a title naming a document (纪要, 代拟…) is about producing it, whatever else it mentions.
_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("minutes", ("纪要",), ()),
    ("draft_doc", ("代拟",), ()),
    ("consultation", ("征求意见", "意见征求", "征询意见"), ()),
    ("approval", ("送审报批", "送审", "报批"), ()),
    ("leader_call_special", ("领导来电",), ("记录", "台账", "汇总", "统计", "登记")),
    ("leader_call", ("领导来电",), ("记录", "台账", "汇总", "统计", "登记")),
    (
        "emergency",
        ("突发",),
        ("预案", "演练", "培训", "制度", "办法", "总结", "方案", "汇总", "统计", "台账"),
    ),
    ("supervision", ("督查",), ()),
)
# A department named after the keyword is an addressee, not the nature of the task.
_NOT_THE_KIND = re.compile(r"督查(?:室|科|处|组长|办)")
_NEGATION = re.compile(r"(?:不|无|免|未|没有?|暂不|毋)(?:需要?|须|必|用|要|再)?\s*$")


def infer_kind(title: str) -> str | None:
    """A kind plainly stated inside the wording of a task title, or None when unsure."""
    text = normalize(title)
    for kind, keywords, silencers in _RULES:
        if any(word in text for word in silencers):
            continue
        if kind == "leader_call_special" and "特殊事项" not in text:
            continue
        if any(_mentions(text, keyword) for keyword in keywords):
            return kind
    return None


def _mentions(text: str, keyword: str) -> bool:
    """Whether `keyword` occurs un-negated and not as part of a department's name."""
    for match in re.finditer(re.escape(keyword), text):
        if _NEGATION.search(text[max(0, match.start() - 4) : match.start()]):
            continue
        if _NOT_THE_KIND.match(text, match.start()):
            continue
        return True
    return False


# Kind words too common in ordinary sentences to start a task on their own (`一般来说…`).
_NOT_A_VERB = frozenset({"一般", "普通", "常规", "特殊事项", "领导来电特殊", "纪要"})
_TAG_BRACKETED = re.compile(r"[【\[〔〖(]\s*([^】\]〕〗)]{1,16}?)\s*[】\]〕〗)]\s*[:,;、]?\s*")
_TAG_WORD = re.compile(r"([^\s:,;、@【\[〔〖]{1,16})(?:\s*[:,;、]\s*|\s+|$)")


def leading_kind(rest: str, *, is_verb: Callable[[str], bool] | None = None
                 ) -> tuple[str, str, str] | None:
    """A kind named at the start: `【会议纪要】…`, `会议纪要：…`, `领导来电 特殊事项 …`.

    Returns (kind, the word as written, the rest). A bare word needs a separator after it
    so that `会议纪要整理` stays a title whose kind is merely inferred. Standing where a verb
    goes (`is_verb` given), a kind word must not be a verb itself (`急件`, `交办`) nor too
    common to start a task.
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
    if is_verb is not None and (word in _NOT_A_VERB or is_verb(first[1])):
        return None
    return kind, word, after


# Words that ask for haste (issue 12: they mean 急件, never the 10-day default). Glued inside
# a title they still count (`请马上核对`) and stay in it; written as a word of their own
# (`打印签到表 马上`, `急！`) they are read as urgency and leave the title.
_HASTE = r"十万火急|越快越好|马上|立即|立刻|即刻|尽快|尽早|火速|赶紧|抓紧|速办|asap|ASAP"
_HASTE_IN_TITLE = re.compile(_HASTE)
_HASTE_WORD = re.compile(
    rf"(?:请|务必)?(?:{_HASTE}|(?:很|特别|非常|比较|十分)?急(?:的|件|办)?|加急|特急|紧急)+"
    r"(?:办|办理|处理|完成|落实|报送|回复|[!！~])*"
)
_NO_HASTE = re.compile(r"(?:不|不用|无需|无须|不必|别|没必要)\s*$")
# Kinds that already run at least as fast as 急件's 15 minutes / same working day.
FAST_KINDS = frozenset({"urgent", "leader_call", "leader_call_special", "emergency"})


def haste_in(title: str) -> tuple[str | None, str]:
    """The haste word a title carries (`马上`, `尽快`, `急`), and the title without the
    ones written as words of their own. A negated one (`不急`, `无需马上`) does not count."""
    words = title.split(" ")
    kept: list[str] = []
    said: str | None = None
    for i, word in enumerate(words):
        before = " ".join(words[:i])
        if _HASTE_WORD.fullmatch(word) and not _NO_HASTE.search(before):
            said = said or word
            continue
        kept.append(word)
    rest = " ".join(kept)
    if said is None:
        for match in _HASTE_IN_TITLE.finditer(rest):
            if not _NO_HASTE.search(rest[max(0, match.start() - 3) : match.start()]):
                said = match[0]
                break
    return said, rest
