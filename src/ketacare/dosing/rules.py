"""Dose for one session from a protocol and a body: every figure with its formula. Pure.

Weight formulas (not in the project reference, which confirms only that trials dose by actual
weight; clinical.md §1a): ideal body weight by Devine (Drug Intell Clin Pharm 1974;8:650),
50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 5 feet; adjusted body weight =
ideal + factor x (actual - ideal), the factor set by the protocol (0.4 by convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from ketacare.protocols.schema import DosePerKg, FixedDose, Infusion

CM_PER_INCH = 2.54


class DoseProblem(Exception):
    """The dose cannot be worked out; the message says what is needed."""


@dataclass(frozen=True)
class Figure:
    label: str
    value: float
    unit: str
    formula: str  # the calculation with its inputs, as a person would check it


@dataclass(frozen=True)
class Body:
    weight_kg: float
    weighed_on: date
    height_cm: float | None
    sex: str
    age_years: int


@dataclass(frozen=True)
class Dose:
    dose_mg: float
    capped: bool
    figures: tuple[Figure, ...]
    devices: int | None = None
    draw_ml: float | None = None
    final_volume_ml: float | None = None
    rate_ml_per_h: float | None = None


def round_to(value: float, step: float) -> float:
    """Nearest multiple of ``step``, halves up (rounding is stated, never implicit)."""
    return round(step * math.floor(value / step + 0.5 + 1e-9), 10)


def round_down_to(value: float, step: float) -> float:
    return round(step * math.floor(value / step + 1e-9), 10)


def ideal_body_weight_kg(height_cm: float, sex: str) -> float:
    if sex not in ("female", "male"):
        raise DoseProblem("ideal body weight (Devine) needs the patient's sex as female or male")
    base = 50.0 if sex == "male" else 45.5
    return base + 2.3 * (height_cm / CM_PER_INCH - 60)


def dosing_weight(rule: DosePerKg, body: Body, on: date) -> tuple[float, tuple[Figure, ...]]:
    """The weight a mg/kg dose multiplies, after checking it is recent enough."""
    age_days = (on - body.weighed_on).days
    if age_days > rule.weight.max_age_days:
        raise DoseProblem(
            f"the latest weight is {age_days} days old on {on:%Y-%m-%d}; the protocol needs one "
            f"from the last {rule.weight.max_age_days} days: weigh the patient"
        )
    actual = Figure("Actual weight", body.weight_kg, "kg", f"measured {body.weighed_on:%Y-%m-%d}")
    if rule.weight.basis == "actual":
        return body.weight_kg, (actual,)
    if body.height_cm is None:
        raise DoseProblem(f"{rule.weight.basis} body weight needs a height: measure it")
    ideal = ideal_body_weight_kg(body.height_cm, body.sex)
    inches = body.height_cm / CM_PER_INCH
    base = 50.0 if body.sex == "male" else 45.5
    ideal_figure = Figure(
        "Ideal weight (Devine)", round(ideal, 1), "kg", f"{base:g} + 2.3 x ({inches:.1f} in - 60)"
    )
    if rule.weight.basis == "ideal":
        return ideal, (actual, ideal_figure)
    factor = rule.weight.adjusted_factor
    if body.weight_kg <= ideal:
        note = Figure("Adjusted weight", body.weight_kg, "kg", "actual weight is not above ideal")
        return body.weight_kg, (actual, ideal_figure, note)
    adjusted = ideal + factor * (body.weight_kg - ideal)
    formula = f"{ideal:.1f} + {factor:g} x ({body.weight_kg:g} - {ideal:.1f})"
    return adjusted, (
        actual,
        ideal_figure,
        Figure("Adjusted weight", round(adjusted, 1), "kg", formula),
    )


def per_kg_dose(
    rule: DosePerKg, mg_per_kg: float, body: Body, on: date
) -> tuple[float, bool, list[Figure]]:
    weight, figures = dosing_weight(rule, body, on)
    exact = mg_per_kg * weight
    dose = round_to(exact, rule.round_to_mg)
    cap = min(rule.max_mg_per_kg * weight, rule.max_mg)
    capped = dose > cap
    if capped:
        dose = round_down_to(cap, rule.round_to_mg)
    found = [
        *figures,
        Figure(
            "Dose",
            dose,
            "mg",
            f"{mg_per_kg:g} mg/kg x {weight:.1f} kg = {exact:.2f} mg, rounded to "
            f"{rule.round_to_mg:g} mg"
            + (
                f"; capped at {cap:.1f} mg (max {rule.max_mg_per_kg:g} mg/kg, {rule.max_mg:g} mg)"
                if capped
                else ""
            ),
        ),
    ]
    return dose, capped, found


def infusion_figures(
    infusion: Infusion, dose_mg: float
) -> tuple[float, float, float, list[Figure]]:
    draw = round_to(dose_mg / infusion.stock_mg_per_ml, infusion.draw_round_to_ml)
    final = infusion.bag_volume_ml + draw
    rate = round_to(final / infusion.duration_min * 60, infusion.rate_round_to_ml_per_h)
    return (
        draw,
        final,
        rate,
        [
            Figure(
                "Draw up",
                draw,
                "mL",
                f"{dose_mg:g} mg / {infusion.stock_mg_per_ml:g} mg/mL, rounded to "
                f"{infusion.draw_round_to_ml:g} mL",
            ),
            Figure(
                "Final volume",
                final,
                "mL",
                f"{infusion.bag_volume_ml:g} mL {infusion.diluent} + {draw:g} mL",
            ),
            Figure(
                "Pump rate",
                rate,
                "mL/h",
                f"{final:g} mL / {infusion.duration_min:g} min x 60, rounded to "
                f"{infusion.rate_round_to_ml_per_h:g} mL/h",
            ),
        ],
    )


def iv_dose(rule: DosePerKg, infusion: Infusion, mg_per_kg: float, body: Body, on: date) -> Dose:
    dose, capped, figures = per_kg_dose(rule, mg_per_kg, body, on)
    draw, final, rate, more = infusion_figures(infusion, dose)
    return Dose(dose, capped, tuple(figures + more), None, draw, final, rate)


def fixed_dose(rule: FixedDose, dose_mg: float) -> Dose:
    capped = dose_mg > rule.max_mg
    dose = min(dose_mg, rule.max_mg)
    figures = [
        Figure(
            "Dose",
            dose,
            "mg",
            f"{dose_mg:g} mg" + (f", capped at {rule.max_mg:g} mg" if capped else ""),
        )
    ]
    devices = None
    if rule.device_mg:
        devices = math.ceil(dose / rule.device_mg - 1e-9)
        figures.append(
            Figure("Devices", devices, "", f"{dose:g} mg / {rule.device_mg:g} mg per device")
        )
    return Dose(dose, capped, tuple(figures), devices)


def starting_fixed_dose(rule: FixedDose, age_years: int) -> float:
    """The label's day-1 dose: the 65-and-over dose where the protocol gives one."""
    if age_years >= 65 and rule.start_mg_age_65_and_over is not None:
        return rule.start_mg_age_65_and_over
    return rule.start_mg
