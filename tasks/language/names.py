"""Finding a verb by the name a message starts with: the look-up machinery, not the verbs.

The verbs themselves live in `tasks.verbs`, one module each; their registry builds one
`VerbNames` table from every verb's name and aliases and asks it to split messages, resolve
`帮助 待办` to `我的` and guess the verb a typing slip meant (`接半` → `接办`).
"""

from collections.abc import Iterable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class VerbNames(Generic[Item]):
    """Names (verbs and aliases) mapped to what they name, longest first, so `我的任务` wins
    over `我的` and `不同意延期` over `同意延期`."""

    def __init__(self, pairs: Iterable[tuple[str, Item]]) -> None:
        self._by_name: tuple[tuple[str, Item], ...] = tuple(
            sorted(pairs, key=lambda pair: -len(pair[0])))
        self._nearest: dict[str, tuple[Item, ...]] = {}  # a message asks about its word often

    def lookup(self, name: str) -> Item | None:
        """What a verb or alias names, so `帮助 待办` can explain `我的`."""
        lowered = name.lower()
        return next((item for known, item in self._by_name if known == lowered), None)

    def split(self, text: str) -> tuple[str, Item, str] | None:
        """Split normalised text into the name it starts with, what it names, and the rest
        after any colon or comma.

        Chinese verbs may be glued to their content (`接办#12`); Latin ones (`help`) need a
        boundary so that ordinary words starting with the same letters are not misread.
        """
        lowered = text.lower()
        for name, item in self._by_name:
            if not lowered.startswith(name):
                continue
            following = text[len(name) : len(name) + 1]
            if name.isascii() and name.isalpha() and following.isascii() and following.isalnum():
                continue
            return name, item, text[len(name) :].lstrip(" :,")
        return None

    def closest(self, word: str) -> Item | None:
        """The one nearest name within one typing slip of `word` (`接半`, `新键`), if any."""
        found = self.nearest(word)
        return found[0] if len(found) == 1 else None

    def nearest(self, word: str) -> tuple[Item, ...]:
        """Every item whose name is nearest to `word`, when that is within one slip.

        Distance is `slip_distance`: a swap of two neighbours (`结办` → 办结) is the
        cheapest slip, then a character confused with its homophone or look-alike (`专办` →
        转办), then any other edit. Several items at the same distance are all returned, so
        the caller can ask rather than guess.
        """
        word = word[:12].lower()
        if len(word) < 2:  # one character (`期`, `好`) says too little to guess from
            return ()
        if word not in self._nearest:
            if len(self._nearest) > 4096:
                self._nearest.clear()
            self._nearest[word] = self._nearest_uncached(word)
        return self._nearest[word]

    def _nearest_uncached(self, word: str) -> tuple[Item, ...]:
        best: dict[float, list[Item]] = {}
        for name, item in self._by_name:
            if len(name) < 2:
                continue
            distance = min(slip_distance(word[: len(name)], name), slip_distance(word, name))
            if distance <= 1 and item not in best.setdefault(distance, []):
                best[distance].append(item)
        return tuple(best[min(best)]) if best else ()


# Characters a pinyin or handwriting input mistakes for each other in office verbs and words.
_CONFUSABLE_GROUPS = (
    "建健键见件鉴", "办半伴扮拌版", "结洁节接解截杰", "交教较焦胶", "接街阶节", "转专砖传",
    "延沿言研", "期其旗", "催摧崔", "销消宵", "撤彻澈", "查察茶差", "询寻循", "评平凭苹",
    "价加架", "展战站占", "进近尽", "新心信欣辛", "整正证政", "改该概", "假价驾", "值直植",
    "班般搬颁", "重从虫", "帮邦", "助住主注", "完玩万", "成城程诚承", "类累泪", "型形行",
    "请清情轻", "示是事市", "急及级即集", "收手首守", "到道倒", "名明铭", "务物误", "任认人",
    "办版", "单担丹", "理里礼", "查茶",
)
_CONFUSABLE = {(a, b) for group in _CONFUSABLE_GROUPS for a in group for b in group if a != b}
SWAP_COST = 0.4


def confusable_with(char: str) -> set[str]:
    """The characters a slip may put in place of `char`."""
    return {b for a, b in _CONFUSABLE if a == char}


CONFUSED_COST = 0.5


def slip_distance(a: str, b: str) -> float:
    """Damerau (optimal string alignment) distance where a neighbour swap costs 0.4 and a
    confusable character 0.5, so `结办` is nearer to 办结 (swap) than to 交办 or 接办.
    Lengths two or more apart only report their difference (a lower bound)."""
    if abs(len(a) - len(b)) > 1:
        return float(abs(len(a) - len(b)))  # beyond one slip: the exact figure is not needed
    rows: list[list[float]] = [[float(j) for j in range(len(b) + 1)]]
    for i, char_a in enumerate(a, 1):
        row = [float(i)]
        for j, char_b in enumerate(b, 1):
            cost = 0.0 if char_a == char_b else (
                CONFUSED_COST if (char_a, char_b) in _CONFUSABLE else 1.0)
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], rows[-2][j - 2] + SWAP_COST)
        rows.append(row)
    return rows[-1][-1]
