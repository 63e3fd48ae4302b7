"""The plan's predicted curve: the Herd typical peak matches pk.md §2, and the SVG is CSP-clean."""

from __future__ import annotations

from datetime import date

from ketacare.dosing.rules import Body, Dose
from ketacare.treatment.prediction import predict


def test_peak_matches_the_reference_table_and_the_band_contains_it() -> None:
    body = Body(
        weight_kg=70, weighed_on=date(2026, 11, 29), height_cm=None, sex="male", age_years=40
    )
    prediction, svg = predict(Dose(35, False, ()), body, 40)
    # pk.md §2: Herd, 70 kg, 35 mg over 40 min, Cp(40) = 253.425 ng/mL.
    assert abs(prediction.peak_typical - 253.425) / 253.425 < 1e-4
    low, high = prediction.peak_band
    assert low < prediction.peak_typical < high
    assert "<style" not in svg and " style=" not in svg and 'role="img"' in svg
    assert "Typical peak 253 ng/mL at 40 min" in svg
