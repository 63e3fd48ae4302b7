"""Outcomes per patient and instrument: baseline, change, response, remission, relapse. Pure.

Sources: response >=50% and partial response 25-49% reduction (ICSI; clinical.md §5a); remission
cut-offs per instrument (``OutcomeCriteria``); relapse and deterioration rules are clinic settings.
Percent change is the reduction from baseline, (baseline - current) / baseline x 100, and is
undefined for a zero baseline (scales_fhir.md §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ketacare.scales.criteria import DeteriorationRule, OutcomeCriteria, RelapseRule

BaselineRule = Literal["last_before_first_treatment", "first_score"]
Status = Literal["response", "partial_response", "no_response", "deterioration"]
PointStatus = Literal[Status, "baseline", "before_baseline"]
OutcomeStatus = Literal[Status, "baseline_only", "no_data"]


@dataclass(frozen=True, order=True)
class Score:
    at: datetime
    total: int


@dataclass(frozen=True)
class ScorePoint:
    """One score on the trajectory, judged against the baseline (for charts and tables)."""

    at: datetime
    total: int
    percent_change: float | None  # reduction from baseline; None when the baseline is 0
    status: PointStatus
    remission: tuple[str, ...] = ()  # names of the remission cut-offs this score meets


@dataclass(frozen=True)
class Outcome:
    baseline: Score | None
    baseline_source: str
    latest: Score | None
    change: int | None  # latest - baseline (negative is improvement)
    percent_change: float | None  # reduction from baseline, in percent; None when baseline is 0
    status: OutcomeStatus
    remission: dict[str, bool] = field(default_factory=dict)
    ever_responded: bool = False
    ever_remitted: bool = False
    time_to_first_response: timedelta | None = None
    relapsed: bool = False
    relapse_at: datetime | None = None


def reduction_pct(baseline: int, current: int) -> float | None:
    """(baseline - current) / baseline x 100; undefined for a zero baseline (scales_fhir.md §3)."""
    return None if baseline == 0 else (baseline - current) / baseline * 100


def status_of(
    baseline: int,
    current: int,
    criteria: OutcomeCriteria,
    deterioration: DeteriorationRule | None = None,
) -> Status:
    pct = reduction_pct(baseline, current)
    if pct is None:  # a zero baseline cannot change by a percentage
        return "no_response"
    if pct >= criteria.response_reduction_pct:
        return "response"
    if pct >= criteria.partial_response_min_pct:
        return "partial_response"
    if deterioration is not None and -pct >= deterioration.min_increase_pct:
        return "deterioration"
    return "no_response"


def choose_baseline(
    scores: Sequence[Score], first_treatment_at: datetime | None, rule: BaselineRule
) -> tuple[Score | None, str]:
    ordered = sorted(scores)
    if not ordered:
        return None, "no scores"
    if rule == "last_before_first_treatment" and first_treatment_at is not None:
        before = [s for s in ordered if s.at <= first_treatment_at]
        if before:
            return before[-1], "last score before the first treatment"
        return ordered[0], "first score (none before the first treatment)"
    if rule == "last_before_first_treatment":
        return ordered[0], "first score (no treatment recorded yet)"
    return ordered[0], "first score"


def trajectory(
    scores: Sequence[Score],
    criteria: OutcomeCriteria,
    *,
    first_treatment_at: datetime | None = None,
    baseline_rule: BaselineRule = "last_before_first_treatment",
    deterioration: DeteriorationRule | None = None,
) -> list[ScorePoint]:
    """Every score, oldest first, with its change from the baseline and its status."""
    _require_higher_is_worse(criteria)
    baseline, _ = choose_baseline(scores, first_treatment_at, baseline_rule)
    if baseline is None:
        return []
    points = []
    for score in sorted(scores):
        status: PointStatus = "before_baseline"  # also a rival score at the baseline's time
        if score.at > baseline.at:
            status = status_of(baseline.total, score.total, criteria, deterioration)
        elif score == baseline:
            status = "baseline"
        met = tuple(cut.name for cut in criteria.remission if cut.met(score.total))
        pct = reduction_pct(baseline.total, score.total)
        points.append(ScorePoint(score.at, score.total, pct, status, met))
    return points


def evaluate(
    scores: Sequence[Score],
    criteria: OutcomeCriteria,
    *,
    first_treatment_at: datetime | None = None,
    baseline_rule: BaselineRule = "last_before_first_treatment",
    relapse: RelapseRule | None = None,
    deterioration: DeteriorationRule | None = None,
) -> Outcome:
    _require_higher_is_worse(criteria)
    baseline, source = choose_baseline(scores, first_treatment_at, baseline_rule)
    if baseline is None:
        return Outcome(None, source, None, None, None, "no_data")
    points = trajectory(
        scores,
        criteria,
        first_treatment_at=first_treatment_at,
        baseline_rule=baseline_rule,
        deterioration=deterioration,
    )
    after = [p for p in points if p.at > baseline.at]
    latest = Score(after[-1].at, after[-1].total) if after else baseline
    remission = {cut.name: cut.met(latest.total) for cut in criteria.remission}
    if not after:
        pct = reduction_pct(baseline.total, baseline.total)
        return Outcome(baseline, source, latest, 0, pct, "baseline_only", remission)
    first_response = next((p for p in after if p.status == "response"), None)
    relapse_at = _relapse_at(after, relapse)
    return Outcome(
        baseline=baseline,
        baseline_source=source,
        latest=latest,
        change=latest.total - baseline.total,
        percent_change=after[-1].percent_change,
        status=_judged(after[-1].status),
        remission=remission,
        ever_responded=first_response is not None,
        ever_remitted=any(p.remission for p in after),
        time_to_first_response=first_response.at - baseline.at if first_response else None,
        relapsed=relapse_at is not None,
        relapse_at=relapse_at,
    )


def _relapse_at(after: list[ScorePoint], rule: RelapseRule | None) -> datetime | None:
    """First time ``rule.consecutive`` scores in a row reach ``rule.threshold`` after a response
    or remission was reached."""
    if rule is None:
        return None
    improved = next((i for i, p in enumerate(after) if p.status == "response" or p.remission), None)
    if improved is None:
        return None
    run = 0
    for point in after[improved + 1 :]:
        run = run + 1 if point.total >= rule.threshold else 0
        if run >= rule.consecutive:
            return point.at
    return None


def _judged(status: PointStatus) -> Status:
    if status == "baseline" or status == "before_baseline":
        raise AssertionError("a score after the baseline is always judged")
    return status


def _require_higher_is_worse(criteria: OutcomeCriteria) -> None:
    # Reduction, "<"/"<=" remission cut-offs and ">=" relapse only make sense when lower is better.
    if not criteria.higher_is_worse:
        raise ValueError("criteria.higher_is_worse: outcomes need a scale where higher is worse")
