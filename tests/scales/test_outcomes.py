"""Outcome rules: worked examples from the trial definitions, boundaries and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.scales.criteria import (
    DeteriorationRule,
    OutcomeCriteria,
    RelapseRule,
    RemissionCutoff,
)
from ketacare.scales.outcomes import Score, evaluate, reduction_pct, status_of, trajectory

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MADRS = OutcomeCriteria(
    remission=(RemissionCutoff("MADRS <=10", "<=", 10), RemissionCutoff("MADRS <=12", "<=", 12))
)
PHQ9 = OutcomeCriteria(remission=(RemissionCutoff("PHQ-9 <5", "<", 5),))
SUSTAIN_1 = RelapseRule(threshold=22, consecutive=2)  # clinic setting, SUSTAIN-1 style
WORSE_25 = DeteriorationRule(min_increase_pct=25.0)  # clinic setting
ORDER = ["response", "partial_response", "no_response", "deterioration"]


def series(*totals: int, days: int = 7) -> list[Score]:
    return [Score(T0 + timedelta(days=days * index), total) for index, total in enumerate(totals)]


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


totals_st = st.lists(st.integers(min_value=0, max_value=27), min_size=1, max_size=12)
treatment_st = st.none() | st.integers(min_value=-7, max_value=100).map(day)


class TestWorkedExamples:
    def test_madrs_response_and_both_remission_cutoffs(self) -> None:
        outcome = evaluate(series(32, 14), MADRS)
        assert outcome.status == "response" and round(outcome.percent_change or 0) == 56
        assert outcome.remission == {"MADRS <=10": False, "MADRS <=12": False}
        outcome = evaluate(series(32, 14, 10), MADRS)
        assert outcome.remission == {"MADRS <=10": True, "MADRS <=12": True}
        assert outcome.ever_responded and outcome.ever_remitted
        assert outcome.time_to_first_response == timedelta(days=7)

    def test_madrs_11_meets_only_the_esketamine_cutoff(self) -> None:
        assert evaluate(series(32, 11), MADRS).remission == {
            "MADRS <=10": False,
            "MADRS <=12": True,
        }

    def test_phq9_partial_response(self) -> None:
        outcome = evaluate(series(20, 12), PHQ9)
        assert (outcome.status, outcome.percent_change, outcome.change) == (
            "partial_response",
            40.0,
            -8,
        )
        assert not outcome.ever_responded and outcome.time_to_first_response is None

    def test_phq9_remission_cutoff_is_strict(self) -> None:
        assert evaluate(series(20, 5), PHQ9).remission == {"PHQ-9 <5": False}
        assert evaluate(series(20, 4), PHQ9).remission == {"PHQ-9 <5": True}

    def test_boundaries_exactly_at_50_and_25_percent(self) -> None:
        assert status_of(20, 10, PHQ9) == "response"
        assert status_of(20, 11, PHQ9) == "partial_response"
        assert status_of(20, 15, PHQ9) == "partial_response"
        assert status_of(20, 16, PHQ9) == "no_response"

    def test_deterioration_only_with_a_rule_and_at_its_threshold(self) -> None:
        assert status_of(20, 25, PHQ9, WORSE_25) == "deterioration"  # +25% exactly
        assert status_of(20, 24, PHQ9, WORSE_25) == "no_response"
        assert status_of(20, 27, PHQ9) == "no_response"
        assert evaluate(series(20, 26), PHQ9, deterioration=WORSE_25).status == "deterioration"

    def test_zero_baseline_has_no_percentage(self) -> None:
        assert reduction_pct(0, 3) is None
        outcome = evaluate(series(0, 3), PHQ9, deterioration=WORSE_25)
        assert (outcome.percent_change, outcome.status, outcome.change) == (None, "no_response", 3)

    def test_sustain_style_relapse_two_consecutive_scores(self) -> None:
        outcome = evaluate(series(34, 12, 10, 23, 18, 24, 25), MADRS, relapse=SUSTAIN_1)
        assert outcome.ever_remitted and outcome.relapsed
        assert outcome.relapse_at == T0 + timedelta(days=42)
        assert not evaluate(series(34, 12, 10, 23, 18), MADRS, relapse=SUSTAIN_1).relapsed

    def test_high_scores_before_any_response_are_not_a_relapse(self) -> None:
        outcome = evaluate(series(34, 30, 28, 16, 20), MADRS, relapse=SUSTAIN_1)
        assert outcome.ever_responded and not outcome.relapsed and outcome.relapse_at is None

    def test_relapse_after_response_without_remission(self) -> None:
        outcome = evaluate(series(40, 18, 22, 22), MADRS, relapse=SUSTAIN_1)
        assert not outcome.ever_remitted and outcome.relapse_at == T0 + timedelta(days=21)

    def test_no_relapse_rule_means_no_relapse(self) -> None:
        assert not evaluate(series(34, 10, 30, 30, 30), MADRS).relapsed

    def test_scores_in_any_order(self) -> None:
        scores = series(32, 20, 14)
        assert evaluate(list(reversed(scores)), MADRS) == evaluate(scores, MADRS)


class TestBaseline:
    def test_last_score_before_first_treatment(self) -> None:
        scores = series(25, 22, 12)
        outcome = evaluate(scores, PHQ9, first_treatment_at=day(8))
        assert outcome.baseline == scores[1]
        assert outcome.baseline_source == "last score before the first treatment"
        assert outcome.percent_change is not None and round(outcome.percent_change) == 45

    def test_score_at_the_treatment_time_counts_as_before(self) -> None:
        scores = series(25, 22, 12)
        assert evaluate(scores, PHQ9, first_treatment_at=day(7)).baseline == scores[1]

    def test_first_score_rule_ignores_the_treatment_date(self) -> None:
        scores = series(25, 22, 12)
        outcome = evaluate(scores, PHQ9, first_treatment_at=day(8), baseline_rule="first_score")
        assert (outcome.baseline, outcome.baseline_source) == (scores[0], "first score")

    def test_without_treatment_falls_back_to_first_score_and_says_so(self) -> None:
        outcome = evaluate(series(25, 22), PHQ9)
        assert outcome.baseline is not None and outcome.baseline.total == 25
        assert "no treatment recorded" in outcome.baseline_source

    def test_no_score_before_treatment_falls_back_and_says_so(self) -> None:
        scores = series(25, 22)
        outcome = evaluate(scores, PHQ9, first_treatment_at=T0 - timedelta(days=1))
        assert outcome.baseline == scores[0]
        assert "none before the first treatment" in outcome.baseline_source

    def test_baseline_only_and_no_data(self) -> None:
        outcome = evaluate(series(3), PHQ9)
        assert (outcome.status, outcome.change, outcome.percent_change) == ("baseline_only", 0, 0.0)
        assert outcome.remission == {"PHQ-9 <5": True} and not outcome.ever_remitted
        empty = evaluate([], PHQ9)
        assert (empty.status, empty.baseline, empty.latest) == ("no_data", None, None)

    def test_higher_is_better_criteria_are_refused(self) -> None:
        upside_down = OutcomeCriteria(higher_is_worse=False)
        with pytest.raises(ValueError, match="higher_is_worse"):
            evaluate(series(10, 20), upside_down)
        with pytest.raises(ValueError, match="higher_is_worse"):
            trajectory(series(10, 20), upside_down)


class TestTrajectory:
    def test_points_are_judged_against_the_baseline(self) -> None:
        scores = series(30, 32, 20, 14, 10, 41)
        points = trajectory(
            scores[::-1],
            MADRS,
            first_treatment_at=day(8),
            deterioration=WORSE_25,
        )
        assert [p.at for p in points] == [s.at for s in scores]
        assert [p.status for p in points] == [
            "before_baseline",
            "baseline",
            "partial_response",
            "response",
            "response",
            "deterioration",
        ]
        assert [p.percent_change for p in points][1:3] == [0.0, 37.5]
        assert points[3].remission == () and points[4].remission == ("MADRS <=10", "MADRS <=12")

    def test_empty_and_zero_baseline(self) -> None:
        assert trajectory([], PHQ9) == []
        assert [p.percent_change for p in trajectory(series(0, 2), PHQ9)] == [None, None]

    def test_agrees_with_evaluate_on_the_latest_score(self) -> None:
        scores = series(20, 14, 9)
        latest = trajectory(scores, PHQ9)[-1]
        outcome = evaluate(scores, PHQ9)
        assert (latest.status, latest.percent_change) == (outcome.status, outcome.percent_change)


class TestProperties:
    @given(totals_st, treatment_st)
    def test_reduction_never_above_100_percent(
        self, totals: list[int], treated: datetime | None
    ) -> None:
        outcome = evaluate(series(*totals), PHQ9, first_treatment_at=treated)
        assert outcome.percent_change is None or outcome.percent_change <= 100
        for point in trajectory(series(*totals), PHQ9, first_treatment_at=treated):
            assert point.percent_change is None or point.percent_change <= 100

    @given(totals_st, st.integers(min_value=0, max_value=27), treatment_st)
    def test_adding_a_later_score_never_moves_the_baseline(
        self, totals: list[int], extra: int, treated: datetime | None
    ) -> None:
        scores = series(*totals)
        later = max([scores[-1].at] + ([treated] if treated else [])) + timedelta(days=1)
        before = evaluate(scores, PHQ9, first_treatment_at=treated)
        after = evaluate([*scores, Score(later, extra)], PHQ9, first_treatment_at=treated)
        assert (before.baseline, before.baseline_source) == (after.baseline, after.baseline_source)

    @given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=59))
    def test_status_is_monotone_in_the_current_total(self, baseline: int, current: int) -> None:
        for rule in (None, WORSE_25):
            better = status_of(baseline, current, MADRS, rule)
            worse = status_of(baseline, current + 1, MADRS, rule)
            assert ORDER.index(better) <= ORDER.index(worse)

    @given(totals_st, treatment_st)
    def test_responders_have_a_time_to_response(
        self, totals: list[int], treated: datetime | None
    ) -> None:
        outcome = evaluate(series(*totals), PHQ9, first_treatment_at=treated)
        assert outcome.ever_responded == (outcome.time_to_first_response is not None)
        if outcome.time_to_first_response is not None:
            assert outcome.time_to_first_response > timedelta(0)

    @given(totals_st, treatment_st)
    def test_relapse_needs_an_earlier_response_or_remission(
        self, totals: list[int], treated: datetime | None
    ) -> None:
        rule = RelapseRule(threshold=15, consecutive=2)
        outcome = evaluate(series(*totals), PHQ9, first_treatment_at=treated, relapse=rule)
        if outcome.relapsed:
            assert outcome.ever_responded or outcome.ever_remitted
            assert outcome.relapse_at is not None and outcome.baseline is not None
            assert outcome.relapse_at > outcome.baseline.at
