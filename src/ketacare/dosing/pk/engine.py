"""Plasma concentration for a regimen: the public entry point of the PK engine. Pure.

``simulate(model, weight_kg, regimen, times_min)`` returns Cp in ng/mL at each time (minutes
from the start), solved exactly (see ``linear``). Doses are mg, so the central amount over V1
is mg/L = µg/mL, times 1000 for ng/mL.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ketacare.dosing.pk import linear
from ketacare.dosing.pk.linear import MicroConstants
from ketacare.dosing.pk.models import MAX_WEIGHT_KG, MIN_WEIGHT_KG, PkModel
from ketacare.dosing.pk.regimen import MAX_TIME_MIN, Bolus, Dose, Infusion, input_plan
from ketacare.kit.errors import InvalidInput

__all__ = [
    "Bolus",
    "Infusion",
    "amounts_mg",
    "auc_ng_min_ml",
    "check_weight",
    "cp_by_time",
    "simulate",
    "simulate_subjects",
]

NG_ML_PER_MG_L = 1000.0


def check_weight(weight_kg: float) -> float:
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise InvalidInput.one(
            "weight_kg",
            f"must be between {MIN_WEIGHT_KG:g} and {MAX_WEIGHT_KG:g} kg; got {weight_kg:g}",
            min=MIN_WEIGHT_KG,
            max=MAX_WEIGHT_KG,
        )
    return float(weight_kg)


def _times(times_min: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """The times as a 1-D float array and the order that sorts them."""
    times = np.atleast_1d(np.asarray(times_min, dtype=np.float64))
    if times.ndim != 1 or not np.all(np.isfinite(times)):
        raise InvalidInput.one("times_min", "must be a list of finite numbers")
    if times.size and (times.min() < 0 or times.max() > MAX_TIME_MIN):
        raise InvalidInput.one("times_min", f"must be between 0 and {MAX_TIME_MIN:g} min")
    return times, np.argsort(times, kind="stable")


def cp_by_time(
    micro: MicroConstants, regimen: Sequence[Dose], times_min: ArrayLike
) -> NDArray[np.float64]:
    """Cp in ng/mL at every time for every subject in ``micro``: shape (T, N)."""
    plan = input_plan(regimen)
    times, order = _times(times_min)
    modes = linear.decompose(micro)
    weights = linear.concentration_weights(modes) * NG_ML_PER_MG_L
    if np.all(order == np.arange(times.size)):
        return linear.readout(modes, plan, times, weights)
    out = np.empty((times.size, micro.subjects))
    out[order] = linear.readout(modes, plan, times[order], weights)
    return out


def simulate_subjects(
    micro: MicroConstants, regimen: Sequence[Dose], times_min: ArrayLike
) -> NDArray[np.float64]:
    """Cp in ng/mL for every subject in ``micro`` at every time: shape (N, T)."""
    return cp_by_time(micro, regimen, times_min).T


def simulate(
    model: PkModel, weight_kg: float, regimen: Sequence[Dose], times_min: ArrayLike
) -> NDArray[np.float64]:
    """Typical-subject Cp (ng/mL) at ``times_min`` for ``regimen``: shape (T,)."""
    micro = model.micro(check_weight(weight_kg))
    return cp_by_time(micro, regimen, times_min)[:, 0]


def amounts_mg(
    model: PkModel, weight_kg: float, regimen: Sequence[Dose], times_min: ArrayLike
) -> NDArray[np.float64]:
    """Drug amount (mg) in each compartment (central first): shape (T, compartments)."""
    plan = input_plan(regimen)
    times, order = _times(times_min)
    modes = linear.decompose(model.micro(check_weight(weight_kg)))
    out = np.empty((times.size, model.compartments))
    for i in range(model.compartments):
        weights = linear.amount_weights(modes, i)
        out[order, i] = linear.readout(modes, plan, times[order], weights)[:, 0]
    return out


def auc_ng_min_ml(
    model: PkModel, weight_kg: float, regimen: Sequence[Dose], times_min: ArrayLike
) -> NDArray[np.float64]:
    """Area under the plasma curve from 0 to each time, ng*min/mL: shape (T,)."""
    plan = input_plan(regimen)
    times, _ = _times(times_min)
    modes = linear.decompose(model.micro(check_weight(weight_kg)))
    return linear.central_auc(modes, plan, times)[:, 0] * NG_ML_PER_MG_L
