"""Pure patient rules: age, BMI, ICD-10-CM code form, coded conditions, chart header values."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

# ICD-10-CM: a letter, two characters, then optionally a dot and 1-4 more (e.g. F33.2, F33.41).
_ICD10CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")

SEXES = ("female", "male", "other", "unknown")  # FHIR AdministrativeGender
ALLERGY_SEVERITIES = ("mild", "moderate", "severe", "unknown")


def age_on(date_of_birth: date, today: date) -> int:
    """Completed years of age on ``today``."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body-mass index, kg/m², to one decimal."""
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


def normalise_icd10cm(raw: str) -> str | None:
    """Upper-case and dot a code the way ICD-10-CM prints it; None if it cannot be one."""
    code = raw.strip().upper().replace(" ", "")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code if _ICD10CM.match(code) else None


@dataclass(frozen=True)
class Range:
    minimum: float
    maximum: float
    unit: str

    def contains(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum


@lru_cache
def measurement_ranges() -> dict[str, Range]:
    text = resources.files("ketacare.patients").joinpath("knowledge/measurement_ranges.toml")
    data = tomllib.loads(text.read_text())
    return {
        name: Range(float(spec["min"]), float(spec["max"]), str(spec["unit"]))
        for name, spec in data.items()
        if isinstance(spec, dict)
    }


@lru_cache
def icd10cm_catalogue() -> dict[str, str]:
    text = resources.files("ketacare.patients").joinpath("knowledge/icd10cm_catalogue.toml")
    return {
        entry["code"]: entry["description"] for entry in tomllib.loads(text.read_text())["code"]
    }


@dataclass(frozen=True)
class Condition:
    """A screening-coded problem (patients/knowledge/conditions.toml)."""

    key: str
    label: str
    kind: Literal["medical", "psychiatric"]
    screened: Literal["ever", "while_active"]


@lru_cache
def conditions() -> dict[str, Condition]:
    text = resources.files("ketacare.patients").joinpath("knowledge/conditions.toml")
    return {
        entry["key"]: Condition(entry["key"], entry["label"], entry["kind"], entry["screened"])
        for entry in tomllib.loads(text.read_text())["condition"]
    }


def screened_conditions(problems: list[tuple[str | None, bool]]) -> set[str]:
    """Condition keys the safety screening should see, from (condition, resolved) pairs."""
    catalogue = conditions()
    return {
        key
        for key, resolved in problems
        if key is not None
        and key in catalogue
        and (not resolved or catalogue[key].screened == "ever")
    }
