"""PK population: 10,000 virtual patients x 481 time points, exact engine vs per-subject solvers.

Regimen: racemic ketamine 35 mg (0.5 mg/kg at 70 kg) over 40 min, Herd set with its published
between-subject variability; 481 evenly spaced times from 0 to 520 min (the infusion, then
8 hours). Baselines, on the same sampled subjects in the same run: (a) scipy ``solve_ivp``
(LSODA, exact Jacobian, rtol 1e-12, atol 1e-18 mg: tight enough to check 1e-9 agreement) one
subject at a time, (b) PyTCI's ``Three`` model in exact mode (matrix exponentials) one subject
at a time, and ketacare's own engine called one subject at a time. The per-subject baselines
run on a subsample and are scaled to 10,000 (per-subject median x 10,000).
"""

from __future__ import annotations

import statistics
import time
from importlib.metadata import version

import numpy as np
from tests.dosing.pk.oracles import ode_cp, pytci_cp, subject_from

from benchmarks.common import Row, interleaved, median_ms, progress
from ketacare.dosing.pk.engine import Infusion, cp_by_time, simulate_subjects
from ketacare.dosing.pk.linear import MicroConstants
from ketacare.dosing.pk.models import load_models
from ketacare.dosing.pk.population import sample_subjects, simulate_population

N = 10_000
TIMES = np.linspace(0.0, 520.0, 481)
REGIMEN = [Infusion(35.0, 0.0, 40.0)]
SEED = 20_261_129
RTOL, ATOL = 1e-12, 1e-18  # solve_ivp: tight enough to check 1e-9 even at 1e-4 ng/mL (mg)


def _row(micro: MicroConstants, i: int) -> MicroConstants:
    pick = slice(i, i + 1)
    return MicroConstants(micro.v1_l[pick], micro.k10[pick], micro.k1p[pick], micro.kp1[pick])


def _max_rel(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float((np.abs(ours - theirs) / scale)[:, 1:].max())  # t = 0: both exactly 0


def run(quick: bool) -> list[Row]:
    model = load_models()["herd"]
    cvs = {name: p.cv_percent or 0.0 for name, p in model.parameters.items()}
    subjects = sample_subjects(model, 70.0, cvs, N, SEED)
    repeats, sample = (3, 10) if quick else (21, 300)

    progress(f"pk population: {N} subjects x {TIMES.size} times, n={repeats}")
    whole = interleaved(
        {
            "population": lambda: simulate_population(model, 70.0, REGIMEN, TIMES, N, SEED),
            "engine": lambda: cp_by_time(subjects, REGIMEN, TIMES),
        },
        repeats,
    )
    ours = simulate_subjects(subjects, REGIMEN, TIMES)

    progress(f"per-subject baselines on {sample} of the same subjects (solve_ivp, PyTCI, ours)")
    picks = np.linspace(0, N - 1, sample).astype(int)
    per: dict[str, list[float]] = {"ode": [], "loose": [], "pytci": [], "loop": []}
    ode_rows, loose_rows, pytci_rows = [], [], []
    for i in picks:
        subject = subject_from(subjects, int(i))
        start = time.perf_counter()
        ode_rows.append(ode_cp(subject, REGIMEN, TIMES, rtol=RTOL, atol=ATOL))
        per["ode"].append(time.perf_counter() - start)
        start = time.perf_counter()
        loose_rows.append(ode_cp(subject, REGIMEN, TIMES, rtol=1e-8, atol=1e-10))
        per["loose"].append(time.perf_counter() - start)
        start = time.perf_counter()
        pytci_rows.append(pytci_cp(subject, REGIMEN, TIMES))
        per["pytci"].append(time.perf_counter() - start)
        start = time.perf_counter()
        simulate_subjects(_row(subjects, int(i)), REGIMEN, TIMES)
        per["loop"].append(time.perf_counter() - start)
    ode_diff = _max_rel(ours[picks], np.array(ode_rows))
    loose_diff = _max_rel(ours[picks], np.array(loose_rows))
    pytci_diff = _max_rel(ours[picks], np.array(pytci_rows))
    progress(
        f"max rel diff: solve_ivp {ode_diff:.1e} (loose {loose_diff:.1e}), PyTCI {pytci_diff:.1e}"
    )

    engine, population = median_ms(whole["engine"]), median_ms(whole["population"])
    scaled = {name: statistics.median(times) * N * 1000 for name, times in per.items()}
    label = f"{N:,} x {TIMES.size}"
    versions = f"numpy {version('numpy')}, scipy {version('scipy')}, pytci {version('pytci')}"
    progress(versions)
    return [
        Row(
            "pk",
            f"solve_ivp LSODA rtol {RTOL:g}, subject by subject ({label}; {sample} timed, x{N:,})",
            scaled["ode"],
            sample,
            f"baseline; max rel diff {ode_diff:.1e}",
        ),
        Row(
            "pk",
            f"solve_ivp LSODA rtol 1e-8 (pk.md §4 setting), subject by subject ({sample} timed, x{N:,})",
            scaled["loose"],
            sample,
            f"{scaled['ode'] / scaled['loose']:.1f}x faster than rtol {RTOL:g}; "
            f"max rel diff {loose_diff:.1e}",
        ),
        Row(
            "pk",
            f"PyTCI Three exact, subject by subject ({label}; {sample} timed, x{N:,})",
            scaled["pytci"],
            sample,
            f"{scaled['ode'] / scaled['pytci']:.0f}x faster than solve_ivp; max rel diff {pytci_diff:.1e}",
        ),
        Row(
            "pk",
            f"ketacare engine, subject by subject ({label}; {sample} timed, x{N:,})",
            scaled["loop"],
            sample,
            f"{scaled['ode'] / scaled['loop']:.0f}x faster than solve_ivp",
        ),
        Row(
            "pk",
            f"ketacare engine, vectorised: Cp for {label}",
            engine,
            repeats,
            f"{scaled['ode'] / engine:,.0f}x faster than solve_ivp "
            f"({scaled['loose'] / engine:,.0f}x rtol 1e-8), {scaled['pytci'] / engine:,.0f}x PyTCI",
        ),
        Row(
            "pk",
            f"ketacare simulate_population: sample + Cp + P5/P50/P95 ({label})",
            population,
            repeats,
            f"{scaled['ode'] / population:,.0f}x faster than solve_ivp",
        ),
    ]
