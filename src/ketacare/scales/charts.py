"""Score trajectories as inline SVG (matplotlib, server-side): the same chart for pages and PDFs.

The SVG carries no <style> element and no style attributes, so it can be inlined under the
app's CSP (``style-src 'self'``); every point has a <title> for hover and screen readers.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
import matplotlib.dates as mdates
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

BAND_COLOURS = ("#e8f5e9", "#f1f8e9", "#fffde7", "#fff3e0", "#fde7e7", "#fbd5d5")


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Point:
    at: datetime
    total: int
    label: str


@dataclass(frozen=True)
class ChartSpec:
    title: str
    y_label: str
    y_min: int
    y_max: int
    bands: tuple[Band, ...]
    points: tuple[Point, ...]
    baseline: float | None = None
    response_line: float | None = None
    remission_lines: tuple[tuple[str, float], ...] = ()
    treatments: tuple[datetime, ...] = ()
    width_in: float = 8.0
    height_in: float = 3.4


# Fixed salt and text kept as text: the same input gives byte-identical SVG.
_RC: Any = {
    "svg.hashsalt": "ketacare",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
}


def trajectory_svg(spec: ChartSpec) -> str:
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(spec.width_in, spec.height_in))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        _draw(axes, spec)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _clean(buffer.getvalue(), spec)


def _draw(axes: matplotlib.axes.Axes, spec: ChartSpec) -> None:
    axes.set_ylim(spec.y_min, spec.y_max + 0.5)
    for index, band in enumerate(spec.bands):
        colour = BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]
        axes.axhspan(band.min - 0.5 if index else band.min, band.max + 0.5, color=colour, lw=0)
        axes.text(
            1.005,
            (band.min + band.max) / 2,
            band.label,
            transform=axes.get_yaxis_transform(),
            va="center",
            fontsize=7.5,
            color="#57606a",
        )
    axes.set_ylabel(spec.y_label)
    axes.set_title(spec.title, loc="left", fontsize=10)
    for moment in spec.treatments:
        axes.axvline(float(mdates.date2num(moment)), color="#8c959f", lw=0.8, ls=":")
    lines = [
        (spec.baseline, "baseline", "#57606a"),
        (spec.response_line, "50% reduction", "#0b5cad"),
    ]
    lines += [(value, name, "#1a7f37") for name, value in spec.remission_lines]
    for value, name, colour in lines:
        if value is not None:
            axes.axhline(value, color=colour, lw=1, ls="--", label=name)
    if spec.points:
        times = [float(mdates.date2num(p.at)) for p in spec.points]
        axes.plot(times, [p.total for p in spec.points], color="#102a43", lw=1.6, zorder=3)
        for point, time in zip(spec.points, times, strict=True):
            axes.plot(
                [time],
                [point.total],
                "o",
                color="#102a43",
                ms=5,
                zorder=4,
                gid=f"pt-{point.at:%Y%m%dT%H%M%S}",
            )
        if len(times) == 1:  # one score: a fortnight around it, not an automatic span of years
            axes.set_xlim(times[0] - 7, times[0] + 7)
        locator = mdates.AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        formatter = mdates.ConciseDateFormatter(locator)
        axes.xaxis.set_major_formatter(formatter)
    else:
        axes.text(0.5, 0.5, "No scores yet", transform=axes.transAxes, ha="center", color="#57606a")
        axes.set_xticks([])
    if any(value is not None for value, _, _ in lines):
        axes.legend(loc="upper right", fontsize=7.5, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


_STYLE_ATTR = re.compile(r' style="([^"]*)"')


def _to_attributes(match: re.Match[str]) -> str:
    pairs = [part.split(":", 1) for part in match.group(1).split(";") if ":" in part]
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _clean(svg: str, spec: ChartSpec) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _STYLE_ATTR.sub(_to_attributes, svg)
    summary = f"{spec.title}: {len(spec.points)} scores"
    if spec.points:
        summary += f", latest {spec.points[-1].total} on {spec.points[-1].at:%Y-%m-%d}"
    svg = svg.replace(
        ">",
        f' role="img" aria-label="{escape(summary)}"><title>{escape(summary)}'
        f"</title><desc>{escape(spec.y_label)} over time</desc>",
        1,
    )
    for point in spec.points:
        gid = f'id="pt-{point.at:%Y%m%dT%H%M%S}">'
        text = f"{point.at:%Y-%m-%d}: {point.total}" + (f" ({point.label})" if point.label else "")
        svg = svg.replace(gid, f"{gid}<title>{escape(text)}</title>", 1)
    return svg
