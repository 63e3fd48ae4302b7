"""Vital signs: impossible readings refused, thresholds crossed strictly, most severe first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ketacare.protocols.library import shipped
from ketacare.protocols.schema import Threshold
from ketacare.treatment.vitals_rules import (
    MEASURES,
    SEVERITY,
    Alert,
    Reading,
    check,
    describe,
    impossible,
    load_ranges,
    worst,
)

IV_THRESHOLDS = shipped()["iv_ketamine_literature"][1].thresholds
ESK_THRESHOLDS = shipped()["esketamine_label"][1].thresholds
CALM = Reading(120, 80, 72, 98, 14)


def actions(reading: Reading) -> list[str]:
    return [a.action for a in check(reading, IV_THRESHOLDS)]


class TestImpossible:
    def test_a_normal_reading_is_possible(self) -> None:
        assert impossible(CALM) == []
        assert impossible(Reading(None, None, None, None, None)) == []

    @pytest.mark.parametrize(
        ("field", "low", "high", "unit"),
        [
            ("systolic_mmhg", 40, 300, "mmHg"),
            ("diastolic_mmhg", 20, 200, "mmHg"),
            ("heart_rate_bpm", 20, 250, "bpm"),
            ("spo2_pct", 50, 100, "%"),
            ("resp_rate", 4, 60, "breaths/min"),
        ],
    )
    def test_each_range_at_its_edges(self, field: str, low: int, high: int, unit: str) -> None:
        blank = Reading(None, None, None, None, None)
        for ok in (low, high):
            assert impossible(replace(blank, **{field: ok})) == []
        for bad in (low - 1, high + 1):
            assert impossible(replace(blank, **{field: bad})) == [
                (field, f"must be between {low} and {high} {unit}")
            ]

    def test_typing_slip(self) -> None:
        assert impossible(replace(CALM, systolic_mmhg=1400)) == [
            ("systolic_mmhg", "must be between 40 and 300 mmHg")
        ]

    def test_diastolic_must_be_lower_than_systolic(self) -> None:
        assert impossible(Reading(120, 120, None, None, None)) == [
            ("diastolic_mmhg", "must be lower than systolic")
        ]
        assert impossible(Reading(120, 119, None, None, None)) == []
        assert impossible(Reading(None, 150, None, None, None)) == []

    def test_the_file_says_it_is_not_clinical(self) -> None:
        ranges = load_ranges()
        assert ranges.clinic_choice and "not clinical thresholds" in ranges.source
        assert set(ranges.ranges) == set(MEASURES)

    def test_a_clinic_file_is_validated(self, tmp_path: Path) -> None:
        bad = tmp_path / "ranges.toml"
        bad.write_text(
            'source = "mine"\nclinic_choice = true\n[ranges.spo2_pct]\nlabel="SpO2"\nunit="%"\nlow=50\nhigh=100\n'
        )
        with pytest.raises(ValidationError, match="missing"):
            load_ranges(bad)

    @given(
        st.integers(-50, 400),
        st.integers(-50, 400),
        st.integers(-10, 400),
        st.integers(-10, 150),
        st.integers(-5, 100),
    )
    def test_every_problem_names_a_field_of_the_reading(
        self, sbp: int, dbp: int, hr: int, spo2: int, rr: int
    ) -> None:
        found = impossible(Reading(sbp, dbp, hr, spo2, rr))
        assert all(field in MEASURES and message for field, message in found)
        ranges = load_ranges().ranges
        in_range = all(
            ranges[m].low <= v <= ranges[m].high
            for m, v in zip(MEASURES, (sbp, dbp, hr, spo2, rr), strict=True)
        )
        assert (found == []) == (in_range and dbp < sbp)


class TestShippedThresholdBoundaries:
    def test_calm_reading_raises_nothing(self) -> None:
        assert check(CALM, IV_THRESHOLDS) == [] and worst([]) is None

    def test_systolic_notify_at_160(self) -> None:
        assert actions(replace(CALM, systolic_mmhg=160)) == []
        assert actions(replace(CALM, systolic_mmhg=161)) == ["notify"]

    def test_systolic_180_no_pause_181_pause(self) -> None:
        assert "pause_advised" not in actions(replace(CALM, systolic_mmhg=180))
        assert actions(replace(CALM, systolic_mmhg=181)) == ["pause_advised", "notify"]

    def test_systolic_200_pause_only_201_stop(self) -> None:
        at_200 = check(replace(CALM, systolic_mmhg=200), IV_THRESHOLDS)
        assert worst(at_200) == "pause_advised"
        at_201 = check(replace(CALM, systolic_mmhg=201), IV_THRESHOLDS)
        assert [a.action for a in at_201] == ["stop_advised", "pause_advised", "notify"]
        assert worst(at_201) == "stop_advised"

    def test_diastolic_110_and_120(self) -> None:
        assert actions(replace(CALM, diastolic_mmhg=110)) == []
        assert actions(replace(CALM, diastolic_mmhg=111)) == ["pause_advised"]
        assert actions(replace(CALM, diastolic_mmhg=120)) == ["pause_advised"]
        assert actions(replace(CALM, diastolic_mmhg=121)) == ["stop_advised", "pause_advised"]

    def test_heart_rate_120(self) -> None:
        assert actions(replace(CALM, heart_rate_bpm=120)) == []
        assert actions(replace(CALM, heart_rate_bpm=121)) == ["pause_advised"]

    def test_spo2_94_no_notify_93_notify(self) -> None:
        assert actions(replace(CALM, spo2_pct=94)) == []
        assert actions(replace(CALM, spo2_pct=93)) == ["notify"]

    def test_spo2_90_and_89(self) -> None:
        assert actions(replace(CALM, spo2_pct=90)) == ["notify"]
        assert actions(replace(CALM, spo2_pct=89)) == ["stop_advised", "notify"]

    def test_esketamine_has_no_spo2_notify_level(self) -> None:
        assert check(replace(CALM, spo2_pct=93), ESK_THRESHOLDS) == []

    def test_alert_carries_its_source(self) -> None:
        (alert,) = check(replace(CALM, heart_rate_bpm=130), IV_THRESHOLDS)
        assert alert == Alert(
            "heart_rate_bpm",
            130,
            "pause_advised",
            120,
            "above",
            "Same PRN rule: HR >120 sustained for 5 min (clinical.md §1c, S).",
            True,
        )
        assert describe(alert) == (
            "Heart rate 130 is above 120: pause advised "
            "(Same PRN rule: HR >120 sustained for 5 min (clinical.md §1c, S); clinic choice)"
        )

    def test_missing_values_cross_nothing(self) -> None:
        assert check(Reading(None, None, None, None, None), IV_THRESHOLDS) == []


def _threshold(measure: str, direction: str, value: float, action: str) -> Threshold:
    return Threshold.model_validate(
        {
            "measure": measure,
            "direction": direction,
            "value": value,
            "action": action,
            "source": "test",
        }
    )


thresholds = st.lists(
    st.builds(
        _threshold,
        st.sampled_from(MEASURES),
        st.sampled_from(["above", "below"]),
        st.integers(0, 300),
        st.sampled_from(list(SEVERITY)),
    ),
    max_size=10,
)
readings = st.builds(
    Reading,
    st.one_of(st.none(), st.integers(40, 300)),
    st.one_of(st.none(), st.integers(20, 200)),
    st.one_of(st.none(), st.integers(20, 250)),
    st.one_of(st.none(), st.integers(50, 100)),
    st.one_of(st.none(), st.integers(4, 60)),
)


def severity(action: str | None) -> int:
    return 0 if action is None else SEVERITY[action]  # type: ignore[index]


class TestProperties:
    @given(readings, thresholds)
    def test_every_crossed_threshold_once_most_severe_first(
        self, reading: Reading, found_in: list[Threshold]
    ) -> None:
        alerts = check(reading, found_in)
        levels = [SEVERITY[a.action] for a in alerts]
        assert levels == sorted(levels, reverse=True)
        expected = sum(
            1
            for t in found_in
            if (v := getattr(reading, t.measure)) is not None
            and (v > t.value if t.direction == "above" else v < t.value)
        )
        assert len(alerts) == expected
        assert worst(alerts) == (alerts[0].action if alerts else None)

    @given(readings, st.integers(40, 300), st.integers(40, 300))
    def test_raising_systolic_never_lowers_severity(self, reading: Reading, a: int, b: int) -> None:
        low, high = sorted((a, b))
        lower = worst(check(replace(reading, systolic_mmhg=low), IV_THRESHOLDS))
        higher = worst(check(replace(reading, systolic_mmhg=high), IV_THRESHOLDS))
        assert severity(higher) >= severity(lower)

    @given(readings, st.integers(50, 100), st.integers(50, 100))
    def test_lowering_spo2_never_lowers_severity(self, reading: Reading, a: int, b: int) -> None:
        low, high = sorted((a, b))
        at_low = worst(check(replace(reading, spo2_pct=low), IV_THRESHOLDS))
        at_high = worst(check(replace(reading, spo2_pct=high), IV_THRESHOLDS))
        assert severity(at_low) >= severity(at_high)

    @given(readings)
    def test_a_reading_at_a_threshold_value_never_crosses_it(self, reading: Reading) -> None:
        for threshold in IV_THRESHOLDS:
            exactly = replace(reading, **{threshold.measure: int(threshold.value)})
            crossed = [a for a in check(exactly, [threshold]) if a.measure == threshold.measure]
            assert crossed == []
