"""Matplotlib figures as inline SVG that passes the app's CSP (no <style>, no style attributes).

The same figure gives byte-identical output (fixed hash salt, no dates); ids are prefixed so two
charts on one page never clash. Every chart in the app renders through here, under one lock:
matplotlib's rcParams are process-global and not thread-safe.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from matplotlib.figure import Figure

_RC: Any = {
    "svg.hashsalt": "ketacare",
    "svg.fonttype": "none",  # text stays text: searchable, selectable, small
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
}
_LOCK = threading.Lock()
QUOTE = {'"': "&quot;"}


def _attributes(match: re.Match[str]) -> str:
    pairs = [part.split(":", 1) for part in match.group(1).split(";") if ":" in part]
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def figure_svg(
    draw: Callable[[Figure], None],
    width_px: int,
    height_px: int,
    title: str,
    desc: str,
    annotate: Callable[[str], str] | None = None,
) -> str:
    """Render ``draw`` into an inline SVG with a title and description for screen readers.

    ``annotate`` may edit the raw SVG before ids are prefixed (e.g. to add per-point titles).
    """
    buffer = io.StringIO()
    with _LOCK, matplotlib.rc_context(_RC):  # artists read rcParams when created: all inside
        figure = Figure(figsize=(width_px / 96, height_px / 96))  # SVG pt are CSS px * 0.75
        draw(figure)
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or doctype: inlined into HTML
    svg = re.sub(r"<(style|metadata)\b.*?</\1>", "", svg, flags=re.S)
    svg = re.sub(r' style="([^"]*)"', _attributes, svg)  # CSS declarations -> attributes
    svg = svg.replace("font-family=\"'DejaVu Sans'\"", "font-family=\"'DejaVu Sans', sans-serif\"")
    if annotate is not None:
        svg = annotate(svg)
    used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r' id="([^"]*)"', lambda m: m.group(0) if m.group(1) in used else "", svg)
    prefix = "kc" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    svg = re.sub(r'( id="|url\(#|href="#)', rf"\g<1>{prefix}", svg)
    head = (  # the dropped <style> set these defaults for every element
        f' role="img" aria-label="{escape(title, QUOTE)}"'
        ' stroke-linejoin="round" stroke-linecap="butt">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    return svg.replace(">", head, 1)
