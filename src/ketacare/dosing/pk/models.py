"""PK parameter sets: one TOML file per model in ``parameters/``, validated by Pydantic at load.

Each file carries its citation, a confidence tag (A: checked against the paper's abstract;
S: from a secondary implementation; C: computed), the structural parameters with units and
weight scaling (pk.md §1a), and the between-subject variability where the source gives it.
A broken file raises ``ParameterFileError`` naming the file and the field.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ketacare.dosing.pk.linear import MicroConstants

REFERENCE_WEIGHT_KG = 70.0
MIN_WEIGHT_KG, MAX_WEIGHT_KG = 10.0, 300.0

_NAMES = {
    ("micro", 2): ("v1", "k10", "k12", "k21"),
    ("micro", 3): ("v1", "k10", "k12", "k21", "k13", "k31"),
    ("clearance", 2): ("v1", "v2", "cl", "q2"),
    ("clearance", 3): ("v1", "v2", "v3", "cl", "q2", "q3"),
}
_UNITS = {"v": ("L", "L/kg"), "k": ("1/min",), "c": ("L/h", "L/min"), "q": ("L/h", "L/min")}


class ParameterFileError(ValueError):
    """A parameter file cannot be read or is invalid; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One structural parameter. Its value at weight WT (kg) is ``value * WT`` (per_kg),
    ``value * (WT/70)**exponent`` (weight_70) or ``value`` (none)."""

    value: float = Field(gt=0)
    unit: Literal["L", "L/kg", "L/h", "L/min", "1/min"]
    scaling: Literal["none", "per_kg", "weight_70"]
    exponent: float | None = Field(default=None, ge=0, le=1.5)
    cv_percent: float | None = Field(default=None, gt=0, le=300)

    @model_validator(mode="after")
    def _scaling_fits_unit(self) -> Parameter:
        if (self.scaling == "per_kg") != (self.unit == "L/kg"):
            raise ValueError("scaling 'per_kg' goes with unit 'L/kg' and only with it")
        if (self.scaling == "weight_70") != (self.exponent is not None):
            raise ValueError("scaling 'weight_70' needs an exponent, other scalings none")
        return self

    def at_weight(self, weight_kg: float) -> float:
        """Typical value at ``weight_kg`` in L, L/min or /min."""
        value = self.value
        if self.scaling == "per_kg":
            value *= weight_kg
        elif self.scaling == "weight_70":
            value *= (weight_kg / REFERENCE_WEIGHT_KG) ** (self.exponent or 0.0)
        return value / 60.0 if self.unit == "L/h" else value


class Source(_Strict):
    citation: str = Field(min_length=10)
    confidence: Literal["A", "S", "C"]
    pmid: str | None = None
    doi: str | None = None
    implementation: str | None = None  # the secondary source the numbers were taken from
    notes: list[str] = []


class PkModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    drug: str
    population: str
    compartments: Literal[2, 3]
    parameterisation: Literal["micro", "clearance"]
    source: Source
    variability_source: str | None = None
    parameters: dict[str, Parameter]

    @model_validator(mode="after")
    def _parameters_fit_structure(self) -> PkModel:
        expected = _NAMES[(self.parameterisation, self.compartments)]
        if set(self.parameters) != set(expected):
            raise ValueError(
                f"{self.parameterisation} {self.compartments}-compartment model needs "
                f"parameters {', '.join(expected)}; got {', '.join(sorted(self.parameters))}"
            )
        for name, parameter in self.parameters.items():
            if parameter.unit not in _UNITS[name[0]]:
                raise ValueError(f"parameters.{name}: unit must be one of {_UNITS[name[0]]}")
        has_cv = any(p.cv_percent for p in self.parameters.values())
        if has_cv != (self.variability_source is not None):
            raise ValueError("cv_percent values and variability_source go together")
        return self

    @property
    def citation(self) -> str:
        return self.source.citation

    @property
    def has_variability(self) -> bool:
        return self.variability_source is not None

    def typical(self, weight_kg: float) -> dict[str, float]:
        """Typical parameter values at ``weight_kg`` (L, L/min, /min)."""
        return {name: p.at_weight(weight_kg) for name, p in self.parameters.items()}

    def micro(
        self, weight_kg: float, factors: dict[str, NDArray[np.float64]] | None = None
    ) -> MicroConstants:
        """Micro-constants for subjects whose parameters are the typical values times
        ``factors[name]`` (arrays of shape (N,)); one typical subject without factors."""
        size = len(next(iter(factors.values()))) if factors else 1
        p = {
            name: value * (factors[name] if factors and name in factors else np.ones(size))
            for name, value in self.typical(weight_kg).items()
        }
        peripherals = range(2, self.compartments + 1)
        if self.parameterisation == "micro":
            k1p = np.stack([p[f"k1{i}"] for i in peripherals], axis=1)
            kp1 = np.stack([p[f"k{i}1"] for i in peripherals], axis=1)
            return MicroConstants(p["v1"], p["k10"], k1p, kp1)
        k1p = np.stack([p[f"q{i}"] / p["v1"] for i in peripherals], axis=1)
        kp1 = np.stack([p[f"q{i}"] / p[f"v{i}"] for i in peripherals], axis=1)
        return MicroConstants(p["v1"], p["cl"] / p["v1"], k1p, kp1)


def _field(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def load_file(path: Path) -> PkModel:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        model = PkModel.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        raise ParameterFileError(f"{path.name}: not valid TOML: {error}") from None
    except ValidationError as error:
        raise ParameterFileError(f"{path.name}: {_field(error)}") from None
    if model.id != path.stem:
        raise ParameterFileError(f"{path.name}: id: must equal the file name ('{path.stem}')")
    return model


@cache
def _shipped() -> tuple[PkModel, ...]:
    folder = resources.files("ketacare.dosing.pk") / "parameters"
    with resources.as_file(folder) as path:
        return tuple(load_file(file) for file in sorted(path.glob("*.toml")))


def load_models(extra_dir: Path | None = None) -> dict[str, PkModel]:
    """Model id -> model: the shipped sets, then files in ``extra_dir`` (same id replaces)."""
    models = {model.id: model for model in _shipped()}
    if extra_dir is not None:
        models.update({m.id: m for m in map(load_file, sorted(extra_dir.glob("*.toml")))})
    return models
