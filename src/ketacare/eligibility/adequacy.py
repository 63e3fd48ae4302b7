"""The adequacy table: minimum weeks at dose and per-drug minimum daily doses, each with a source."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Strict):
    min_weeks: float = Field(gt=0, le=52)
    source: str = Field(min_length=3)


class MinimumDose(_Strict):
    name: str = Field(min_length=2)
    min_daily_mg: float = Field(gt=0, le=10_000)
    source: str = Field(min_length=3)


class AdequacyTable(_Strict):
    duration: Duration
    drug: list[MinimumDose] = Field(default_factory=list)

    def minimum_for(self, name: str) -> MinimumDose | None:
        wanted = name.strip().lower()
        return next((d for d in self.drug if d.name.lower() == wanted), None)


def load_adequacy_table(path: Path | None = None) -> AdequacyTable:
    if path is None:
        text = resources.files("ketacare.eligibility").joinpath("knowledge/adequacy.toml")
        return AdequacyTable.model_validate(tomllib.loads(text.read_text()))
    return AdequacyTable.model_validate(tomllib.loads(path.read_text()))


SHIPPED = load_adequacy_table()


def adequacy_of(request: Request) -> AdequacyTable:
    table: AdequacyTable = request.app.state.adequacy
    return table
