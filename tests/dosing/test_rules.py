"""Dose calculation at the edges: weights, bases, the cap, an old weight, volumes, devices."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.dosing.rules import (
    Body,
    DoseProblem,
    fixed_dose,
    ideal_body_weight_kg,
    iv_dose,
    round_to,
)
from ketacare.protocols.library import shipped
from ketacare.protocols.schema import DosePerKg, FixedDose, Infusion

IV = shipped()["iv_ketamine_literature"][1]
ESK = shipped()["esketamine_label"][1]
assert isinstance(IV.dose, DosePerKg) and isinstance(IV.infusion, Infusion)
assert isinstance(ESK.dose, FixedDose)
RULE, INFUSION, FIXED = IV.dose, IV.infusion, ESK.dose
ON = date(2026, 11, 29)
BODY = Body(weight_kg=70, weighed_on=ON, height_cm=175, sex="male", age_years=45)


def basis(name: str) -> DosePerKg:
    return RULE.model_copy(update={"weight": RULE.weight.model_copy(update={"basis": name})})


class TestWorkedExamples:
    def test_standard_dose_for_70_kg(self) -> None:
        dose = iv_dose(RULE, INFUSION, 0.5, BODY, ON)
        assert (dose.dose_mg, dose.draw_ml, dose.final_volume_ml) == (35, 3.5, 103.5)
        assert dose.rate_ml_per_h == 155.3  # 103.5 mL over 40 min = 155.25 -> 155.3
        assert not dose.capped
        formulas = {f.label: f.formula for f in dose.figures}
        assert formulas["Dose"] == "0.5 mg/kg x 70.0 kg = 35.00 mg, rounded to 0.5 mg"

    def test_very_low_weight(self) -> None:
        dose = iv_dose(RULE, INFUSION, 0.5, replace(BODY, weight_kg=38.3), ON)
        assert dose.dose_mg == 19.0  # 19.15 -> 19.0 at 0.5 mg
        assert dose.draw_ml == 1.9

    def test_very_high_weight_hits_the_absolute_cap(self) -> None:
        dose = iv_dose(RULE, INFUSION, 0.75, replace(BODY, weight_kg=180), ON)
        assert dose.capped and dose.dose_mg == 100  # 135 mg asked; protocol cap 100 mg
        assert "capped at 100.0 mg" in dose.figures[-4].formula

    def test_per_kg_maximum_caps_a_dose_above_it(self) -> None:
        dose = iv_dose(RULE, INFUSION, 1.0, BODY, ON)
        assert dose.capped and dose.dose_mg == 52.5  # 0.75 mg/kg x 70 kg

    def test_bmi_over_40_with_each_basis(self) -> None:
        heavy = replace(BODY, weight_kg=130, height_cm=170)  # BMI 45
        actual = iv_dose(RULE, INFUSION, 0.5, heavy, ON)
        ideal = iv_dose(basis("ideal"), INFUSION, 0.5, heavy, ON)
        adjusted = iv_dose(basis("adjusted"), INFUSION, 0.5, heavy, ON)
        ibw = 50 + 2.3 * (170 / 2.54 - 60)  # Devine, male: 65.94 kg
        assert actual.dose_mg == 65
        assert ideal.dose_mg == round_to(0.5 * ibw, 0.5) == 33
        assert adjusted.dose_mg == round_to(0.5 * (ibw + 0.4 * (130 - ibw)), 0.5) == 46
        labels = [f.label for f in adjusted.figures]
        assert labels[:3] == ["Actual weight", "Ideal weight (Devine)", "Adjusted weight"]

    def test_an_old_weight_asks_for_a_new_one(self) -> None:
        old = replace(BODY, weighed_on=ON - timedelta(days=31))
        with pytest.raises(DoseProblem, match=r"31 days old.*last 30 days: weigh the patient"):
            iv_dose(RULE, INFUSION, 0.5, old, ON)
        assert iv_dose(RULE, INFUSION, 0.5, replace(BODY, weighed_on=ON - timedelta(30)), ON)

    def test_ideal_weight_needs_height_and_a_binary_sex(self) -> None:
        with pytest.raises(DoseProblem, match="needs a height"):
            iv_dose(basis("ideal"), INFUSION, 0.5, replace(BODY, height_cm=None), ON)
        with pytest.raises(DoseProblem, match="female or male"):
            ideal_body_weight_kg(170, "unknown")

    def test_esketamine_devices(self) -> None:
        assert fixed_dose(FIXED, 56).devices == 2
        assert fixed_dose(FIXED, 84).devices == 3
        capped = fixed_dose(FIXED, 112)
        assert capped.capped and capped.dose_mg == 84 and capped.devices == 3


class TestProperties:
    @given(st.floats(30, 250), st.sampled_from([0.1, 0.2, 0.5, 0.6, 0.75, 1.0]))
    def test_never_above_either_cap_and_volumes_follow_the_dose(
        self, weight: float, mg_per_kg: float
    ) -> None:
        dose = iv_dose(RULE, INFUSION, mg_per_kg, replace(BODY, weight_kg=weight), ON)
        assert dose.dose_mg <= min(RULE.max_mg, RULE.max_mg_per_kg * weight) + 1e-9
        assert abs(dose.dose_mg - mg_per_kg * weight) <= 0.25 + 1e-9 or dose.capped
        assert dose.draw_ml is not None and abs(dose.draw_ml * 10 - dose.dose_mg) <= 0.5 + 1e-9
        assert dose.rate_ml_per_h is not None and dose.final_volume_ml is not None
        assert abs(dose.rate_ml_per_h - dose.final_volume_ml * 60 / 40) <= 0.05 + 1e-9

    @given(st.floats(0.01, 1000), st.sampled_from([0.1, 0.5, 1.0, 28.0]))
    def test_rounding_lands_on_the_step_within_half_a_step(self, value: float, step: float) -> None:
        rounded = round_to(value, step)
        assert abs(rounded - value) <= step / 2 + 1e-9
        assert abs(rounded / step - round(rounded / step)) < 1e-6
