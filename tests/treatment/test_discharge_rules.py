"""Discharge criteria: each on its own, the esketamine 2-hour rule from the start, boundaries."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ketacare.protocols.library import shipped
from ketacare.treatment.discharge_rules import (
    DischargeFacts,
    DischargeSettings,
    load_settings,
    unmet,
)
from ketacare.treatment.vitals_rules import Reading

SETTINGS = load_settings()
BASELINE = Reading(130, 80, 70, 98, 14)
IV_READY = DischargeFacts(
    baseline=BASELINE,
    latest=Reading(140, 85, 80, 97, 14),
    latest_moaas=5,
    latest_aldrete=10,
    minutes_since_dosing_ended=60,
    minutes_since_dosing_started=100,
    observation_min=shipped()["iv_ketamine_literature"][1].monitoring.observation_min,
    treatment="iv_ketamine",
    escort_present=True,
)
ESK_READY = replace(
    IV_READY,
    treatment="esketamine",
    observation_min=shipped()["esketamine_label"][1].monitoring.observation_min,
    minutes_since_dosing_started=120,
    minutes_since_dosing_ended=115,
)


class TestShippedSettings:
    def test_numbers(self) -> None:
        assert DischargeSettings(20, 20, 94, 5, 9, 120) == SETTINGS

    def test_a_clinic_file_is_validated(self, tmp_path: Path) -> None:
        bad = tmp_path / "discharge.toml"
        bad.write_text(
            "max_bp_rise_mmhg = 20\nmax_hr_rise_bpm = 20\nmin_spo2_pct = 94\n"
            'vitals_source = "mine"\nvitals_clinic_choice = true\nesketamine_source = "label"\n'
            "esketamine_min_observation_min = 60\n"
        )
        with pytest.raises(ValidationError, match="greater than or equal to 120"):
            load_settings(bad)
        good = tmp_path / "good.toml"
        good.write_text(bad.read_text().replace("= 60", "= 150").replace("= 94", "= 92"))
        assert load_settings(good) == DischargeSettings(20, 20, 92, 5, 9, 150)


class TestReady:
    def test_iv_ready(self) -> None:
        assert unmet(IV_READY, SETTINGS) == []

    def test_esketamine_ready(self) -> None:
        assert unmet(ESK_READY, SETTINGS) == []


class TestObservation:
    def test_iv_counts_from_the_end_of_the_infusion(self) -> None:
        early = replace(IV_READY, minutes_since_dosing_ended=45, minutes_since_dosing_started=200)
        assert unmet(early, SETTINGS) == [
            "Observed 45 min since the infusion ended; 60 min are needed (IV ketamine counts "
            "from the end of the infusion): 15 min to go."
        ]
        assert unmet(replace(IV_READY, minutes_since_dosing_ended=59.5), SETTINGS)[0].endswith(
            "1 min to go."
        )

    def test_iv_infusion_still_running(self) -> None:
        assert unmet(replace(IV_READY, minutes_since_dosing_ended=None), SETTINGS) == [
            "The infusion has not ended: observation counts from its end."
        ]

    def test_esketamine_counts_two_hours_from_the_start(self) -> None:
        # 119 min after the first device, though dosing ended long ago: not yet.
        early = replace(ESK_READY, minutes_since_dosing_started=119, minutes_since_dosing_ended=100)
        (problem,) = unmet(early, SETTINGS)
        assert problem.startswith("Observed 119 min since dosing started; 120 min are needed")
        assert "Spravato label: at least 2 hours" in problem and problem.endswith("1 min to go.")
        # 120 min after the start is enough, even if dosing ended only 105 min ago.
        assert unmet(replace(ESK_READY, minutes_since_dosing_ended=105), SETTINGS) == []

    def test_esketamine_never_under_two_hours_whatever_the_protocol(self) -> None:
        short = replace(ESK_READY, observation_min=60, minutes_since_dosing_started=90)
        (problem,) = unmet(short, SETTINGS)
        assert "120 min are needed" in problem

    def test_esketamine_protocol_may_ask_for_more(self) -> None:
        longer = replace(ESK_READY, observation_min=150, minutes_since_dosing_started=130)
        (problem,) = unmet(longer, SETTINGS)
        assert "150 min are needed" in problem and "20 min to go" in problem

    def test_esketamine_not_started(self) -> None:
        assert unmet(replace(ESK_READY, minutes_since_dosing_started=None), SETTINGS) == [
            "Dosing has not started, so observation has not begun."
        ]

    @given(st.floats(0, 300))
    def test_iv_boundary(self, minutes: float) -> None:
        facts = replace(IV_READY, minutes_since_dosing_ended=minutes)
        assert (unmet(facts, SETTINGS) == []) == (minutes >= 60)

    @given(st.floats(0, 300), st.floats(0, 300))
    def test_esketamine_boundary_ignores_the_end(self, started: float, ended: float) -> None:
        facts = replace(
            ESK_READY, minutes_since_dosing_started=started, minutes_since_dosing_ended=ended
        )
        assert (unmet(facts, SETTINGS) == []) == (started >= 120)


class TestVitals:
    def test_systolic_rise_at_and_beyond_the_limit(self) -> None:
        assert unmet(replace(IV_READY, latest=replace(BASELINE, systolic_mmhg=150)), SETTINGS) == []
        assert unmet(replace(IV_READY, latest=replace(BASELINE, systolic_mmhg=151)), SETTINGS) == [
            "Systolic blood pressure 151 mmHg is 21 mmHg above the baseline 130 mmHg; "
            "at most 20 mmHg above baseline is allowed."
        ]

    def test_diastolic_rise(self) -> None:
        (problem,) = unmet(
            replace(IV_READY, latest=replace(BASELINE, diastolic_mmhg=101)), SETTINGS
        )
        assert problem.startswith("Diastolic blood pressure 101 mmHg is 21 mmHg above")
        assert (
            unmet(replace(IV_READY, latest=replace(BASELINE, diastolic_mmhg=100)), SETTINGS) == []
        )

    def test_heart_rate_rise(self) -> None:
        (problem,) = unmet(replace(IV_READY, latest=replace(BASELINE, heart_rate_bpm=91)), SETTINGS)
        assert problem.startswith("Heart rate 91 bpm is 21 bpm above the baseline 70 bpm")
        assert unmet(replace(IV_READY, latest=replace(BASELINE, heart_rate_bpm=90)), SETTINGS) == []

    def test_a_fall_below_baseline_is_not_a_rise(self) -> None:
        latest = Reading(100, 60, 55, 98, 12)
        assert unmet(replace(IV_READY, latest=latest), SETTINGS) == []

    def test_spo2_floor(self) -> None:
        assert unmet(replace(IV_READY, latest=replace(BASELINE, spo2_pct=94)), SETTINGS) == []
        assert unmet(replace(IV_READY, latest=replace(BASELINE, spo2_pct=93)), SETTINGS) == [
            "SpO2 93% is below 94%."
        ]

    def test_missing_readings(self) -> None:
        assert unmet(replace(IV_READY, baseline=None), SETTINGS) == [
            "No pre-dose baseline reading to compare with: vitals cannot be judged."
        ]
        assert unmet(replace(IV_READY, latest=None), SETTINGS) == [
            "No vital signs recorded after dosing: record a reading before discharge."
        ]

    def test_missing_values(self) -> None:
        latest = Reading(None, 80, 70, None, 14)
        assert unmet(replace(IV_READY, latest=latest), SETTINGS) == [
            "Systolic blood pressure: not recorded in the latest reading, so it cannot be compared.",
            "SpO2: not recorded in the latest reading.",
        ]
        baseline = replace(BASELINE, heart_rate_bpm=None)
        assert unmet(replace(IV_READY, baseline=baseline), SETTINGS) == [
            "Heart rate: not recorded in the baseline, so it cannot be compared."
        ]

    @given(st.integers(60, 250), st.integers(0, 100))
    def test_systolic_boundary(self, before: int, rise: int) -> None:
        facts = replace(
            IV_READY,
            baseline=replace(BASELINE, systolic_mmhg=before),
            latest=replace(BASELINE, systolic_mmhg=before + rise),
        )
        assert (unmet(facts, SETTINGS) == []) == (rise <= SETTINGS.max_bp_rise_mmhg)


class TestAlertnessAndEscort:
    def test_moaas(self) -> None:
        assert unmet(replace(IV_READY, latest_moaas=4), SETTINGS) == [
            "MOAA/S is 4; at least 5 (fully alert) is needed."
        ]
        assert unmet(replace(IV_READY, latest_moaas=None), SETTINGS) == [
            "No MOAA/S sedation score recorded since check-in."
        ]

    def test_aldrete(self) -> None:
        assert unmet(replace(IV_READY, latest_aldrete=9), SETTINGS) == []
        assert unmet(replace(IV_READY, latest_aldrete=8), SETTINGS) == [
            "Modified Aldrete is 8; at least 9 is needed."
        ]
        assert unmet(replace(IV_READY, latest_aldrete=None), SETTINGS) == [
            "No Modified Aldrete score recorded since check-in."
        ]

    def test_escort(self) -> None:
        assert unmet(replace(ESK_READY, escort_present=False), SETTINGS) == [
            "No responsible adult escort is present to take the patient home."
        ]

    def test_everything_unmet_in_order(self) -> None:
        facts = DischargeFacts(None, None, None, None, None, None, 60, "iv_ketamine", False)
        assert [problem.split()[0] for problem in unmet(facts, SETTINGS)] == [
            "The", "No", "No", "No", "No"
        ]  # fmt: skip


class TestProperties:
    @given(
        st.integers(0, 5),
        st.integers(0, 10),
        st.booleans(),
        st.integers(85, 100),
        st.integers(0, 60),
    )
    def test_ready_exactly_when_every_criterion_holds(
        self, moaas: int, aldrete: int, escort: bool, spo2: int, hr_rise: int
    ) -> None:
        facts = replace(
            IV_READY,
            latest=replace(BASELINE, spo2_pct=spo2, heart_rate_bpm=70 + hr_rise),
            latest_moaas=moaas,
            latest_aldrete=aldrete,
            escort_present=escort,
        )
        expected = moaas >= 5 and aldrete >= 9 and escort and spo2 >= 94 and hr_rise <= 20
        assert (unmet(facts, SETTINGS) == []) == expected

    @given(st.floats(0, 300), st.floats(0, 300))
    def test_waiting_longer_never_adds_a_problem(self, a: float, b: float) -> None:
        early, late = sorted((a, b))
        for base in (IV_READY, ESK_READY):
            at_early = replace(
                base, minutes_since_dosing_ended=early, minutes_since_dosing_started=early
            )
            at_late = replace(
                base, minutes_since_dosing_ended=late, minutes_since_dosing_started=late
            )
            assert len(unmet(at_late, SETTINGS)) <= len(unmet(at_early, SETTINGS))
