"""Splitting and condensing texts to a budget: nothing lost, no word cut, every part fits."""

import re

import pytest

from tasks.messaging.budget import byte_size, shorten, split_text

WORDS = re.compile(r"[A-Za-z0-9]+")
TEXTS = {
    "lines": "\n".join(f"· **第{n}项** 核对 budget-report-{n} 的数据" for n in range(200)),
    "one long line": "请核对 2026 年度 budget-report 数据并报送 " * 300,
    "latin only": "prepare the annual report and check every figure twice " * 100,
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
@pytest.mark.parametrize("budget", [200, 2000])
def test_a_long_text_is_split_into_numbered_parts_that_fit_and_lose_nothing(text, budget):
    parts = split_text(text, budget)
    assert len(parts) > 1 and all(byte_size(part) <= budget for part in parts)
    assert [p[:p.index("）") + 1] for p in parts] == [
        f"（{n}/{len(parts)}）" for n in range(1, len(parts) + 1)]
    bodies = [p.split("）", 1)[1] for p in parts]
    assert "".join("".join(bodies).split()) == "".join(text.split())
    # no word is cut: every ASCII word of every part is a word of the text
    assert {w for b in bodies for w in WORDS.findall(b)} <= set(WORDS.findall(text))


def test_a_text_within_its_budget_is_sent_as_it_is():
    assert split_text("你好 hello", 2000) == ["你好 hello"]


@pytest.mark.parametrize(("text", "chars", "shown"), [
    ("新任务 #12", 26, "新任务 #12"),
    ("请核对 budget-report 数据", 12, "请核对…"),
    ("请核对年度数据并报送", 6, "请核对年度…"),
    ("supercalifragilistic", 8, "superca…"),  # one word longer than the room
])
def test_a_card_text_is_condensed_to_whole_words_and_an_ellipsis(text, chars, shown):
    assert shorten(text, chars) == shown and len(shown) <= chars
