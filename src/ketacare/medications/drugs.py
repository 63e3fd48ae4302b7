"""The drug table: generic names with the classes the safety rules use; suggestions for typos."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Drug(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2, max_length=100)
    classes: list[str] = Field(default_factory=list)


class DrugFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    drugs: list[Drug]


class DrugFileError(Exception):
    pass


def _parse(label: str, text: str) -> list[Drug]:
    try:
        return DrugFile.model_validate(tomllib.loads(text)).drugs
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise DrugFileError(f"{label}: {error}") from None


@lru_cache
def drug_table(extra_file: Path | None = None) -> Mapping[str, Drug]:
    """Shipped drugs plus a clinic's own file (same name replaces), keyed by lower-case name."""
    shipped = resources.files("ketacare.medications").joinpath("knowledge/drugs.toml").read_text()
    drugs = {d.name.lower(): d for d in _parse("drugs.toml", shipped)}
    if extra_file is not None:
        drugs |= {d.name.lower(): d for d in _parse(str(extra_file), extra_file.read_text())}
    return drugs


def suggestions(name: str, table: Mapping[str, Drug], limit: int = 3) -> list[str]:
    return difflib.get_close_matches(name.strip().lower(), list(table), n=limit, cutoff=0.6)
