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
        """The nearest name at most one typing slip away from `word` (`接半`, `新键`), if any."""
        word = word[:12]
        if len(word) < 2:  # one character (`期`, `好`) says too little to guess from
            return None
        best: tuple[int, Item] | None = None
        for name, item in self._by_name:
            if len(name) < 2:
                continue
            distance = min(_distance(word[: len(name)].lower(), name),
                           _distance(word.lower(), name))
            if distance <= 1 and (best is None or distance < best[0]):
                best = (distance, item)
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
