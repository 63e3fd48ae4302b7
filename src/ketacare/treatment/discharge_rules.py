"""May the patient leave the chair? Pure once the settings file is read.

Criteria (``knowledge/discharge.toml`` holds the numbers and their sources):
- observation time: IV ketamine counts the protocol's observation from the END of the infusion;
  esketamine counts from the START of dosing and is never under 2 hours (Spravato label:
  at least 2 h after administration; clinical.md §3b);
- vital signs back within the allowed rise over the pre-dose baseline, SpO2 above the floor
  (RCEM: "vitals stable and at baseline", clinical.md §1c; the numbers are clinic choices);
- fully alert (MOAA/S) and recovered (Modified Aldrete);
- a responsible adult escort (RCEM; Spravato: a ride home).
``unmet`` lists what is missing; the clinician decides, and an override is recorded elsewhere.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ketacare.treatment.vitals_rules import Reading


@dataclass(frozen=True)
class DischargeFacts:
    baseline: Reading | None
    latest: Reading | None
    latest_moaas: int | None
    latest_aldrete: int | None
    minutes_since_dosing_ended: float | None
    minutes_since_dosing_started: float | None
    observation_min: int
    treatment: Literal["iv_ketamine", "esketamine"]
    escort_present: bool


@dataclass(frozen=True)
class DischargeSettings:
    max_bp_rise_mmhg: int
    max_hr_rise_bpm: int
    min_spo2_pct: int
    min_moaas: int = 5
    min_aldrete: int = 9
    esketamine_min_observation_min: int = 120


class _SettingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_bp_rise_mmhg: int = Field(ge=0, le=100)
    max_hr_rise_bpm: int = Field(ge=0, le=100)
    min_spo2_pct: int = Field(ge=50, le=100)
    min_moaas: int = Field(default=5, ge=0, le=5)
    min_aldrete: int = Field(default=9, ge=0, le=10)
    esketamine_min_observation_min: int = Field(default=120, ge=120, le=480)
    vitals_source: str = Field(min_length=3)
    vitals_clinic_choice: bool
    esketamine_source: str = Field(min_length=3)


def load_settings(path: Path | None = None) -> DischargeSettings:
    """The discharge settings: the shipped file, or a clinic's own at ``path``."""
    if path is None:
        return _shipped_settings()
    return _settings_from(path.read_text())


@lru_cache
def _shipped_settings() -> DischargeSettings:
    text = resources.files("ketacare.treatment").joinpath("knowledge/discharge.toml")
    return _settings_from(text.read_text())


def _settings_from(text: str) -> DischargeSettings:
    read = _SettingsFile.model_validate(tomllib.loads(text))
    return DischargeSettings(
        read.max_bp_rise_mmhg,
        read.max_hr_rise_bpm,
        read.min_spo2_pct,
        read.min_moaas,
        read.min_aldrete,
        read.esketamine_min_observation_min,
    )


def _minutes(value: float) -> str:
    return f"{math.floor(value)} min"


def observation_unmet(facts: DischargeFacts, settings: DischargeSettings) -> str | None:
    if facts.treatment == "esketamine":
        needed = max(facts.observation_min, settings.esketamine_min_observation_min)
        since, counted = facts.minutes_since_dosing_started, "since dosing started"
        rule = "esketamine counts from the first device; Spravato label: at least 2 hours"
        if since is None:
            return "Dosing has not started, so observation has not begun."
    else:
        needed = facts.observation_min
        since, counted = facts.minutes_since_dosing_ended, "since the infusion ended"
        rule = "IV ketamine counts from the end of the infusion"
        if since is None:
            return "The infusion has not ended: observation counts from its end."
    if since >= needed:
        return None
    return (
        f"Observed {_minutes(since)} {counted}; {needed} min are needed ({rule}): "
        f"{math.ceil(needed - since)} min to go."
    )


_RISES = (
    ("systolic_mmhg", "Systolic blood pressure", "mmHg"),
    ("diastolic_mmhg", "Diastolic blood pressure", "mmHg"),
    ("heart_rate_bpm", "Heart rate", "bpm"),
)


def vitals_unmet(facts: DischargeFacts, settings: DischargeSettings) -> list[str]:
    baseline, latest = facts.baseline, facts.latest
    if baseline is None:
        return ["No pre-dose baseline reading to compare with: vitals cannot be judged."]
    if latest is None:
        return ["No vital signs recorded after dosing: record a reading before discharge."]
    found = []
    for measure, label, unit in _RISES:
        before, now = getattr(baseline, measure), getattr(latest, measure)
        allowed = settings.max_hr_rise_bpm if unit == "bpm" else settings.max_bp_rise_mmhg
        if before is None or now is None:
            missing = "the baseline" if before is None else "the latest reading"
            found.append(f"{label}: not recorded in {missing}, so it cannot be compared.")
        elif now - before > allowed:
            found.append(
                f"{label} {now} {unit} is {now - before} {unit} above the baseline {before} "
                f"{unit}; at most {allowed} {unit} above baseline is allowed."
            )
    if latest.spo2_pct is None:
        found.append("SpO2: not recorded in the latest reading.")
    elif latest.spo2_pct < settings.min_spo2_pct:
        found.append(f"SpO2 {latest.spo2_pct}% is below {settings.min_spo2_pct}%.")
    return found


def alertness_unmet(facts: DischargeFacts, settings: DischargeSettings) -> list[str]:
    found = []
    if facts.latest_moaas is None:
        found.append("No MOAA/S sedation score recorded since check-in.")
    elif facts.latest_moaas < settings.min_moaas:
        found.append(
            f"MOAA/S is {facts.latest_moaas}; at least {settings.min_moaas} (fully alert) is needed."
        )
    if facts.latest_aldrete is None:
        found.append("No Modified Aldrete score recorded since check-in.")
    elif facts.latest_aldrete < settings.min_aldrete:
        found.append(
            f"Modified Aldrete is {facts.latest_aldrete}; at least {settings.min_aldrete} is needed."
        )
    return found


def unmet(facts: DischargeFacts, settings: DischargeSettings) -> list[str]:
    """Each discharge criterion not met, as a sentence; empty when discharge may go ahead."""
    found = []
    observation = observation_unmet(facts, settings)
    if observation:
        found.append(observation)
    found += vitals_unmet(facts, settings)
    found += alertness_unmet(facts, settings)
    if not facts.escort_present:
        found.append("No responsible adult escort is present to take the patient home.")
    return found
