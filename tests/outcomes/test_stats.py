"""Wilson intervals and Kaplan-Meier against hand-computed values, plus properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.outcomes.stats import kaplan_meier, median_time, rate_per, wilson


class TestWilson:
    @pytest.mark.parametrize(
        ("successes", "n", "low", "high"),
        [
            # centre = (p + z²/2n) / (1 + z²/n), half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
            # 8/10: centre 0.99207/1.38415 = 0.7167, half 0.31362/1.38415 = 0.2266 (published
            # Wilson interval 0.490-0.943, e.g. Newcombe 1998 / statsmodels proportion_confint).
            (8, 10, 0.4902, 0.9433),
            # 0/10: centre = half = 0.19207/1.38415 = 0.1388 -> 0 to 0.2775.
            (0, 10, 0.0, 0.2775),
            (10, 10, 0.7225, 1.0),
        ],
    )
    def test_worked_examples(self, successes: int, n: int, low: float, high: float) -> None:
        interval = wilson(successes, n)
        assert interval is not None
        assert interval.low == pytest.approx(low, abs=5e-5)
        assert interval.high == pytest.approx(high, abs=5e-5)
        assert interval.estimate == successes / n

    def test_no_subjects_has_no_interval(self) -> None:
        assert wilson(0, 0) is None
        assert rate_per(0, 0).interval is None

    def test_more_successes_than_trials_is_refused(self) -> None:
        with pytest.raises(ValueError, match="successes"):
            wilson(3, 2)

    @given(st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ))  # fmt: skip
    def test_interval_holds_the_estimate_within_zero_and_one(self, pair: tuple[int, int]) -> None:
        successes, n = pair
        interval = wilson(successes, n)
        assert interval is not None
        assert 0 <= interval.low <= interval.estimate <= interval.high <= 1


class TestKaplanMeier:
    def test_hand_computed_table(self) -> None:
        # 8 subjects; event (1) or censored (0) at: 2:1, 3:1, 3:0, 5:1, 6:0, 8:1, 9:0, 10:0.
        # t=2: 8 at risk, 1 event -> 7/8 = 0.875
        # t=3: 7 at risk, 1 event, 1 censored -> 0.875 x 6/7 = 0.75
        # t=5: 5 at risk, 1 event -> 0.75 x 4/5 = 0.6
        # t=6: 4 at risk, 1 censored -> 0.6
        # t=8: 3 at risk, 1 event -> 0.6 x 2/3 = 0.4
        # t=9, t=10: censored -> 0.4; median = 8 (first time survival <= 0.5)
        durations = [2, 3, 3, 5, 6, 8, 9, 10]
        events = [True, True, False, True, False, True, False, False]
        steps = kaplan_meier(durations, events)
        table = [(s.time, s.at_risk, s.events, s.censored, round(s.survival, 6)) for s in steps]
        assert table == [
            (2, 8, 1, 0, 0.875),
            (3, 7, 1, 1, 0.75),
            (5, 5, 1, 0, 0.6),
            (6, 4, 0, 1, 0.6),
            (8, 3, 1, 0, 0.4),
            (9, 2, 0, 1, 0.4),
            (10, 1, 0, 1, 0.4),
        ]
        assert median_time(steps) == 8

    def test_median_not_reached(self) -> None:
        assert median_time(kaplan_meier([1, 2, 3], [True, False, False])) is None

    def test_mismatched_lengths_are_refused(self) -> None:
        with pytest.raises(ValueError, match="events"):
            kaplan_meier([1.0], [])

    @given(st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.booleans()), max_size=80))
    def test_survival_never_rises_and_stays_in_range(
        self, subjects: list[tuple[int, bool]]
    ) -> None:
        steps = kaplan_meier([float(d) for d, _ in subjects], [e for _, e in subjects])
        values = [1.0] + [s.survival for s in steps]
        assert all(0 <= b <= a <= 1 for a, b in itertools.pairwise(values))
        assert sum(s.events + s.censored for s in steps) == len(subjects)

    @given(st.lists(st.floats(min_value=0, max_value=100), max_size=50))
    def test_no_events_keeps_survival_at_one(self, durations: list[float]) -> None:
        steps = kaplan_meier(durations, [False] * len(durations))
        assert all(s.survival == 1 for s in steps)
        assert median_time(steps) is None
