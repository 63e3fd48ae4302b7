"""Pure patient rules: age, BMI and ICD-10-CM codes, with worked examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.patients import rules


class TestAgeOn:
    @pytest.mark.parametrize(
        ("born", "today", "age"),
        [
            (date(1980, 6, 15), date(2026, 6, 14), 45),  # the day before the birthday
            (date(1980, 6, 15), date(2026, 6, 15), 46),  # on the birthday
            (date(2000, 2, 29), date(2026, 2, 28), 25),  # leap-day birthday, non-leap year
            (date(2000, 2, 29), date(2026, 3, 1), 26),
        ],
    )
    def test_worked_examples(self, born: date, today: date, age: int) -> None:
        assert rules.age_on(born, today) == age

    @given(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
        st.integers(min_value=0, max_value=40_000),
    )
    def test_never_negative_and_grows_by_one_a_year(self, born: date, days: int) -> None:
        today = born + timedelta(days=days)
        age = rules.age_on(born, today)
        assert age >= 0
        assert days // 366 <= age <= days // 365


class TestBmi:
    def test_worked_example(self) -> None:
        # WHO definition: weight (kg) / height (m)²; 70 kg at 1.75 m is 22.9.
        assert rules.bmi(70, 175) == 22.9

    @given(st.floats(min_value=25, max_value=350), st.floats(min_value=120, max_value=230))
    def test_rises_with_weight_and_falls_with_height(self, weight: float, height: float) -> None:
        assert rules.bmi(weight + 5, height) >= rules.bmi(weight, height)
        assert rules.bmi(weight, height + 5) <= rules.bmi(weight, height)


class TestIcd10cm:
    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("F33.2", "F33.2"),
            ("f332", "F33.2"),
            (" F33.41 ", "F33.41"),
            ("F32A", "F32.A"),
            ("F33", "F33"),
            ("Z79.899", "Z79.899"),
        ],
    )
    def test_normalises(self, raw: str, code: str) -> None:
        assert rules.normalise_icd10cm(raw) == code

    @pytest.mark.parametrize("raw", ["", "33.2", "U07.1X", "F3", "F33.23456", "F33-2", "hello"])
    def test_rejects_what_cannot_be_a_code(self, raw: str) -> None:
        assert rules.normalise_icd10cm(raw) is None

    @given(st.text(max_size=12))
    def test_output_is_always_well_formed(self, raw: str) -> None:
        code = rules.normalise_icd10cm(raw)
        assert code is None or rules.normalise_icd10cm(code) == code

    def test_catalogue_codes_are_valid_and_described(self) -> None:
        catalogue = rules.icd10cm_catalogue()
        assert "F33.2" in catalogue
        for code, description in catalogue.items():
            assert rules.normalise_icd10cm(code) == code
            assert description


class TestMeasurementRanges:
    def test_ranges_load_with_units(self) -> None:
        ranges = rules.measurement_ranges()
        assert ranges["weight_kg"].unit == "kg"
        assert ranges["height_cm"].contains(170)
        assert not ranges["weight_kg"].contains(ranges["weight_kg"].maximum + 0.1)
