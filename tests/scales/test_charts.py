"""Trajectory charts: inline-safe SVG (no styles under our CSP), accessible, deterministic."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from ketacare.scales.charts import BAND_COLOURS, Band, ChartSpec, Point, trajectory_svg

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BANDS = (
    Band(0, 4, "none-minimal"),
    Band(5, 9, "mild"),
    Band(10, 14, "moderate"),
    Band(15, 19, "moderately severe"),
    Band(20, 27, "severe"),
)
# Attributes a served SVG may carry: structure plus presentation attributes (no "font"
# shorthand or other CSS that only works inside style="...", no event handlers).
ALLOWED_ATTRIBUTES = {
    "xmlns", "xmlns:xlink", "version", "width", "height", "viewBox", "role", "aria-label",
    "id", "d", "x", "y", "transform", "clip-path", "{http://www.w3.org/1999/xlink}href",
    "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit",
    "font-family", "font-size", "font-weight", "font-style", "text-anchor", "opacity",
}  # fmt: skip


def severity(total: int) -> str:
    return next(band.label for band in BANDS if band.min <= total <= band.max)


def spec(*totals: int, step: timedelta = timedelta(days=7), **changes: object) -> ChartSpec:
    points = tuple(Point(T0 + step * i, t, severity(t)) for i, t in enumerate(totals))
    fields: dict[str, object] = {
        "title": "PHQ-9",
        "y_label": "PHQ-9 total",
        "y_min": 0,
        "y_max": 27,
        "bands": BANDS,
        "points": points,
        "baseline": totals[0] if totals else None,
        "response_line": totals[0] / 2 if totals else None,
        "remission_lines": (("PHQ-9 <5", 5),),
        "treatments": (T0 + timedelta(days=1), T0 + timedelta(days=4)),
    }
    return ChartSpec(**{**fields, **changes})  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def point_titles(root: ET.Element) -> list[str]:
    """Titles of the groups that wrap exactly one point marker."""
    return [
        group.findtext(f"{NS}title") or ""
        for group in root.iter(f"{NS}g")
        if group.find(f"{NS}title") is not None and group.find(f".//{NS}use") is not None
    ]


class TestInlineSafety:
    def test_parses_without_prolog_styles_or_scripts(self) -> None:
        svg = trajectory_svg(spec(22, 15, 9, 4))
        root = parse(svg)
        assert svg.startswith("<svg") and root.tag == f"{NS}svg"
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg
        assert "<style" not in svg and "style=" not in svg
        assert "<script" not in svg and "javascript:" not in svg

    def test_only_presentation_attributes(self) -> None:
        root = parse(trajectory_svg(spec(22, 15, 9, 4)))
        used = {name for element in root.iter() for name in element.attrib}
        assert used <= ALLOWED_ATTRIBUTES, used - ALLOWED_ATTRIBUTES
        # What the dropped <style> element set for every element now sits on the root.
        assert root.get("stroke-linejoin") == "round"

    def test_ids_unique_resolvable_and_distinct_between_charts(self) -> None:
        first, second = trajectory_svg(spec(22, 15, 9)), trajectory_svg(spec(12, 13))
        ids = re.findall(r' id="([^"]+)"', first)
        assert ids and len(ids) == len(set(ids))
        assert all(i.startswith("kc") for i in ids)
        assert set(re.findall(r'(?:url\(#|href="#)([^)"]+)', first)) <= set(ids)
        assert not set(ids) & set(re.findall(r' id="([^"]+)"', second))

    def test_hostile_text_is_escaped(self) -> None:
        svg = trajectory_svg(spec(22, 15, title='PHQ-9 "<b>&</b>"'))
        root = parse(svg)
        assert root.get("aria-label", "").startswith('PHQ-9 "<b>&</b>": 2 scores')
        assert "<b>" not in svg


class TestAccessibility:
    def test_chart_title_and_desc(self) -> None:
        root = parse(trajectory_svg(spec(22, 15)))
        title, desc = root[0], root[1]
        assert title.tag == f"{NS}title" and desc.tag == f"{NS}desc"
        assert title.text == "PHQ-9: 2 scores, latest 15 (moderately severe) on 2026-01-12"
        assert root.get("role") == "img" and root.get("aria-label") == title.text
        assert desc.text is not None
        assert "PHQ-9 total over time (0 to 27)" in desc.text
        assert "mild 5 to 9" in desc.text and "baseline 22" in desc.text
        assert "2 treatment sessions" in desc.text

    def test_one_title_per_point(self) -> None:
        root = parse(trajectory_svg(spec(22, 15, 9, 3)))
        assert point_titles(root) == [
            "2026-01-05: 22 (severe)",
            "2026-01-12: 15 (moderately severe)",
            "2026-01-19: 9 (mild)",
            "2026-01-26: 3 (none-minimal)",
        ]
        assert len(list(root.iter(f"{NS}title"))) == 1 + 4

    def test_same_day_points_show_the_time_and_keep_their_own_titles(self) -> None:
        root = parse(trajectory_svg(spec(5, 4, 4, step=timedelta(minutes=15))))
        assert point_titles(root) == [
            "2026-01-05 09:00: 5 (mild)",
            "2026-01-05 09:15: 4 (none-minimal)",
            "2026-01-05 09:30: 4 (none-minimal)",
        ]
        twice = parse(trajectory_svg(spec(5, 4, step=timedelta(0))))
        assert len(point_titles(twice)) == 2

    def test_band_and_line_labels(self) -> None:
        labels = texts(parse(trajectory_svg(spec(22, 15))))
        for band in BANDS:
            assert band.label in labels
        assert {"baseline (22)", "≥50% reduction (11)", "remission PHQ-9 <5"} <= set(labels)
        assert "treatment session" in labels

    def test_long_band_labels_are_wrapped_and_shortened_to_fit(self) -> None:
        label = "responds only after name is called loudly and/or repeatedly"
        chart = spec(3, 4, y_max=5, bands=(Band(0, 2, "drowsy"), Band(3, 5, label)))
        lines = texts(parse(trajectory_svg(chart)))  # one <text> per line
        start = lines.index("responds only after")
        assert lines[start + 1].endswith("…") and len(lines[start + 1]) <= 20
        assert label not in lines


class TestColours:
    @staticmethod
    def band_fills(svg: str) -> list[str]:
        return [f for f in re.findall(r'fill="(#[0-9a-f]{6})"', svg) if f in BAND_COLOURS]

    def test_worst_band_alone_is_red_and_direction_can_flip(self) -> None:
        assert self.band_fills(trajectory_svg(spec(22))) == list(BAND_COLOURS)
        flipped = self.band_fills(trajectory_svg(spec(22, higher_is_worse=False)))
        assert flipped == list(reversed(BAND_COLOURS))

    def test_two_bands_are_not_alarming(self) -> None:
        two = (Band(0, 8, "below discharge score"), Band(9, 10, "meets discharge score"))
        chart = spec(7, 9, y_max=10, bands=two, higher_is_worse=False)
        fills = self.band_fills(trajectory_svg(chart))
        assert fills[1] == BAND_COLOURS[0] and fills[0] != BAND_COLOURS[-1]


class TestDeterminism:
    def test_same_input_same_bytes(self) -> None:
        assert trajectory_svg(spec(22, 15, 9)) == trajectory_svg(spec(22, 15, 9))

    def test_same_bytes_in_another_process(self) -> None:
        code = (
            "import sys, tests.scales.test_charts as t;"
            "sys.stdout.write(t.trajectory_svg(t.spec(22, 15, 9)))"
        )
        env = {**os.environ, "PYTHONHASHSEED": "12345"}
        other = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert other.stdout == trajectory_svg(spec(22, 15, 9))


class TestFewPoints:
    def test_empty_state(self) -> None:
        root = parse(trajectory_svg(spec()))
        assert "No scores yet" in texts(root)
        assert root[0].text == "PHQ-9: 0 scores"
        assert point_titles(root) == []

    def test_single_point_gets_a_fortnight_not_years(self) -> None:
        root = parse(trajectory_svg(spec(12)))
        assert point_titles(root) == ["2026-01-05: 12 (moderate)"]
        assert root[0].text == "PHQ-9: 1 score, latest 12 (moderate) on 2026-01-05"
        assert "2026-Jan" in texts(root)  # day ticks, with the month as the offset
