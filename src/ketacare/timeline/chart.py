"""The timeline's picture: one instrument's score trajectory above an event strip, on one time axis.

Both panels share the x axis of a single figure, so a session, a dose change or a therapy visit
sits exactly under the scores around it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ketacare.kit.web.svg import QUOTE, figure_svg
from ketacare.scales import charts
from ketacare.timeline.rules import KIND_LABELS, Entry, Kind

STRIP: tuple[Kind, ...] = ("treatment", "medication", "therapy", "alert")
MARKERS: dict[Kind, tuple[str, str]] = {
    "treatment": ("v", "#1f5fa8"),
    "medication": ("D", "#9a6700"),
    "therapy": ("o", "#2f7d3a"),
    "alert": ("X", "#b42318"),
}
ROW_LABELS: dict[Kind, str] = {
    "treatment": "Sessions",
    "medication": "Medication",
    "therapy": "Therapy",
    "alert": "Alerts",
}
_WIDTH, _TRAJECTORY_PX, _STRIP_PX = 768, 300, 130
_MARGINS = {"left": 84, "right": 138, "top": 30, "bottom": 62, "gap": 26}


def timeline_svg(
    spec: charts.ChartSpec | None, entries: list[Entry], span: tuple[datetime, datetime]
) -> str:
    """``spec``: the trajectory to draw (None: the strip alone). ``span``: the shared time axis."""
    m = _MARGINS
    top_px = _TRAJECTORY_PX if spec else 0
    height = m["top"] + top_px + (m["gap"] if spec else 0) + _STRIP_PX + m["bottom"]
    left, width = m["left"] / _WIDTH, 1 - (m["left"] + m["right"]) / _WIDTH
    pad = (span[1] - span[0]) * 0.03 or timedelta(days=1)
    limits = (float(mdates.date2num(span[0] - pad)), float(mdates.date2num(span[1] + pad)))
    marked = [e for e in entries if e.kind in STRIP]

    def draw(figure: Figure) -> None:
        strip = figure.add_axes((left, m["bottom"] / height, width, _STRIP_PX / height))
        if spec is not None:
            bottom = (m["bottom"] + _STRIP_PX + m["gap"]) / height
            axes = figure.add_axes((left, bottom, width, top_px / height), sharex=strip)
            charts.draw_trajectory(
                figure, axes, spec, top_px
            )  # its legend sits at the figure's foot
            axes.tick_params(labelbottom=False)
        _draw_strip(strip, marked)
        strip.set_xlim(*limits)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        strip.xaxis.set_major_locator(locator)
        strip.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))

    title = "Timeline" + (f": {spec.title} with treatment events" if spec else ": treatment events")
    counts = ", ".join(
        f"{sum(e.kind == k for e in marked)} {KIND_LABELS[k].lower()}" for k in STRIP
    )
    desc = f"From {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}: {counts}."
    return figure_svg(
        draw,
        _WIDTH,
        height,
        title,
        desc,
        annotate=lambda s: _titles(charts.point_titles(s, spec) if spec else s, marked),
    )


def _draw_strip(axes: Axes, marked: list[Entry]) -> None:
    rows = {kind: len(STRIP) - 1 - index for index, kind in enumerate(STRIP)}
    axes.set_ylim(-0.6, len(STRIP) - 0.4)
    axes.set_yticks(list(rows.values()), [ROW_LABELS[k] for k in rows], fontsize=8)
    for index, entry in enumerate(marked):
        shape, colour = MARKERS[entry.kind]
        axes.plot([float(mdates.date2num(entry.at))], [rows[entry.kind]], shape, color=colour,
                  ms=7 if entry.flag else 5.5, mec="#ffffff", mew=0.8, gid=f"kcev{index}",
                  clip_on=False)  # fmt: skip
    axes.grid(axis="y", color="#e4e7eb", lw=0.8)
    axes.tick_params(colors=charts.MUTED, labelcolor=charts.INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _titles(svg: str, marked: list[Entry]) -> str:
    for index, entry in enumerate(marked):
        gid = f'id="kcev{index}">'
        text = escape(f"{entry.at:%Y-%m-%d}: {entry.title}", QUOTE)
        svg = svg.replace(gid, f"{gid}<title>{text}</title>", 1)
    return svg
