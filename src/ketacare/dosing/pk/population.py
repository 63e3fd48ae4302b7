"""Population mode: N virtual patients with log-normal between-subject variability. Pure.

Each parameter with a CV is multiplied by exp(eta), eta ~ N(0, omega^2) with
omega^2 = ln(1 + CV^2), independently (no correlations published; pk.md §4.3). All subjects
share the given body weight; the variability is between subjects of that weight.

Sets without published variability are refused (``NoVariability``) unless the caller passes
``assumed_cv_percent``: a clinic's explicit choice, applied to every structural parameter of
the set and reported as an assumption in the result. No CV is ever filled in silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ketacare.dosing.pk.engine import check_weight, cp_by_time
from ketacare.dosing.pk.linear import MicroConstants
from ketacare.dosing.pk.models import PkModel
from ketacare.dosing.pk.regimen import Dose
from ketacare.kit.errors import InvalidInput

MIN_SUBJECTS, MAX_SUBJECTS = 10, 200_000
PERCENTILES = (5.0, 50.0, 95.0)


class NoVariability(InvalidInput):
    """The set has no published between-subject variability and no CV was chosen."""


@dataclass(frozen=True)
class PopulationResult:
    model_id: str
    weight_kg: float
    times_min: NDArray[np.float64]
    n: int
    seed: int
    typical: NDArray[np.float64]  # the typical subject's curve (ng/mL)
    p5: NDArray[np.float64]
    p50: NDArray[np.float64]
    p95: NDArray[np.float64]
    variability: str  # where the CVs come from: the publication, or the clinic's assumption
    assumed: bool


def _cvs(model: PkModel, assumed_cv_percent: float | None) -> tuple[dict[str, float], str]:
    if model.has_variability:
        if assumed_cv_percent is not None:
            raise InvalidInput.one(
                "assumed_cv_percent",
                f"model '{model.id}' has published variability; an assumed CV is only for "
                "sets without it",
            )
        cvs = {name: p.cv_percent for name, p in model.parameters.items() if p.cv_percent}
        return cvs, str(model.variability_source)
    if assumed_cv_percent is None:
        raise NoVariability.one(
            "model",
            f"'{model.id}' has no published between-subject variability; population mode "
            "needs a set that has it (herd) or an explicit clinic-chosen CV (assumed_cv_percent)",
        )
    if not 0 < assumed_cv_percent <= 100:
        raise InvalidInput.one("assumed_cv_percent", "must be > 0 and <= 100")
    note = (
        f"ASSUMPTION: CV {assumed_cv_percent:g}% on every parameter of '{model.id}' chosen by "
        "the clinic; the source publishes no between-subject variability"
    )
    return dict.fromkeys(model.parameters, assumed_cv_percent), note


def sample_subjects(
    model: PkModel, weight_kg: float, cvs: dict[str, float], n: int, seed: int
) -> MicroConstants:
    """Micro-constants for ``n`` subjects; parameters drawn in the file's order."""
    rng = np.random.default_rng(seed)
    names = list(model.parameters)
    eta = rng.standard_normal((len(names), n))
    factors = {}
    for row, name in enumerate(names):
        omega = np.sqrt(np.log1p((cvs.get(name, 0.0) / 100.0) ** 2))
        factors[name] = np.exp(omega * eta[row])
    return model.micro(weight_kg, factors)


def simulate_population(
    model: PkModel,
    weight_kg: float,
    regimen: Sequence[Dose],
    times_min: ArrayLike,
    n: int,
    seed: int,
    *,
    assumed_cv_percent: float | None = None,
) -> PopulationResult:
    """Median and 5-95% band of Cp (ng/mL) over ``n`` virtual patients (reproducible by seed)."""
    if not MIN_SUBJECTS <= n <= MAX_SUBJECTS:
        raise InvalidInput.one("n", f"must be between {MIN_SUBJECTS} and {MAX_SUBJECTS:,}")
    weight_kg = check_weight(weight_kg)
    cvs, note = _cvs(model, assumed_cv_percent)
    subjects = sample_subjects(model, weight_kg, cvs, n, seed)
    p5, p50, p95 = percentiles(cp_by_time(subjects, regimen, times_min), PERCENTILES)
    typical = cp_by_time(model.micro(weight_kg), regimen, times_min)[:, 0]
    times = np.atleast_1d(np.asarray(times_min, dtype=np.float64))
    assumed = not model.has_variability
    return PopulationResult(
        model.id, weight_kg, times, n, seed, typical, p5, p50, p95, note, assumed
    )


def percentiles(values: NDArray[np.float64], qs: Sequence[float]) -> list[NDArray[np.float64]]:
    """Percentiles of each row of ``values`` (T, N) over its N subjects, numpy's default
    (linear) definition, by selection instead of sorting. ``values`` is reordered in place."""
    n = values.shape[1]
    positions = [q / 100.0 * (n - 1) for q in qs]
    lows = sorted({int(np.floor(position)) for position in positions})
    found: dict[int, NDArray[np.float64]] = {}
    _select(values, 0, lows, found)
    result = []
    for position in positions:
        low = int(np.floor(position))
        high = found.get(low + 1, found[low])
        result.append(found[low] + (high - found[low]) * (position - low))
    return result


def _select(
    view: NDArray[np.float64], offset: int, ranks: list[int], found: dict[int, NDArray[np.float64]]
) -> None:
    """Put the order statistics ``ranks`` (and each next one up) of every row into ``found``."""
    if not ranks:
        return
    rank = ranks[len(ranks) // 2]
    kth = rank - offset
    view.partition(kth, axis=1)
    found[rank] = view[:, kth].copy()
    if kth + 1 < view.shape[1]:  # the next order statistic: the least of what lies above
        found[rank + 1] = view[:, kth + 1 :].min(axis=1)
    _select(view[:, :kth], offset, [r for r in ranks if r < rank], found)
    _select(view[:, kth + 1 :], offset + kth + 1, [r for r in ranks if r > rank], found)
