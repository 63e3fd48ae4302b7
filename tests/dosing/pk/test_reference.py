"""The observed levels that the session plan draws the prediction against (pk.md §2)."""

from __future__ import annotations

from ketacare.dosing.pk.reference import antidepressant_levels


def test_range_and_peak_with_citations() -> None:
    levels = antidepressant_levels()
    assert (levels.range.low_ng_ml, levels.range.high_ng_ml) == (100.0, 250.0)
    assert (levels.peak.value_ng_ml, levels.peak.at_min) == (185.0, 40.0)
    assert "Zanos" in levels.range.citation and "Krystal" in levels.range.citation
    assert "Zarate" in levels.peak.citation
    assert "0.5 mg/kg" in levels.regimen
