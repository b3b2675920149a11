"""The summary's chart: tasks per week and the on-time rate over the last weeks, as a PNG.

Drawn with matplotlib's Agg renderer through its object API (a `Figure` of our own, no
pyplot), so no display is needed and concurrent renders in threads share no state.
Matplotlib ships no Chinese font, so the picture holds digits and short English labels
only; the markdown message sent with it explains it in Chinese.
"""

import io
from collections.abc import Sequence

from tasks.reports.summaries import WeekPoint

NEW_COLOUR, CLOSED_COLOUR, RATE_COLOUR = "#b0b7c3", "#2b6fd6", "#e0771b"


def trend_png(weeks: Sequence[WeekPoint]) -> bytes:
    """Bars of new and closed tasks per week, and the on-time rate as a line (right axis).

    A week without a closure that had a deadline has no rate, so the line skips it
    rather than drawing a misleading 0 %.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    volume = figure.add_subplot()
    places = list(range(len(weeks)))
    volume.bar([x - 0.2 for x in places], [w.new for w in weeks], 0.4, label="new",
               color=NEW_COLOUR)
    volume.bar([x + 0.2 for x in places], [w.closed for w in weeks], 0.4, label="closed",
               color=CLOSED_COLOUR)
    volume.set_xticks(places, [f"{w.start:%m-%d}" for w in weeks])
    volume.set_ylabel("tasks per week")
    # headroom above the tallest bar keeps the legend clear of it; counts are whole
    volume.set_ylim(0, max([1, *(max(w.new, w.closed) for w in weeks)]) * 1.35)
    volume.yaxis.set_major_locator(MaxNLocator(integer=True))
    rate = volume.twinx()
    timed = [(x, 100 * w.on_time / w.with_deadline) for x, w in zip(places, weeks, strict=True)
             if w.with_deadline]
    if timed:
        rate.plot([x for x, _ in timed], [r for _, r in timed], marker="o",
                  color=RATE_COLOUR, label="on time %")
    rate.set_ylim(0, 135)  # 100 % sits level with the bars' headroom line
    rate.set_yticks([0, 25, 50, 75, 100])
    rate.set_ylabel("on time %")
    handles = volume.get_legend_handles_labels()
    extra = rate.get_legend_handles_labels()
    volume.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left",
                  fontsize="small", ncols=3)
    volume.set_title("Weekly tasks and on-time rate (week starting)", fontsize="medium")
    figure.subplots_adjust(left=0.09, right=0.91, top=0.9, bottom=0.1)  # fixed, not measured
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
