"""Exact solution of linear mammillary compartment models, vectorised over subjects. Pure.

The amounts x (mg) obey dx/dt = K x + e1 (R(t) + boluses), with K built from the
micro-constants (/min). Peripheral exchange satisfies k1p V1 = kp1 Vp, so the diagonal
similarity T = diag(1, sqrt(kp1/k1p)) makes S = T K T^-1 symmetric:
S[0,0] = -(k10 + sum k1p), S[p,p] = -kp1, S[0,p] = S[p,0] = sqrt(k1p kp1).
A batched symmetric eigen-decomposition S = U diag(lam) U^T gives modal coordinates
y = U^T T x in which every mode is decoupled:

    y(s + tau) = exp(lam tau) y(s) + R u (exp(lam tau) - 1) / lam,     u = U[0, :]

for constant rate R over [s, s + tau]; a bolus D adds D u. Any readout w . y is then a
constant plus a sum of exponentials in tau: no ODE stepping, one exp per mode and time point.
Eigenvalues are real and negative (k10 > 0), so there is no complex arithmetic and no
special case for close eigenvalues (the eigenvectors of a symmetric matrix stay orthonormal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacare.dosing.pk.regimen import InputPlan

Array = NDArray[np.float64]
CHUNK_SUBJECTS = 512  # keeps each (subjects x times) block in the CPU cache
EXP_FLOOR = -350.0  # exp(-350) ~ 1e-152: keeps products clear of denormals (slow), invisible
MIN_GRID = 32  # evenly spaced times from this many points on use the factorised exponentials


@dataclass(frozen=True)
class MicroConstants:
    """Per-subject parameters: ``v1_l`` (N,) in L, ``k10`` (N,), ``k1p`` and ``kp1`` (N, P)
    in /min for the P peripheral compartments (central -> p and p -> central)."""

    v1_l: Array
    k10: Array
    k1p: Array
    kp1: Array

    @property
    def subjects(self) -> int:
        return int(self.v1_l.shape[0])


@dataclass(frozen=True)
class Modes:
    """The decomposed system: eigenvalues ``lam`` (N, n), orthonormal ``basis`` (N, n, n),
    ``scale`` = diag(T) (N, n), and the central volume."""

    lam: Array
    basis: Array
    scale: Array
    v1_l: Array

    @property
    def u(self) -> Array:
        return self.basis[:, 0, :]


def decompose(micro: MicroConstants) -> Modes:
    n_sub, n_per = micro.k1p.shape
    s = np.zeros((n_sub, n_per + 1, n_per + 1))
    s[:, 0, 0] = -(micro.k10 + micro.k1p.sum(axis=1))
    idx = np.arange(1, n_per + 1)
    s[:, idx, idx] = -micro.kp1
    s[:, 0, idx] = s[:, idx, 0] = np.sqrt(micro.k1p * micro.kp1)
    lam, basis = np.linalg.eigh(s)
    scale = np.concatenate([np.ones((n_sub, 1)), np.sqrt(micro.kp1 / micro.k1p)], axis=1)
    return Modes(lam, basis, scale, micro.v1_l)


def _segment_states(modes: Modes, plan: InputPlan) -> Array:
    """Modal state y at the start of every segment, just after its bolus: (K, N, n)."""
    u, lam = modes.u, modes.lam
    states = np.empty((plan.starts_min.size, *u.shape))
    y = np.zeros_like(u)
    for k, start in enumerate(plan.starts_min):
        if k:
            span = start - plan.starts_min[k - 1]
            growth = np.expm1(lam * span)
            y = (growth + 1.0) * y + plan.rate_mg_per_min[k - 1] * u * growth / lam
        y = y + plan.bolus_mg[k] * u
        states[k] = y
    return states


def readout(modes: Modes, plan: InputPlan, times_min: Array, weights: Array) -> Array:
    """``sum_m weights[:, m] * y_m(t)`` for each time and subject: shape (T, N).

    ``times_min`` must be sorted ascending and >= 0. With ``weights = u / V1`` this is the
    central concentration in mg/L; with ``basis[:, i, :] / scale[:, i]`` the amount in
    compartment i in mg. Times run down the rows so that per-time statistics over subjects
    (population percentiles) read contiguous memory.
    """
    states = _segment_states(modes, plan)
    segment = np.searchsorted(plan.starts_min, times_min, side="right") - 1
    bounds = np.searchsorted(segment, np.arange(plan.starts_min.size + 1))
    out = np.empty((times_min.size, modes.lam.shape[0]))
    for low in range(0, out.shape[1], CHUNK_SUBJECTS):
        cols = slice(low, low + CHUNK_SUBJECTS)
        lam, u, w = modes.lam[cols], modes.u[cols], weights[cols]
        for k in range(plan.starts_min.size):
            rows = slice(bounds[k], bounds[k + 1])
            if rows.start == rows.stop:
                continue
            forced = plan.rate_mg_per_min[k] * u / lam  # particular solution (negated)
            constant = -(w * forced).sum(axis=1)
            amplitude = w * (states[k, cols] + forced)
            tau = times_min[rows] - plan.starts_min[k]
            _fill(out[rows, cols], constant, amplitude, lam, tau)
    return out


def _fill(block: Array, constant: Array, amplitude: Array, lam: Array, tau: Array) -> None:
    """block[j, i] = constant[i] + sum_m amplitude[i, m] * exp(lam[i, m] * tau[j])."""
    grid = _regular_grid(tau)
    if grid is None:
        block[:] = constant[None, :]
        exponent = np.empty_like(block)
        for m in range(lam.shape[1]):
            np.multiply(tau[:, None], lam[None, :, m], out=exponent)
            np.maximum(exponent, EXP_FLOOR, out=exponent)
            np.exp(exponent, out=exponent)
            exponent *= amplitude[None, :, m]
            block += exponent
        return
    # Evenly spaced tau = tau0 + (q*width + r)*step: exp(lam*tau) is a coarse factor
    # exp(lam*(tau0 + q*width*step)) times a fine one exp(lam*r*step). So each subject's
    # block is the product of a (coarse x modes+1) and a (modes+1 x width) matrix: about
    # 2*sqrt(T) exponentials per subject and mode, then one batched matrix product.
    tau0, step = grid
    width = math.isqrt(tau.size - 1) + 1
    coarse = tau0 + step * width * np.arange(-(-tau.size // width))
    fine = step * np.arange(width)
    n_sub, n_modes = lam.shape
    left = np.empty((n_sub, coarse.size, n_modes + 1))
    right = np.ones((n_sub, n_modes + 1, width))
    left[:, :, n_modes] = constant[:, None]
    for m in range(n_modes):
        rate = lam[:, m, None]
        left[:, :, m] = amplitude[:, m, None] * np.exp(np.maximum(rate * coarse, EXP_FLOOR))
        right[:, m, :] = np.exp(np.maximum(rate * fine, EXP_FLOOR))
    product = np.matmul(left, right)
    block[:] = product.reshape(n_sub, -1)[:, : tau.size].T


def _regular_grid(tau: Array) -> tuple[float, float] | None:
    """(tau0, step) when tau is evenly spaced to within a few ulps (a time grid), else None."""
    if tau.size < MIN_GRID:
        return None
    step = float(tau[-1] - tau[0]) / (tau.size - 1)
    if step <= 0:
        return None
    error = np.abs(tau - (tau[0] + step * np.arange(tau.size))).max()
    return (float(tau[0]), step) if error <= 8 * np.spacing(float(tau[-1])) else None


def concentration_weights(modes: Modes) -> Array:
    """Readout weights for the central concentration in mg/L (= µg/mL)."""
    return modes.u / modes.v1_l[:, None]


def amount_weights(modes: Modes, compartment: int) -> Array:
    """Readout weights for the amount (mg) in one compartment (0 = central)."""
    return modes.basis[:, compartment, :] / modes.scale[:, compartment, None]


def central_auc(modes: Modes, plan: InputPlan, times_min: Array) -> Array:
    """Area under the central concentration curve from 0 to each time, mg*min/L: (T, N)."""
    states = _segment_states(modes, plan)
    w, u, lam = concentration_weights(modes), modes.u, modes.lam
    segment = np.searchsorted(plan.starts_min, times_min, side="right") - 1
    starts = plan.starts_min
    done = np.zeros((lam.shape[0], starts.size))
    for k in range(1, starts.size):
        done[:, k] = done[:, k - 1] + _segment_area(
            w, u, lam, states[k - 1], plan.rate_mg_per_min[k - 1], starts[k] - starts[k - 1]
        )
    out = np.empty((times_min.size, lam.shape[0]))
    for j, (k, t) in enumerate(zip(segment, times_min, strict=True)):
        area = _segment_area(w, u, lam, states[k], plan.rate_mg_per_min[k], t - starts[k])
        out[j] = done[:, k] + area
    return out


def _segment_area(w: Array, u: Array, lam: Array, y0: Array, rate: float, tau: float) -> Array:
    forced = rate * u / lam
    growth = np.expm1(lam * tau) / lam
    area: Array = ((w * (y0 + forced)) * growth).sum(axis=1) - (w * forced).sum(axis=1) * tau
    return area
