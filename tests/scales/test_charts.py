"""Trajectory charts: inline-safe SVG (no styles under our CSP), accessible, deterministic."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from ketacare.scales.charts import Band, ChartSpec, Point, trajectory_svg

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BANDS = (
    Band(0, 4, "none-minimal"),
    Band(5, 9, "mild"),
    Band(10, 14, "moderate"),
    Band(15, 19, "moderately severe"),
    Band(20, 27, "severe"),
)


def spec(*totals: int) -> ChartSpec:
    points = tuple(Point(T0 + timedelta(days=7 * i), t, "label") for i, t in enumerate(totals))
    return ChartSpec(
        "PHQ-9",
        "PHQ-9 total",
        0,
        27,
        BANDS,
        points,
        baseline=totals[0] if totals else None,
        response_line=totals[0] / 2 if totals else None,
        remission_lines=(("PHQ-9 <5", 5),),
        treatments=(T0 + timedelta(days=1),),
    )


class TestTrajectorySvg:
    def test_parses_and_carries_no_styles(self) -> None:
        svg = trajectory_svg(spec(22, 15, 9, 4))
        ET.fromstring(svg)
        assert "<style" not in svg and "style=" not in svg
        assert svg.startswith("<svg")

    def test_accessible_titles_per_point(self) -> None:
        svg = trajectory_svg(spec(22, 15))
        assert "<title>PHQ-9: 2 scores, latest 15 on 2026-01-12</title>" in svg
        assert "<title>2026-01-05: 22 (label)</title>" in svg
        assert "<title>2026-01-12: 15 (label)</title>" in svg
        for band in BANDS:
            assert band.label in svg

    def test_deterministic(self) -> None:
        assert trajectory_svg(spec(22, 15, 9)) == trajectory_svg(spec(22, 15, 9))

    def test_empty_state(self) -> None:
        svg = trajectory_svg(spec())
        assert "No scores yet" in svg
        ET.fromstring(svg)
