"""Outcomes per patient and instrument: baseline, change, response, remission, relapse. Pure.

Sources: response >=50% and partial response 25-49% reduction (ICSI; clinical.md §5a); remission
cut-offs per instrument (``OutcomeCriteria``); relapse and deterioration rules are clinic settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ketacare.scales.criteria import DeteriorationRule, OutcomeCriteria, RelapseRule

BaselineRule = Literal["last_before_first_treatment", "first_score"]


@dataclass(frozen=True, order=True)
class Score:
    at: datetime
    total: int


@dataclass(frozen=True)
class Outcome:
    baseline: Score | None
    baseline_source: str
    latest: Score | None
    change: int | None  # latest - baseline (negative is improvement)
    percent_change: float | None  # reduction from baseline, in percent; None when baseline is 0
    status: str  # response, partial_response, no_response, deterioration, baseline_only, no_data
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
) -> str:
    pct = reduction_pct(baseline, current)
    if pct is None:  # a zero baseline cannot improve by a percentage
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


def evaluate(
    scores: Sequence[Score],
    criteria: OutcomeCriteria,
    *,
    first_treatment_at: datetime | None = None,
    baseline_rule: BaselineRule = "last_before_first_treatment",
    relapse: RelapseRule | None = None,
    deterioration: DeteriorationRule | None = None,
) -> Outcome:
    baseline, source = choose_baseline(scores, first_treatment_at, baseline_rule)
    if baseline is None:
        return Outcome(None, source, None, None, None, "no_data")
    after = [s for s in sorted(scores) if s.at > baseline.at]
    latest = after[-1] if after else baseline
    remission = {cut.name: cut.met(latest.total) for cut in criteria.remission}
    if not after:
        return Outcome(
            baseline, source, latest, 0, 0.0 if baseline.total else None, "baseline_only", remission
        )
    statuses = [status_of(baseline.total, s.total, criteria, deterioration) for s in after]
    first_response = next(
        (s for s, st in zip(after, statuses, strict=True) if st == "response"), None
    )
    remitted = [s for s in after if any(cut.met(s.total) for cut in criteria.remission)]
    relapse_at = _relapse_at(after, statuses, remitted, relapse)
    return Outcome(
        baseline=baseline,
        baseline_source=source,
        latest=latest,
        change=latest.total - baseline.total,
        percent_change=reduction_pct(baseline.total, latest.total),
        status=statuses[-1],
        remission=remission,
        ever_responded=first_response is not None,
        ever_remitted=bool(remitted),
        time_to_first_response=first_response.at - baseline.at if first_response else None,
        relapsed=relapse_at is not None,
        relapse_at=relapse_at,
    )


def _relapse_at(
    after: list[Score], statuses: list[str], remitted: list[Score], rule: RelapseRule | None
) -> datetime | None:
    """First time ``rule.consecutive`` scores in a row reach ``rule.threshold`` after a response
    or remission was reached."""
    if rule is None:
        return None
    improved = [s.at for s, st in zip(after, statuses, strict=True) if st == "response"]
    improved += [s.at for s in remitted]
    if not improved:
        return None
    run = 0
    for score in after:
        if score.at <= min(improved):
            continue
        run = run + 1 if score.total >= rule.threshold else 0
        if run >= rule.consecutive:
            return score.at
    return None
