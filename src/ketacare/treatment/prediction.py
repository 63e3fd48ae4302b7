"""Predicted plasma concentration for the next planned IV dose: the typical curve, the 5-95%
band of a virtual population, and the concentrations reported for the antidepressant regimen.

The band needs published between-subject variability; of the shipped sets only Herd has it, so the
plan uses Herd and says that it is a paediatric set applied to adults (pk.md §1a).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ketacare.dosing import rules as dosing
from ketacare.dosing.pk.engine import simulate
from ketacare.dosing.pk.models import PkModel, load_models
from ketacare.dosing.pk.population import simulate_population
from ketacare.dosing.pk.reference import antidepressant_levels
from ketacare.dosing.pk.regimen import Infusion
from ketacare.kit.web.svg import figure_svg
from ketacare.treatment.courses import Loaded

MODEL_ID = "herd"
SUBJECTS, SEED = 1000, 20261129
TIMES = np.arange(0, 241, 2.0)
LEVELS = antidepressant_levels()
RANGE_SOURCE = (
    f"{LEVELS.range.low_ng_ml:g}-{LEVELS.range.high_ng_ml:g} ng/mL ({LEVELS.range.citation}); "
    f"observed peak about {LEVELS.peak.value_ng_ml:g} ng/mL ({LEVELS.peak.citation})"
)


@dataclass(frozen=True)
class Prediction:
    model: PkModel
    dose_mg: float
    weight_kg: float
    duration_min: float
    peak_typical: float
    peak_band: tuple[float, float]


@lru_cache(maxsize=1)
def _model() -> PkModel:
    return load_models()[MODEL_ID]


@lru_cache(maxsize=64)
def _curves(
    dose_mg: float, weight_kg: float, duration_min: float
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    regimen = [Infusion(dose_mg, 0.0, duration_min)]
    typical = simulate(_model(), weight_kg, regimen, TIMES)
    band = simulate_population(_model(), weight_kg, regimen, TIMES, SUBJECTS, SEED)
    return tuple(typical), tuple(band.p5), tuple(band.p50), tuple(band.p95)


def _draw(
    figure: Figure, curves: tuple[tuple[float, ...], ...], title: str, duration_min: float
) -> None:
    typical, p5, p50, p95 = (np.array(c) for c in curves)
    axes = figure.add_axes((0.08, 0.2, 0.9, 0.7))
    low, high = LEVELS.range.low_ng_ml, LEVELS.range.high_ng_ml
    axes.axhspan(low, high, color="#e3f2e6", lw=0, label=f"reported range {low:g}-{high:g} ng/mL")
    peak = LEVELS.peak.value_ng_ml
    axes.axhline(peak, color="#2f7d3a", lw=1, dashes=(4, 3), label=f"observed peak {peak:g}")
    axes.fill_between(
        TIMES, p5, p95, color="#bcd4f0", lw=0, label="5-95% of 1,000 virtual patients"
    )
    axes.plot(TIMES, p50, color="#1f5fa8", lw=1, dashes=(2, 2), label="median")
    axes.plot(TIMES, typical, color="#102a43", lw=1.8, label="typical patient")
    axes.axvline(duration_min, color="#9aa5b1", lw=0.9, ls=":")
    axes.set_xlim(0, float(TIMES[-1]))
    axes.set_ylim(0, max(float(p95.max()), high) * 1.08)
    axes.set_xlabel("minutes from the start of the infusion")
    axes.set_ylabel("ketamine ng/mL")
    axes.set_title(title, loc="left", fontsize=10, fontweight="bold")
    axes.legend(loc="upper right", fontsize=7.5, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def predict(dose: dosing.Dose, body: dosing.Body, duration_min: float) -> tuple[Prediction, str]:
    curves = _curves(dose.dose_mg, body.weight_kg, duration_min)
    typical, p5, _, p95 = (np.array(c) for c in curves)
    peak = int(np.argmax(typical))
    prediction = Prediction(
        _model(),
        dose.dose_mg,
        body.weight_kg,
        duration_min,
        float(typical[peak]),
        (float(p5[peak]), float(p95[peak])),
    )
    title = (
        f"{dose.dose_mg:g} mg over {duration_min:g} min, {body.weight_kg:g} kg ({_model().name})"
    )
    desc = (
        f"Typical peak {prediction.peak_typical:.0f} ng/mL at {TIMES[peak]:g} min; 5-95% band "
        f"{prediction.peak_band[0]:.0f}-{prediction.peak_band[1]:.0f} ng/mL. {RANGE_SOURCE}."
    )
    svg = figure_svg(lambda f: _draw(f, curves, title, duration_min), 720, 320, title, desc)
    return prediction, svg


def prediction_svg(
    loaded: Loaded, dose: dosing.Dose | None, body: dosing.Body | None
) -> tuple[Prediction, str] | None:
    """The next planned IV dose's prediction, or None (esketamine, or no dose worked out)."""
    infusion = loaded.protocol.infusion
    if dose is None or body is None or infusion is None:
        return None
    return predict(dose, body, infusion.duration_min)
