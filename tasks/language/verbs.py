"""The registry of chat verbs: their aliases, help lines, examples and whether they are open yet."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VerbSpec:
    """One verb of product.md §8; opening a verb means flipping `available` and adding a parser."""

    verb: str
    description: str
    example: str
    aliases: tuple[str, ...] = ()
    available: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.verb, *self.aliases)


VERB_SPECS: tuple[VerbSpec, ...] = (
    VerbSpec("新建", "新建任务，可@承办人并写期限", "新建 起草年度工作总结 @张伟 3天内",
             available=True),
    VerbSpec("交办", "把任务交给同事办理", "交办 整理会议纪要 @李娜 明天下午5点前", available=True),
    VerbSpec("接办", "接下交给你的任务", "接办 #12", available=True),
    VerbSpec("办结", "办完任务并写明结果", "办结 #12 已完成初稿", available=True),
    VerbSpec("我的", "查看我手上未办结的任务，也可发「待办」", "我的", ("待办", "我的任务"),
             available=True),
    VerbSpec("帮助", "查看全部指令和例子", "帮助 接办", ("help", "?"), available=True),
    VerbSpec("进展", "报告任务进展", "进展 #12 初稿已完成一半"),
    VerbSpec("转办", "把任务转给他人或部门，须写原因", "转办 #12 @王芳 该事项归综合科办理"),
    VerbSpec("延期", "申请延长期限，须写原因", "延期 #12 12月5日 需等待财务数据"),
    VerbSpec("催办", "督促承办人尽快办理", "催办 #12"),
    VerbSpec("撤销", "撤销任务，须写原因", "撤销 #12 会议已取消"),
    VerbSpec("查询", "查看一个任务及其办理经过", "查询 #12"),
    VerbSpec("请假", "请假并指定补位人", "请假 11月30日前 @王芳"),
    VerbSpec("销假", "结束请假", "销假"),
    VerbSpec("值班", "查看现在谁在值班", "值班"),
    VerbSpec("请示", "提交请示，按规则分派", "请示 申请调整周五会议室", ("咨询",)),
    VerbSpec("急件", "紧急事项，按规则分派并加急", "急件 明天上午的汇报材料请马上核对", ("紧急",)),
)

# The help text lists only what users can already do.
VERBS: dict[str, str] = {
    spec.verb: f"{spec.description}。例：{spec.example}" for spec in VERB_SPECS if spec.available
}

# Longest first, so `我的任务` wins over `我的`.
_BY_NAME: tuple[tuple[str, VerbSpec], ...] = tuple(
    sorted(
        ((name, spec) for spec in VERB_SPECS for name in spec.names),
        key=lambda pair: -len(pair[0]),
    )
)


def lookup(name: str) -> VerbSpec | None:
    """The spec a verb or alias names, so `帮助 待办` can explain `我的`."""
    lowered = name.lower()
    return next((spec for known, spec in _BY_NAME if known == lowered), None)


def split_verb(text: str) -> tuple[VerbSpec, str] | None:
    """Split normalised text into the verb's spec and the rest after any colon.

    Chinese verbs may be glued to their content (`接办#12`); Latin ones (`help`) need a
    boundary so that ordinary words starting with the same letters are not misread.
    """
    lowered = text.lower()
    for name, spec in _BY_NAME:
        if not lowered.startswith(name):
            continue
        following = text[len(name) : len(name) + 1]
        if name.isascii() and name.isalpha() and following.isascii() and following.isalnum():
            continue
        return spec, text[len(name) :].lstrip(" :,")
    return None


def closest(word: str) -> VerbSpec | None:
    """The nearest verb at most one typing slip away from `word` (`接半`, `新键`), if any."""
    word = word[:12]
    best: tuple[int, VerbSpec] | None = None
    for name, spec in _BY_NAME:
        if len(name) < 2:
            continue
        distance = min(_distance(word[: len(name)].lower(), name), _distance(word.lower(), name))
        if distance <= 1 and (best is None or distance < best[0]):
            best = (distance, spec)
    return None if best is None else best[1]


def _distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one slip (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i, char_a in enumerate(a, 1):
        row = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
