"""Independent reference solutions, computed at test time by code not written for ketacare's
engine: scipy's ``solve_ivp`` (DOP853) and ``expm``, and the PyTCI package's ``Three`` model
in exact mode (pk.md §3). Each walks the regimen on its own, from the doses, without the
engine's input plan. Results are Cp in ng/mL. Also used by benchmarks/pk_population.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from ketacare.dosing.pk.regimen import Bolus, Dose, Infusion


@dataclass(frozen=True)
class Subject:
    """One subject's micro-constants (/min) and V1 (L); k13 = k31 = 0 for 2 compartments."""

    v1: float
    k10: float
    k12: float
    k21: float
    k13: float = 0.0
    k31: float = 0.0

    def matrix(self) -> np.ndarray:
        """dx/dt = K x for amounts (central, peripheral 2, peripheral 3)."""
        return np.array(
            [
                [-(self.k10 + self.k12 + self.k13), self.k21, self.k31],
                [self.k12, -self.k21, 0.0],
                [self.k13, 0.0, -self.k31],
            ]
        )


def subject_from(micro: Any, i: int = 0) -> Subject:
    """A ``Subject`` from row ``i`` of the engine's MicroConstants (a plain copy of numbers)."""
    k1p, kp1 = [*micro.k1p[i], 0.0], [*micro.kp1[i], 0.0]
    return Subject(float(micro.v1_l[i]), float(micro.k10[i]), k1p[0], kp1[0], k1p[1], kp1[1])


def _edges(regimen: Sequence[Dose]) -> list[float]:
    edges = {0.0}
    for dose in regimen:
        if isinstance(dose, Infusion):
            edges |= {dose.start_min, dose.start_min + dose.duration_min}
        else:
            edges.add(dose.at_min)
    return sorted(edges)


def _rate(regimen: Sequence[Dose], a: float, b: float) -> float:
    mid = (a + b) / 2
    return sum(
        d.mg / d.duration_min
        for d in regimen
        if isinstance(d, Infusion) and d.start_min <= mid < d.start_min + d.duration_min
    )


def _bolus(regimen: Sequence[Dose], at: float) -> float:
    return sum(d.mg for d in regimen if isinstance(d, Bolus) and d.at_min == at)


def ode_cp(
    s: Subject,
    regimen: Sequence[Dose],
    times: Sequence[float],
    rtol: float = 1e-11,
    atol: float = 1e-13,
) -> np.ndarray:
    """solve_ivp (LSODA with the exact Jacobian), one call per constant-rate segment.

    LSODA at rtol 1e-11 agrees with the exact solution to a few 1e-10 on these models; the
    explicit methods' dense output (DOP853) stays near 1e-7 on Domino's stiff fast mode.
    """
    k = s.matrix()
    times_arr = np.asarray(times, dtype=float)
    out = np.zeros(times_arr.size)
    edges = [*_edges(regimen), max(float(times_arr.max()), 0.0) + 1.0]
    x = np.zeros(3)
    for a, b in itertools.pairwise(edges):
        x = x + np.array([_bolus(regimen, a), 0.0, 0.0])
        rate = np.array([_rate(regimen, a, b), 0.0, 0.0])
        inside = (times_arr >= a) & (times_arr < b)
        sol = solve_ivp(
            lambda _t, y, rate=rate: k @ y + rate,
            (a, b),
            x,
            method="LSODA",
            jac=lambda _t, _y: k,
            t_eval=np.append(times_arr[inside], b),
            rtol=rtol,
            atol=atol,
        )
        out[inside] = sol.y[0, :-1] / s.v1 * 1000.0
        x = sol.y[:, -1]
    return out


def expm_cp(s: Subject, regimen: Sequence[Dose], times: Sequence[float]) -> np.ndarray:
    """scipy ``expm`` of the augmented system [[K, b], [0, 0]] over every interval."""
    k = s.matrix()
    marks = sorted(set(_edges(regimen)) | {float(t) for t in times})
    x, values, last = np.zeros(3), {}, 0.0
    for t in marks:
        if t > last:
            augmented = np.zeros((4, 4))
            augmented[:3, :3] = k
            augmented[0, 3] = _rate(regimen, last, t)
            x = (expm(augmented * (t - last)) @ np.append(x, 1.0))[:3]
        x = x + np.array([_bolus(regimen, t), 0.0, 0.0])
        values[t] = x[0] / s.v1 * 1000.0
        last = t
    return np.array([values[float(t)] for t in times])


def pytci_cp(s: Subject, regimen: Sequence[Dose], times: Sequence[float]) -> np.ndarray:
    """PyTCI ``Three`` in exact mode (matrix exponential with cached transitions)."""
    from PyTCI.models.base import Three

    model = Three()
    model.v1, model.k10, model.k12, model.k13 = s.v1, s.k10, s.k12, s.k13
    model.k21, model.k31, model.keo = s.k21, s.k31, 0.0
    model.setup()  # rates from /min to /s, compartments emptied
    model.set_integrator("exact")
    marks = sorted(set(_edges(regimen)) | {float(t) for t in times})
    values, last = {}, 0.0
    for t in marks:
        if t > last:
            rate = _rate(regimen, last, t)
            seconds = (t - last) * 60.0
            if rate:
                model.giveoverseconds(rate / 60.0, seconds)
            else:
                model.wait_time(seconds)
        dose = _bolus(regimen, t)
        if dose:
            model.give_drug(dose)
        values[t] = model.x1 * 1000.0
        last = t
    return np.array([values[float(t)] for t in times])
