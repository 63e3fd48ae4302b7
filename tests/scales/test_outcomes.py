"""Outcome rules: worked examples from the trial definitions, boundaries and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketacare.scales.criteria import OutcomeCriteria, RelapseRule, RemissionCutoff
from ketacare.scales.outcomes import Score, evaluate, reduction_pct, status_of

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MADRS = OutcomeCriteria(
    remission=(RemissionCutoff("MADRS <=10", "<=", 10), RemissionCutoff("MADRS <=12", "<=", 12))
)
PHQ9 = OutcomeCriteria(remission=(RemissionCutoff("PHQ-9 <5", "<", 5),))


def series(*totals: int, days: int = 7) -> list[Score]:
    return [Score(T0 + timedelta(days=days * index), total) for index, total in enumerate(totals)]


class TestWorkedExamples:
    def test_madrs_response_and_both_remission_cutoffs(self) -> None:
        outcome = evaluate(series(32, 14), MADRS)
        assert outcome.status == "response" and round(outcome.percent_change or 0) == 56
        assert outcome.remission == {"MADRS <=10": False, "MADRS <=12": False}
        outcome = evaluate(series(32, 14, 10), MADRS)
        assert outcome.remission == {"MADRS <=10": True, "MADRS <=12": True}
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

    def test_boundaries_exactly_at_50_and_25_percent(self) -> None:
        assert status_of(20, 10, PHQ9) == "response"
        assert status_of(20, 11, PHQ9) == "partial_response"
        assert status_of(20, 15, PHQ9) == "partial_response"
        assert status_of(20, 16, PHQ9) == "no_response"

    def test_zero_baseline_has_no_percentage(self) -> None:
        assert reduction_pct(0, 3) is None
        assert evaluate(series(0, 3), PHQ9).percent_change is None

    def test_sustain_style_relapse_two_consecutive_scores(self) -> None:
        rule = RelapseRule(threshold=22, consecutive=2)
        outcome = evaluate(series(34, 12, 10, 23, 18, 24, 25), MADRS, relapse=rule)
        assert outcome.ever_remitted and outcome.relapsed
        assert outcome.relapse_at == T0 + timedelta(days=42)
        assert not evaluate(series(34, 12, 10, 23, 18), MADRS, relapse=rule).relapsed


class TestBaseline:
    def test_last_score_before_first_treatment(self) -> None:
        scores = series(25, 22, 12)
        outcome = evaluate(scores, PHQ9, first_treatment_at=T0 + timedelta(days=8))
        assert outcome.baseline == scores[1]
        assert outcome.baseline_source == "last score before the first treatment"

    def test_without_treatment_falls_back_to_first_score_and_says_so(self) -> None:
        outcome = evaluate(series(25, 22), PHQ9)
        assert outcome.baseline is not None and outcome.baseline.total == 25
        assert "no treatment recorded" in outcome.baseline_source


class TestProperties:
    @given(st.lists(st.integers(min_value=0, max_value=27), min_size=1, max_size=12))
    def test_reduction_never_above_100_percent(self, totals: list[int]) -> None:
        outcome = evaluate(series(*totals), PHQ9)
        assert outcome.percent_change is None or outcome.percent_change <= 100

    @given(
        st.lists(st.integers(min_value=0, max_value=27), min_size=1, max_size=12),
        st.integers(min_value=0, max_value=27),
    )
    def test_adding_a_later_score_never_moves_the_baseline(
        self, totals: list[int], extra: int
    ) -> None:
        before = evaluate(series(*totals), PHQ9)
        after = evaluate(series(*totals, extra), PHQ9)
        assert before.baseline == after.baseline

    @given(st.integers(min_value=1, max_value=27), st.integers(min_value=0, max_value=26))
    def test_status_is_monotone_in_the_current_total(self, baseline: int, current: int) -> None:
        order = ["response", "partial_response", "no_response"]
        better = status_of(baseline, current, PHQ9)
        worse = status_of(baseline, current + 1, PHQ9)
        assert order.index(better) <= order.index(worse)

    @given(st.lists(st.integers(min_value=0, max_value=27), min_size=2, max_size=12))
    def test_responders_have_a_time_to_response(self, totals: list[int]) -> None:
        outcome = evaluate(series(*totals), PHQ9)
        assert outcome.ever_responded == (outcome.time_to_first_response is not None)
