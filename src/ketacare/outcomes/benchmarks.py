"""Published results as data (``knowledge/benchmarks.toml``), validated at load.

Each figure carries its citation and clinical.md's evidence tag (C confirmed, S secondary, U
unconfirmed); nothing here is computed.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Measure = Literal[
    "response",
    "remission",
    "response_kept",
    "induction_not_completed",
    "dropout_after_first_session",
    "ae_discontinuation",
]


class Benchmark(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]{2,60}$")
    study: str = Field(min_length=2)
    citation: str = Field(min_length=5)
    tag: Literal["C", "S", "U"]
    setting: Literal["rct", "open_label", "meta_analysis", "real_world"]
    treatment: Literal["iv_ketamine", "esketamine", "sublingual_ketamine"]
    measure: Measure
    instrument: str | None = None  # None where the source does not name it
    definition: str = Field(min_length=2)
    time_point: str = Field(min_length=2)
    value_pct: float = Field(ge=0, le=100)
    approximate: bool = False
    comparator: str | None = None
    comparator_pct: float | None = Field(default=None, ge=0, le=100)
    n: int | None = Field(default=None, ge=1)
    note: str = ""

    @model_validator(mode="after")
    def _comparator_pair(self) -> Benchmark:
        if (self.comparator is None) != (self.comparator_pct is None):
            raise ValueError("comparator and comparator_pct go together")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    benchmarks: list[Benchmark]

    @model_validator(mode="after")
    def _unique(self) -> _File:
        ids = [b.id for b in self.benchmarks]
        if len(set(ids)) != len(ids):
            raise ValueError("benchmarks: ids must be unique")
        return self


class BenchmarkFileError(Exception):
    """The file is broken; the message names the file and the field."""


def parse(name: str, text: str) -> list[Benchmark]:
    try:
        return _File.model_validate(tomllib.loads(text)).benchmarks
    except tomllib.TOMLDecodeError as error:
        raise BenchmarkFileError(f"{name}: not valid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BenchmarkFileError(f"{name}: {where + ': ' if where else ''}{message}") from None


def load(path: Path | None = None) -> list[Benchmark]:
    """The shipped benchmarks, or a clinic's own file at ``path``."""
    if path is not None:
        return parse(path.name, path.read_text())
    return list(_shipped())


@lru_cache
def _shipped() -> tuple[Benchmark, ...]:
    text = resources.files("ketacare.outcomes").joinpath("knowledge/benchmarks.toml").read_text()
    return tuple(parse("benchmarks.toml", text))
