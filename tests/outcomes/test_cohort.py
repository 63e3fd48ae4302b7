"""Dashboard figures for a small hand-computed cohort (PHQ-9 criteria from the instrument file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.outcomes import benchmarks
from ketacare.outcomes.cohort import CourseFacts, SessionFacts, figures
from ketacare.outcomes.compare import clinic_figure
from ketacare.scales.definitions import load_instruments
from ketacare.scales.outcomes import Score

DAY0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # first session of every course


def _at(day: int) -> datetime:
    return DAY0 + timedelta(days=day)


def _phq9(*points: tuple[int, int]) -> dict[str, list[Score]]:
    return {"phq9": [Score(_at(day), total) for day, total in points]}


def _sessions(
    count: int, ae: dict[int, int] | None = None, bp: set[int] | None = None
) -> tuple[SessionFacts, ...]:
    ae, bp = ae or {}, bp or set()
    return tuple(SessionFacts(ae.get(i, 0), i in bp) for i in range(count))


def _course(
    key: str,
    planned: int,
    done: int,
    open_: int,
    end_day: int,
    scores: dict[str, list[Score]],
    sessions: tuple[SessionFacts, ...],
) -> CourseFacts:
    return CourseFacts(key, "iv", planned, done, open_, DAY0, _at(end_day), scores, sessions)


# A: 6/6 given; baseline 20; day 7: 8 (60%, response); day 14: 4 (remission). End: day 14.
# B: 4/6 given, 2 cancelled; baseline 20; day 7: 12; day 10: 10 (50%, response); day 20: 15 (lost).
#    Induction ended day 10; the window ends day 17, so the end score is day 10's 10: response.
# C: 6/6 given; baseline 15; day 6: 14 (no response).
# D: same patient as A, still in induction (3 open); day 4: 9 of 18 (response) - not evaluable.
COURSES = [
    _course("p1", 6, 6, 0, 12, _phq9((-2, 20), (7, 8), (14, 4)), _sessions(6, {1: 2}, {2})),
    _course("p2", 6, 4, 0, 10, _phq9((-1, 20), (7, 12), (10, 10), (20, 15)), _sessions(4, {0: 1})),
    _course("p3", 6, 6, 0, 12, _phq9((-1, 15), (6, 14)), _sessions(6)),
    _course("p1", 6, 3, 3, 4, _phq9((-1, 18), (4, 9)), _sessions(3, bp={0})),
]


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    criteria = load_instruments()["phq9"].outcome_criteria
    assert criteria is not None
    return figures(COURSES, {"phq9": criteria})


def test_courses_sessions_and_rates(result) -> None:  # type: ignore[no-untyped-def]
    assert (result.patients_started, result.courses_started, result.in_induction) == (3, 4, 1)
    assert (result.induction_completion.successes, result.induction_completion.n) == (2, 4)
    assert result.sessions_given == 19 and result.adverse_events == 3
    assert (result.adverse_event_sessions.successes, result.adverse_event_sessions.n) == (2, 19)
    assert (result.bp_excursion_sessions.successes, result.bp_excursion_sessions.n) == (2, 19)
    # Wilson 2/4: centre (0.5 + 0.48021) / 1.96040 = 0.5, half 1.95996 x sqrt(0.0625 + 0.060023)
    # / 1.96040 = 0.34994 -> 0.1500 to 0.8500.
    interval = result.induction_completion.interval
    assert interval.low == pytest.approx(0.1500, abs=1e-4)
    assert interval.high == pytest.approx(0.8500, abs=1e-4)


def test_response_and_remission_at_end_of_induction(result) -> None:  # type: ignore[no-untyped-def]
    (phq9,) = result.instruments
    assert phq9.evaluable == 3
    assert (phq9.response.successes, phq9.response.n) == (2, 3)
    assert [(name, p.successes, p.n) for name, p in phq9.remission] == [("PHQ-9 <5", 1, 3)]


def test_time_to_response_kaplan_meier(result) -> None:  # type: ignore[no-untyped-def]
    # Days to first response: A 7 (event), B 10 (event), C 6 (censored), D 4 (event).
    # t=4: 4 at risk -> 0.75; t=6: censored; t=7: 2 at risk -> 0.375; t=10: 1 at risk -> 0.
    ttr = result.instruments[0].time_to_response
    table = [(s.time, s.at_risk, s.events, s.censored, s.survival) for s in ttr.steps]
    assert table == [(4, 4, 1, 0, 0.75), (6, 3, 0, 1, 0.75), (7, 2, 1, 0, 0.375), (10, 1, 1, 0, 0)]
    assert ttr.median_days == 7


def test_loss_of_response_kaplan_meier(result) -> None:  # type: ignore[no-untyped-def]
    # A kept response to its last score (7 days after, censored); B lost it 10 days after;
    # D has no later score (censored at 0).
    kept = result.instruments[0].loss_of_response
    table = [(s.time, s.at_risk, s.events, s.censored, s.survival) for s in kept.steps]
    assert table == [(0, 3, 0, 1, 1.0), (7, 2, 0, 1, 1.0), (10, 1, 1, 0, 0.0)]
    assert (kept.subjects, kept.events, kept.median_days) == (3, 1, 10)


def test_empty_cohort() -> None:
    empty = figures([], {})
    assert empty.courses_started == 0 and empty.induction_completion.interval is None


def test_shipped_benchmarks_carry_the_orka1_figures() -> None:
    shipped = {b.id: b for b in benchmarks.load()}
    assert shipped["orka1_phq9_response"].value_pct == 53.6
    assert shipped["orka1_phq9_remission"].value_pct == 28.9
    assert shipped["transform2_response"].value_pct == 69.3
    assert all(b.citation and b.tag in {"C", "S", "U"} for b in shipped.values())


def test_a_broken_benchmark_file_names_the_field() -> None:
    text = '[[benchmarks]]\nid = "x1"\nstudy = "Study"\n'
    with pytest.raises(benchmarks.BenchmarkFileError, match=r"benchmarks\.0\.citation"):
        benchmarks.parse("mine.toml", text)


def test_published_results_meet_the_clinic_figure_measuring_the_same(result) -> None:  # type: ignore[no-untyped-def]
    shipped = {b.id: b for b in benchmarks.load()}
    label, response = clinic_figure(shipped["orka1_phq9_response"], result)  # type: ignore[misc]
    assert (label, response.successes, response.n) == ("response at end of induction", 2, 3)
    label, remission = clinic_figure(shipped["orka1_phq9_remission"], result)  # type: ignore[misc]
    assert (label, remission.successes, remission.n) == ("PHQ-9 <5", 1, 3)
    label, dropped = clinic_figure(shipped["orka2_not_completed_six"], result)  # type: ignore[misc]
    assert (dropped.successes, dropped.n) == (2, 4)  # 2 of 4 courses did not complete induction
    # Nothing to set beside: no instrument named, an instrument the cohort lacks, another measure.
    assert clinic_figure(shipped["zarate2006_response_24h"], result) is None
    assert clinic_figure(shipped["transform1_response_56"], result) is None
    assert clinic_figure(shipped["orka1_response_kept_4wk"], result) is None
