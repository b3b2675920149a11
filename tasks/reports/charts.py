"""The summary's chart: tasks per week and the on-time rate over the last weeks, as a PNG.

Drawn with matplotlib's Agg renderer through its object API (a `Figure` of our own, no
pyplot), so no display is needed and concurrent renders in threads share no state.

Its text is Chinese, set in the font the package carries (`fonts/NotoSansCJKsc-Subset.otf`,
a subset of Noto Sans CJK SC under the SIL OFL, see `fonts/make_subset.py`): matplotlib ships
no Chinese font and a server may have none, so the chart never depends on the host's fonts.
Every text is given that font explicitly, with matplotlib's own DejaVu Sans after it for
anything it lacks (an emoji in a department's name), so nothing is drawn as empty boxes.
"""

import io
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.reports.summaries import WeekPoint

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

NEW_COLOUR, CLOSED_COLOUR, RATE_COLOUR = "#b0b7c3", "#2b6fd6", "#e0771b"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Subset.otf"
FONT_FAMILY = "Noto Sans CJK SC Subset"  # the bundled file's own family name
FAMILIES = [FONT_FAMILY, "DejaVu Sans"]  # DejaVu Sans ships with matplotlib
_registered = threading.Lock()
_done: list[bool] = []


def register_font() -> None:
    """Make the bundled font known to matplotlib's font manager, once per process."""
    with _registered:
        if not _done:
            from matplotlib import font_manager

            font_manager.fontManager.addfont(str(FONT_FILE))
            _done.append(True)


def chart_font(size: str | float = "medium") -> "FontProperties":
    """The chart's font: the bundled one, then DejaVu Sans for what it lacks."""
    from matplotlib.font_manager import FontProperties

    register_font()
    return FontProperties(family=FAMILIES, size=size)


def trend_png(weeks: Sequence[WeekPoint], department: str = "") -> bytes:
    """The chart as PNG bytes (see `trend_figure`)."""
    figure = trend_figure(weeks, department)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def trend_figure(weeks: Sequence[WeekPoint], department: str = "") -> "Figure":
    """Bars of new and closed tasks per week, and the on-time rate as a line (right axis);
    the title names the department when given.

    A week without a closure that had a deadline has no rate, so the line skips it
    rather than drawing a misleading 0 %.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font, small = chart_font(), chart_font("small")
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    volume = figure.add_subplot()
    places = list(range(len(weeks)))
    volume.bar([x - 0.2 for x in places], [w.new for w in weeks], 0.4, label="新增",
               color=NEW_COLOUR)
    volume.bar([x + 0.2 for x in places], [w.closed for w in weeks], 0.4, label="办结",
               color=CLOSED_COLOUR)
    volume.set_xticks(places, [f"{w.start.month}月{w.start.day}日" for w in weeks])
    volume.set_ylabel("每周件数", fontproperties=font)
    # headroom above the tallest bar keeps the legend clear of it; counts are whole
    volume.set_ylim(0, max([1, *(max(w.new, w.closed) for w in weeks)]) * 1.35)
    volume.yaxis.set_major_locator(MaxNLocator(integer=True))
    rate = volume.twinx()
    timed = [(x, 100 * w.on_time / w.with_deadline) for x, w in zip(places, weeks, strict=True)
             if w.with_deadline]
    if timed:
        rate.plot([x for x, _ in timed], [r for _, r in timed], marker="o",
                  color=RATE_COLOUR, label="按期办结率")
    rate.set_ylim(0, 135)  # 100 % sits level with the bars' headroom line
    rate.set_yticks([0, 25, 50, 75, 100])
    rate.set_ylabel("按期办结率（%）", fontproperties=font)
    handles = volume.get_legend_handles_labels()
    extra = rate.get_legend_handles_labels()
    volume.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left",
                  prop=small, ncols=3)
    title = "每周新增、办结件数与按期办结率（横轴为每周周一）"
    volume.set_title(f"{department}：{title}" if department else title, fontproperties=font)
    for axis in (volume, rate):  # ticks are made at draw time: set their font as a rule
        axis.tick_params(labelfontfamily=FAMILIES, labelsize="small")
    figure.subplots_adjust(left=0.09, right=0.91, top=0.9, bottom=0.1)  # fixed, not measured
    return figure
