"""Score trajectories as inline SVG (matplotlib, server-side): the same chart for pages and PDFs.

Rendered through ``kit.web.svg`` (CSP-clean, deterministic, prefixed ids); every point has a
<title> for hover, and the chart a <title> and <desc>.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ketacare.kit.web.svg import QUOTE, figure_svg

# Best band to worst: calm greens and yellows, a soft red kept for the worst band only.
BAND_COLOURS = ("#e3f2e6", "#eef5e0", "#fcf6dc", "#fcebd9", "#f9dcdc")
INK, MUTED = "#102a43", "#52606d"


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Point:
    at: datetime
    total: int
    label: str  # severity band, shown in the point's tooltip


@dataclass(frozen=True)
class ChartSpec:
    title: str
    y_label: str
    y_min: int
    y_max: int
    bands: tuple[Band, ...]
    points: tuple[Point, ...]  # oldest first
    baseline: float | None = None
    response_line: float | None = None
    remission_lines: tuple[tuple[str, float], ...] = ()
    treatments: tuple[datetime, ...] = ()  # vertical markers, one per treatment session
    response_label: str = "≥50% reduction"
    higher_is_worse: bool = True  # False for scales like Aldrete or MOAA/S: colours flip
    width_px: int = 768
    height_px: int = 340


_MARGINS_PX = {"left": 56, "right": 138, "top": 30, "bottom": 62}  # legend row at the bottom
_BAND_FONT_PT = 8.0


def trajectory_svg(spec: ChartSpec) -> str:
    m, w, h = _MARGINS_PX, spec.width_px, spec.height_px
    box = (m["left"] / w, m["bottom"] / h, 1 - (m["left"] + m["right"]) / w)

    def draw(figure: Figure) -> None:
        axes = figure.add_axes((*box, 1 - (m["top"] + m["bottom"]) / h))
        draw_trajectory(figure, axes, spec, plot_height_px=h - m["top"] - m["bottom"])

    title, desc = _summary(spec)
    return figure_svg(draw, w, h, title, desc, annotate=lambda svg: point_titles(svg, spec))


def _band_colour(index: int, count: int, higher_is_worse: bool) -> str:
    rank = index if higher_is_worse else count - 1 - index
    top = len(BAND_COLOURS) - (1 if count >= 4 else 2)  # red only for a graded "severe" band
    return BAND_COLOURS[round(rank * top / max(count - 1, 1))]


def _band_text(label: str, band_px: float) -> str:
    """Wrapped to fit the right margin; as many lines as the band's height holds."""
    lines = textwrap.wrap(label, 20) or [""]
    room = min(2, max(1, int(band_px // (_BAND_FONT_PT * 96 / 72 * 1.3))))
    if len(lines) > room:
        lines[room - 1 :] = [textwrap.shorten(" ".join(lines[room - 1 :]), 20, placeholder="…")]
    return "\n".join(lines)


def draw_trajectory(figure: Figure, axes: Axes, spec: ChartSpec, plot_height_px: float) -> None:
    """Draw onto ``axes``; the timeline draws it above its event strip on a shared time axis."""
    low, high = spec.y_min - 0.5, spec.y_max + 0.5
    axes.set_ylim(low, high)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ordered = sorted(spec.bands, key=lambda b: b.min)
    for index, band in enumerate(ordered):
        colour = _band_colour(index, len(ordered), spec.higher_is_worse)
        axes.axhspan(band.min - 0.5, band.max + 0.5, color=colour, lw=0, zorder=0)
        band_px = (band.max - band.min + 1) / (high - low) * plot_height_px
        axes.text(
            1.012,
            (band.min + band.max) / 2,
            _band_text(_pretty(band.label), band_px),
            transform=axes.get_yaxis_transform(),
            va="center",
            fontsize=_BAND_FONT_PT,
            color=MUTED,
            linespacing=1.1,
        )
    axes.set_ylabel(spec.y_label, color=MUTED)
    axes.set_title(spec.title, loc="left", fontsize=10, fontweight="bold", color=INK, pad=8)
    for number, moment in enumerate(spec.treatments):
        label = "treatment session" if number == 0 else None
        axes.axvline(float(mdates.date2num(moment)), color="#9aa5b1", lw=0.9, ls=":", label=label)
    lines: list[tuple[float | None, str, str, tuple[float, float]]] = [
        (spec.baseline, f"baseline ({_num(spec.baseline)})", "#52606d", (4, 3))
    ]
    if spec.response_line is not None:
        label = f"{spec.response_label} ({_num(spec.response_line)})"
        lines.append((spec.response_line, label, "#1f5fa8", (5, 3)))
    for number, (name, level) in enumerate(spec.remission_lines):
        lines.append(
            (level, f"remission {_pretty(name)}", "#2f7d3a", (5, 3) if number == 0 else (1.5, 2))
        )
    for value, name, colour, dashes in lines:
        if value is not None:
            axes.axhline(value, color=colour, lw=1.1, dashes=dashes, label=name, zorder=2)
    if spec.points:
        times = [float(mdates.date2num(p.at)) for p in spec.points]
        axes.plot(times, [p.total for p in spec.points], color=INK, lw=1.6, zorder=3)
        for index, (point, time) in enumerate(zip(spec.points, times, strict=True)):
            axes.plot([time], [point.total], "o", color=INK, ms=5.5, mec="#ffffff", mew=1.0,
                      zorder=4, clip_on=False, gid=f"kcpt{index}")  # fmt: skip
        if len(times) == 1 or times[0] == times[-1]:  # a fortnight around it, not years
            axes.set_xlim(times[0] - 7, times[0] + 7)
        else:
            axes.margins(x=0.03)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    else:
        axes.text(0.5, 0.5, "No scores yet", transform=axes.transAxes, ha="center", va="center",
                  color=MUTED, fontsize=11, bbox={"fc": "#ffffff", "ec": "#d9e2ec", "pad": 6})  # fmt: skip
        axes.set_xticks([])
    if axes.get_legend_handles_labels()[0]:  # its own row under the dates
        axes.legend(loc="lower left", bbox_to_anchor=(0.04, 0.0), ncols=5, fontsize=8,
                    bbox_transform=figure.transFigure, frameon=False,
                    borderaxespad=0.3, handlelength=2.2, columnspacing=1.4)  # fmt: skip
    axes.tick_params(colors=MUTED, labelcolor=INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _pretty(text: str) -> str:
    return text.replace("<=", "≤").replace(">=", "≥")


def _num(value: float | None) -> str:
    return f"{value:g}" if value is not None else ""


def _point_text(spec: ChartSpec, point: Point) -> str:
    days = [p.at.date() for p in spec.points]
    when = f"{point.at:%Y-%m-%d}" + (
        f" {point.at:%H:%M}" if days.count(point.at.date()) > 1 else ""
    )
    return f"{when}: {point.total}" + (f" ({point.label})" if point.label else "")


def _summary(spec: ChartSpec) -> tuple[str, str]:
    count = len(spec.points)
    title = f"{spec.title}: {count} score{'' if count == 1 else 's'}"
    if spec.points:
        last = spec.points[-1]
        title += f", latest {last.total}" + (f" ({last.label})" if last.label else "")
        title += f" on {last.at:%Y-%m-%d}"
    desc = [f"{spec.y_label} over time ({spec.y_min} to {spec.y_max})."]
    if spec.bands:
        desc.append(
            "Bands: " + ", ".join(f"{b.label} {b.min} to {b.max}" for b in spec.bands) + "."
        )
    marks = [f"baseline {_num(spec.baseline)}"] if spec.baseline is not None else []
    if spec.response_line is not None:
        marks.append(f"{spec.response_label} {_num(spec.response_line)}")
    marks += [f"remission {name}" for name, _ in spec.remission_lines]
    if marks:
        desc.append("Dashed lines: " + ", ".join(marks) + ".")
    if spec.treatments:
        desc.append(f"{len(spec.treatments)} treatment sessions marked.")
    return title, " ".join(desc)


def point_titles(svg: str, spec: ChartSpec) -> str:
    """Each point's <title> (date, score, band) for hover and screen readers."""
    for index, point in enumerate(spec.points):
        gid = f'id="kcpt{index}">'
        text = escape(_point_text(spec, point), QUOTE)
        svg = svg.replace(gid, f"{gid}<title>{text}</title>", 1)
    return svg
