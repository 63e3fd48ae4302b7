"""The eligibility assessment's clinic settings, read from TOML and validated."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketacare.eligibility.screening import Treatment
from ketacare.eligibility.verdict import BloodPressureLimit


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Limit(_Strict):
    systolic_mmhg: int = Field(ge=80, le=250)
    diastolic_mmhg: int = Field(ge=40, le=150)
    source: str = Field(min_length=3)


class _Justification(_Strict):
    minimum_characters: int = Field(ge=1, le=2000)


class AssessmentSettings(_Strict):
    blood_pressure: dict[Treatment, _Limit]
    entry_ranges: dict[str, tuple[int, int]]
    justification: _Justification

    @model_validator(mode="after")
    def _complete(self) -> AssessmentSettings:
        missing = {"iv_ketamine", "esketamine"} - set(self.blood_pressure)
        if missing:
            raise ValueError(f"blood_pressure: missing {sorted(missing)}")
        return self

    def bp_limit(self, treatment: Treatment) -> BloodPressureLimit:
        limit = self.blood_pressure[treatment]
        return BloodPressureLimit(limit.systolic_mmhg, limit.diastolic_mmhg, limit.source)

    def entry_range(self, name: str) -> tuple[int, int]:
        return self.entry_ranges[name]


def load_assessment_settings(path: Path | None = None) -> AssessmentSettings:
    if path is None:
        text = resources.files("ketacare.eligibility").joinpath("knowledge/assessment.toml")
        return AssessmentSettings.model_validate(tomllib.loads(text.read_text()))
    return AssessmentSettings.model_validate(tomllib.loads(path.read_text()))
