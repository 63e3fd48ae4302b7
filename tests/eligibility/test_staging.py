"""TRD staging on worked examples: EU-PEARL, Thase-Rush, Maudsley, and the adequacy table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ketacare.eligibility.adequacy import (
    SHIPPED,
    AdequacyTable,
    Duration,
    MinimumDose,
    load_adequacy_table,
)
from ketacare.eligibility.staging import Trial, eu_pearl, judge, maudsley, thase_rush


def ad(name: str, cls: str, weeks: float = 8, improvement: float = 10, **extra: object) -> Trial:
    return Trial(
        "antidepressant", name, cls, weeks_at_dose=weeks, improvement_pct=improvement, **extra
    )  # type: ignore[arg-type]


class TestJudge:
    def test_trial_stopped_before_week_4_is_not_a_failure(self) -> None:
        verdict = judge(ad("sertraline", "SSRI", weeks=3))
        assert not verdict.counts_as_failure
        assert "before week 4" in verdict.reason

    def test_25_percent_improvement_is_not_a_failure(self) -> None:
        assert not judge(ad("sertraline", "SSRI", improvement=25)).counts_as_failure
        assert judge(ad("sertraline", "SSRI", improvement=24.9)).counts_as_failure

    def test_inadequate_dose_and_previous_episode_do_not_count(self) -> None:
        assert "dose" in judge(ad("citalopram", "SSRI", adequate_dose=False)).reason
        assert "episode" in judge(ad("citalopram", "SSRI", current_episode=False)).reason

    def test_psychotherapy_is_recorded_not_counted(self) -> None:
        therapy = Trial("psychotherapy", "CBT", weeks_at_dose=16, improvement_pct=0)
        assert not judge(therapy).counts_as_failure


class TestEuPearl:
    def test_two_failures_make_trd(self) -> None:
        result = eu_pearl([ad("sertraline", "SSRI"), ad("venlafaxine", "SNRI")])
        assert (result.failed_treatments, result.treatment_resistant) == (2, True)

    def test_augmentation_counts_as_a_treatment(self) -> None:
        trials = [
            ad("sertraline", "SSRI"),
            Trial(
                "augmentation", "aripiprazole", "antipsychotic", weeks_at_dose=6, improvement_pct=5
            ),
        ]
        assert eu_pearl(trials).treatment_resistant

    def test_one_failure_and_an_early_stop_is_not_trd(self) -> None:
        result = eu_pearl([ad("sertraline", "SSRI"), ad("venlafaxine", "SNRI", weeks=2)])
        assert (result.failed_treatments, result.treatment_resistant) == (1, False)

    def test_ect_is_shown_but_not_counted(self) -> None:
        result = eu_pearl(
            [
                ad("sertraline", "SSRI"),
                Trial("ect", "bilateral ECT", weeks_at_dose=4, improvement_pct=0, bilateral=True),
            ]
        )
        assert result.failed_treatments == 1
        assert result.judgements[1].counts_as_failure


class TestThaseRush:
    def test_stages_step_by_step(self) -> None:
        ssri, snri = ad("sertraline", "SSRI"), ad("venlafaxine", "SNRI")
        tca, maoi = ad("nortriptyline", "TCA"), ad("phenelzine", "MAOI")
        ect = Trial("ect", "bilateral ECT", weeks_at_dose=4, improvement_pct=5, bilateral=True)
        assert thase_rush([]).stage == 0
        assert thase_rush([ssri]).roman == "I"
        assert thase_rush([ssri, ad("escitalopram", "SSRI")]).stage == 1  # same class twice
        assert thase_rush([ssri, snri]).roman == "II"
        assert thase_rush([ssri, tca]).roman == "II"  # the TCA is the second class
        assert thase_rush([ssri, snri, tca]).roman == "III"
        assert thase_rush([ssri, snri, tca, maoi]).roman == "IV"
        assert thase_rush([ssri, snri, tca, maoi, ect]).roman == "V"

    def test_unilateral_ect_does_not_reach_stage_v(self) -> None:
        trials = [
            ad("a", "SSRI"),
            ad("b", "SNRI"),
            ad("c", "TCA"),
            ad("d", "MAOI"),
            Trial("ect", "unilateral ECT", weeks_at_dose=4, improvement_pct=5),
        ]
        assert thase_rush(trials).stage == 4

    def test_reasoning_names_augmentation_limit(self) -> None:
        assert any("augmentation" in line for line in thase_rush([ad("a", "SSRI")]).reasoning)


class TestMaudsley:
    def test_worked_example(self) -> None:
        # 18-month episode (2), severe without psychosis (4), 4 failed drugs (2), augmentation (1),
        # no ECT (0): 9, moderate.
        result = maudsley(18, "severe", 4, augmentation_used=True, ect_used=False)
        assert (result.duration_points, result.severity_points, result.failure_points) == (2, 4, 2)
        assert (result.total, result.band) == (9, "moderate")
        assert any("unconfirmed" in note for note in result.notes)

    def test_extremes(self) -> None:
        assert maudsley(6, "subsyndromal", 1, False, False).total == 3
        assert maudsley(36, "severe_psychotic", 11, True, True).total == 15

    @given(
        st.integers(0, 240),
        st.sampled_from(["subsyndromal", "mild", "moderate", "severe", "severe_psychotic"]),
        st.integers(1, 30),
        st.booleans(),
        st.booleans(),
    )
    def test_total_within_published_range_and_band_matches(
        self, months: int, severity: str, failures: int, augmentation: bool, ect: bool
    ) -> None:
        result = maudsley(months, severity, failures, augmentation, ect)  # type: ignore[arg-type]
        assert 3 <= result.total <= 15
        expected = "mild" if result.total <= 6 else "moderate" if result.total <= 10 else "severe"
        assert result.band == expected


class TestAdequacyTable:
    TABLE = AdequacyTable(
        duration=Duration(min_weeks=6, source="clinic: MGH-ATRQ-style 6 weeks"),
        drug=[MinimumDose(name="Sertraline", min_daily_mg=50, source="clinic table v1")],
    )

    def test_dose_from_the_table_decides_and_the_reason_cites_it(self) -> None:
        low = judge(replace(ad("sertraline", "SSRI", weeks=8), daily_dose_mg=25), self.TABLE)
        assert not low.counts_as_failure
        assert "25 mg/day is below the minimum 50 mg/day (clinic table v1)" in low.reason
        # The table outranks the physician's tick in both directions.
        high = judge(
            replace(ad("sertraline", "SSRI", weeks=8, adequate_dose=False), daily_dose_mg=100),
            self.TABLE,
        )
        assert high.counts_as_failure and "at or above the minimum 50" in high.reason

    def test_drugs_missing_from_the_table_fall_back_to_the_physician(self) -> None:
        verdict = judge(ad("venlafaxine", "SNRI", weeks=8), self.TABLE)
        assert verdict.counts_as_failure
        assert "physician's judgement (no minimum in the clinic's table)" in verdict.reason

    def test_the_tables_duration_replaces_week_4(self) -> None:
        assert (
            "stopped before week 6" in judge(ad("bupropion", "other", weeks=5), self.TABLE).reason
        )
        assert judge(ad("bupropion", "other", weeks=5)).counts_as_failure  # shipped: week 4

    def test_shipped_table_cites_eu_pearl_and_invents_no_doses(self) -> None:
        assert SHIPPED.duration.min_weeks == 4 and "EU-PEARL" in SHIPPED.duration.source
        assert SHIPPED.drug == []

    def test_a_clinic_file_is_validated(self, tmp_path: Path) -> None:
        path = tmp_path / "adequacy.toml"
        path.write_text('[duration]\nmin_weeks = 6\nsource = "x y z"\n[[drug]]\nname = "a"\n')
        with pytest.raises(ValidationError, match="min_daily_mg"):
            load_adequacy_table(path)
