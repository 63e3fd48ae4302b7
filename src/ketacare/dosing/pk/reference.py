"""The plasma levels reported for the antidepressant regimen, read from data with citations.

The session plan draws the predicted curve against these: the 100-250 ng/mL range (Krystal
1994) and the ~185 ng/mL end-of-infusion peak (Zarate 2006), both as tabulated by Zanos et al.
2018 (pk.md §2).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelRange(_Strict):
    low_ng_ml: float = Field(gt=0)
    high_ng_ml: float = Field(gt=0)
    citation: str
    note: str


class Peak(_Strict):
    value_ng_ml: float = Field(gt=0)
    at_min: float = Field(ge=0)
    citation: str
    note: str


class ObservedLevels(_Strict):
    regimen: str
    range: LevelRange
    peak: Peak


@cache
def antidepressant_levels() -> ObservedLevels:
    """Observed range and peak for 0.5 mg/kg over 40 min, each with its citation."""
    text = resources.files("ketacare.dosing.pk").joinpath("observed_levels.toml").read_text()
    return ObservedLevels.model_validate(tomllib.loads(text))
