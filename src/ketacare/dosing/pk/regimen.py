"""A dosing regimen (constant-rate infusions and boluses) and its piecewise-constant input. Pure.

Times are minutes from the start of the session, doses mg of ketamine. Infusions may not
overlap one another (one pump line); a bolus may fall anywhere, also during an infusion.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacare.kit.errors import InvalidInput

MAX_DOSE_MG = 10_000.0  # far above any ketamine dose; catches unit slips (µg for mg)
MAX_TIME_MIN = 60.0 * 24 * 14  # two weeks


@dataclass(frozen=True)
class Infusion:
    """``mg`` delivered at a constant rate from ``start_min`` over ``duration_min``."""

    mg: float
    start_min: float
    duration_min: float

    @property
    def end_min(self) -> float:
        return self.start_min + self.duration_min

    @property
    def rate_mg_per_min(self) -> float:
        return self.mg / self.duration_min


@dataclass(frozen=True)
class Bolus:
    """``mg`` given at once at ``at_min``."""

    mg: float
    at_min: float


Dose = Infusion | Bolus


@dataclass(frozen=True)
class InputPlan:
    """Piecewise-constant input: segment k starts at ``starts_min[k]`` with ``bolus_mg[k]``
    given at its start and ``rate_mg_per_min[k]`` running until the next start (the last
    segment runs for ever)."""

    starts_min: NDArray[np.float64]
    rate_mg_per_min: NDArray[np.float64]
    bolus_mg: NDArray[np.float64]


def _check_number(field: str, value: float, low: float, high: float, *, open_low: bool) -> None:
    bad = not math.isfinite(value) or value > high or (value <= low if open_low else value < low)
    if bad:
        bound = f"> {low:g}" if open_low else f">= {low:g}"
        raise InvalidInput.one(field, f"must be {bound} and <= {high:g}; got {value:g}")


def validate_regimen(regimen: Sequence[Dose]) -> None:
    """Raise ``InvalidInput`` naming the dose and field: negative or absurd doses, negative
    times, non-positive durations, overlapping infusions."""
    for number, dose in enumerate(regimen, start=1):
        if isinstance(dose, Infusion):
            name = f"infusion {number}"
            _check_number(f"{name} mg", dose.mg, 0, MAX_DOSE_MG, open_low=False)
            _check_number(f"{name} start_min", dose.start_min, 0, MAX_TIME_MIN, open_low=False)
            _check_number(f"{name} duration_min", dose.duration_min, 0, MAX_TIME_MIN, open_low=True)
        elif isinstance(dose, Bolus):
            name = f"bolus {number}"
            _check_number(f"{name} mg", dose.mg, 0, MAX_DOSE_MG, open_low=False)
            _check_number(f"{name} at_min", dose.at_min, 0, MAX_TIME_MIN, open_low=False)
        else:
            raise InvalidInput.one(f"dose {number}", "must be an Infusion or a Bolus")
    infusions = sorted(
        ((d.start_min, d.end_min, n) for n, d in enumerate(regimen, 1) if isinstance(d, Infusion)),
    )
    for (_, end, first), (start, _, second) in itertools.pairwise(infusions):
        if start < end:
            raise InvalidInput.one(
                f"infusion {second}",
                f"overlaps infusion {first} (starts at {start:g} min, before {end:g} min); "
                "infusions must not overlap",
            )


def input_plan(regimen: Sequence[Dose]) -> InputPlan:
    """The regimen as segments of constant rate (validated first)."""
    validate_regimen(regimen)
    edges = {0.0}
    for dose in regimen:
        if isinstance(dose, Infusion):
            edges.update((float(dose.start_min), float(dose.end_min)))
        else:
            edges.add(float(dose.at_min))
    starts = np.array(sorted(edges), dtype=np.float64)
    rates = np.zeros_like(starts)
    boluses = np.zeros_like(starts)
    for dose in regimen:
        if isinstance(dose, Infusion):
            inside = (starts >= dose.start_min) & (starts < dose.end_min)
            rates[inside] += dose.rate_mg_per_min
        else:
            boluses[np.searchsorted(starts, dose.at_min)] += dose.mg
    return InputPlan(starts, rates, boluses)


def given_mg(regimen: Sequence[Dose], at_min: float) -> float:
    """Total drug given up to and including ``at_min`` (boluses at ``at_min`` count)."""
    total = 0.0
    for dose in regimen:
        if isinstance(dose, Infusion):
            inside = min(max(at_min - dose.start_min, 0.0), dose.duration_min)
            total += dose.rate_mg_per_min * inside
        elif dose.at_min <= at_min:
            total += dose.mg
    return total
