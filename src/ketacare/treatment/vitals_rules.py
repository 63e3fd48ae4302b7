"""Vital signs at the chair: impossible readings refused, crossed thresholds raised. Pure once
the shipped ranges file is read.

Two different questions, kept apart:
- *possible?* ``impossible`` refuses readings outside the data-entry ranges of
  ``knowledge/vital_ranges.toml`` (typing slips, not clinical judgement);
- *worrying?* ``check`` compares a possible reading with the protocol's thresholds, each with its
  source, and proposes notify / pause / stop. Nothing is applied: the clinician decides.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketacare.protocols.schema import Threshold

Measure = Literal["systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_pct", "resp_rate"]
AlertAction = Literal["notify", "pause_advised", "stop_advised"]
MEASURES: tuple[Measure, ...] = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_pct",
    "resp_rate",
)
SEVERITY: dict[AlertAction, int] = {"notify": 1, "pause_advised": 2, "stop_advised": 3}


@dataclass(frozen=True)
class Reading:
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_pct: int | None
    resp_rate: int | None

    def value_of(self, measure: Measure) -> int | None:
        value: int | None = getattr(self, measure)
        return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VitalRange(_Strict):
    label: str = Field(min_length=2)
    unit: str = Field(min_length=1)
    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> VitalRange:
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class VitalRanges(_Strict):
    source: str = Field(min_length=3)
    clinic_choice: bool
    ranges: dict[Measure, VitalRange]

    @model_validator(mode="after")
    def _complete(self) -> VitalRanges:
        missing = set(MEASURES) - set(self.ranges)
        if missing:
            raise ValueError(f"ranges: missing {sorted(missing)}")
        return self


def load_ranges(path: Path | None = None) -> VitalRanges:
    """The data-entry ranges: the shipped file, or a clinic's own at ``path``."""
    if path is None:
        return _shipped_ranges()
    return VitalRanges.model_validate(tomllib.loads(path.read_text()))


@lru_cache
def _shipped_ranges() -> VitalRanges:
    text = resources.files("ketacare.treatment").joinpath("knowledge/vital_ranges.toml")
    return VitalRanges.model_validate(tomllib.loads(text.read_text()))


def impossible(reading: Reading, ranges: VitalRanges | None = None) -> list[tuple[str, str]]:
    """(field, message) for each value that cannot be right; empty when the reading is possible."""
    ranges = ranges or load_ranges()
    problems: list[tuple[str, str]] = []
    for measure in MEASURES:
        value, allowed = reading.value_of(measure), ranges.ranges[measure]
        if value is not None and not allowed.low <= value <= allowed.high:
            problems.append(
                (measure, f"must be between {allowed.low} and {allowed.high} {allowed.unit}")
            )
    systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
    if not problems and systolic is not None and diastolic is not None and diastolic >= systolic:
        problems.append(("diastolic_mmhg", "must be lower than systolic"))
    return problems


@dataclass(frozen=True)
class Alert:
    measure: str
    value: float
    action: AlertAction
    threshold: float
    direction: str
    source: str
    clinic_choice: bool


def crossed(value: float, threshold: Threshold) -> bool:
    """Strictly beyond the threshold: a reading AT the value has not crossed it."""
    return value > threshold.value if threshold.direction == "above" else value < threshold.value


def check(reading: Reading, thresholds: Sequence[Threshold]) -> list[Alert]:
    """Every threshold the reading crosses, most severe first (protocol order within a level)."""
    alerts = []
    for threshold in thresholds:
        value = reading.value_of(threshold.measure)
        if value is not None and crossed(value, threshold):
            alerts.append(
                Alert(
                    threshold.measure,
                    value,
                    threshold.action,
                    threshold.value,
                    threshold.direction,
                    threshold.source,
                    threshold.clinic_choice,
                )
            )
    return sorted(alerts, key=lambda a: -SEVERITY[a.action])


def worst(alerts: Iterable[Alert]) -> AlertAction | None:
    """The most severe action among ``alerts``, or None when there are none."""
    return max((a.action for a in alerts), key=SEVERITY.__getitem__, default=None)


_ACTION_WORDS: dict[AlertAction, str] = {
    "notify": "notify the physician",
    "pause_advised": "pause advised",
    "stop_advised": "stop advised",
}


def describe(alert: Alert) -> str:
    """One line for the flowsheet: which value, which threshold, what is advised, and why."""
    ranges = load_ranges().ranges
    label = ranges[alert.measure].label if alert.measure in ranges else alert.measure
    choice = "; clinic choice" if alert.clinic_choice else ""
    return (
        f"{label} {alert.value:g} is {alert.direction} {alert.threshold:g}: "
        f"{_ACTION_WORDS[alert.action]} ({alert.source.rstrip('.')}{choice})"
    )
