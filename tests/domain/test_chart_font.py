"""The summary chart's text is Chinese and set in the font the package carries, whatever
fonts the machine has (docs/reports.md, "The chart's font"): no label is drawn as tofu."""

import warnings
from datetime import date

import numpy as np
import pytest
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from integrations.sandbox_office import DEPARTMENTS, MEMBERS
from tasks.reports.charts import FAMILIES, FONT_FAMILY, FONT_FILE, register_font, trend_figure
from tasks.reports.summaries import WeekPoint

WEEKS = [WeekPoint(date(2026, 10, 5 + 7 * i) if i < 4 else date(2026, 11, 2 + 7 * (i - 4)),
                   3 + i, 2 + i, i, 2 + i) for i in range(8)]
# Names with characters outside the common 3,500 and outside GB2312 (喆, 堃, 玥, 昇), one in
# CJK Extension A (䶮) and one in Extension B (𠮷): a person's name may be any of them.
RARE_NAMES = ("王喆", "张堃", "李玥", "陈昇", "刘䶮", "𠮷田")


def _texts(figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_text().strip()]


def _covered(text: str) -> list[str]:
    """The characters of `text` the bundled font has no glyph for (index 0 is .notdef, the
    missing-character box)."""
    font = FT2Font(str(FONT_FILE))
    return [c for c in text if not c.isspace() and font.get_char_index(ord(c)) == 0]


def test_matplotlib_finds_the_bundled_file_even_where_the_host_has_a_cjk_font():
    register_font()
    found = findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=False)
    assert found == str(FONT_FILE)


def test_every_text_of_the_chart_is_chinese_in_the_bundled_font_with_no_missing_glyph():
    figure = trend_figure(WEEKS, "某市人民政府办公室")
    figure.canvas.draw()
    texts = _texts(figure)
    words = " ".join(t.get_text() for t in texts)
    for label in ("新增", "办结", "按期办结率", "每周件数", "某市人民政府办公室", "11月23日"):
        assert label in words
    assert not any(word in words.lower() for word in ("new", "closed", "on time", "week"))
    for text in texts:
        assert text.get_fontproperties().get_family() == FAMILIES, text.get_text()
        assert findfont(text.get_fontproperties()) == str(FONT_FILE), text.get_text()
        assert _covered(text.get_text()) == [], text.get_text()


def test_the_font_covers_every_name_of_the_directory_and_rare_ones():
    names = [d["name"] for d in DEPARTMENTS] + [m["name"] for m in MEMBERS] + list(RARE_NAMES)
    assert _covered("".join(names)) == []
    assert _covered("０１２３４５６７８９％（）：、，。—…") == []


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_a_name_renders_as_glyphs_and_a_missing_character_would_not():
    """matplotlib draws a character its font lacks as nothing (and warns): every character
    of a name must leave ink, as a private-use character the font lacks does not."""
    font = FT2Font(str(FONT_FILE))
    font.set_size(24, 72)

    def ink(text: str) -> int:
        font.set_text(text, 0.0)
        font.draw_glyphs_to_bitmap()
        return int(np.asarray(font.get_image()).sum())

    assert ink("\ue000") == 0  # the check can tell: a character the font lacks
    for character in "".join(RARE_NAMES) + "新增办结按期率":
        assert ink(character) > 0, character


def test_drawing_the_chart_warns_of_no_missing_glyph():
    figure = trend_figure(WEEKS, "".join(RARE_NAMES))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []


def test_the_chart_keeps_its_size_with_a_long_department_name():
    figure = trend_figure(WEEKS, "某市人民政府办公室综合信息科")
    assert tuple(figure.get_size_inches() * figure.dpi) == (640, 320)
