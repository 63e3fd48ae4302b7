"""Small statistics for the outcomes dashboard. Pure.

- Wilson score interval for a proportion (Wilson 1927; Newcombe 1998 method 3): better coverage
  than the Wald interval for small n and for proportions near 0 or 1, and never outside [0, 1].
- Kaplan-Meier product-limit estimate with right censoring (Kaplan & Meier 1958). At a time where
  events and censorings tie, the censored subjects count as still at risk (the usual convention).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959964  # two-sided 95%


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    estimate: float


@dataclass(frozen=True)
class Proportion:
    successes: int
    n: int
    interval: Interval | None  # None when n = 0


@dataclass(frozen=True)
class Step:
    time: float
    at_risk: int
    events: int
    censored: int
    survival: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval | None:
    """Wilson score interval for ``successes`` out of ``n``; None when ``n`` is 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("successes: must be between 0 and n")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return Interval(
        low=max(0.0, min(p, centre - half)), high=min(1.0, max(p, centre + half)), estimate=p
    )


def rate_per(n_events: int, n_sessions: int) -> Proportion:
    """Share of sessions with the event (at most one counted per session), with its Wilson CI."""
    return Proportion(n_events, n_sessions, wilson(n_events, n_sessions))


def proportion(successes: int, n: int) -> Proportion:
    return Proportion(successes, n, wilson(successes, n))


def kaplan_meier(durations: Sequence[float], events: Sequence[bool]) -> list[Step]:
    """One step per distinct time (event or censoring), oldest first."""
    if len(durations) != len(events):
        raise ValueError("events: must have one entry per duration")
    if any(d < 0 or math.isnan(d) for d in durations):
        raise ValueError("durations: must be zero or more")
    died: Counter[float] = Counter(d for d, e in zip(durations, events, strict=True) if e)
    left: Counter[float] = Counter(d for d, e in zip(durations, events, strict=True) if not e)
    at_risk, survival, steps = len(durations), 1.0, []
    for time in sorted(set(durations)):
        if died[time]:
            survival *= 1 - died[time] / at_risk
        steps.append(Step(time, at_risk, died[time], left[time], survival))
        at_risk -= died[time] + left[time]
    return steps


def median_time(steps: Sequence[Step]) -> float | None:
    """First time the survival falls to 0.5 or below; None when it never does."""
    return next((s.time for s in steps if s.survival <= 0.5), None)
