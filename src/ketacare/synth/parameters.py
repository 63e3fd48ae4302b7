"""The synthetic-data parameters (``parameters.toml``), validated at load."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    # Notes and sources ride along as extra text fields; every number is declared and bounded.
    model_config = ConfigDict(extra="allow", frozen=True)


class Period(_Section):
    first_intake: date
    as_of: date


class Demographics(_Section):
    female_share: float = Field(ge=0, le=1)
    age_min: int = Field(ge=18, le=100)
    age_max: int = Field(ge=18, le=100)
    age_mean: float
    age_sd: float = Field(gt=0)


class Baseline(_Section):
    level_mean: float = Field(gt=0, le=1)
    level_sd: float = Field(ge=0)


class Response(_Section):
    remission: float = Field(ge=0, le=1)
    response_without_remission: float = Field(ge=0, le=1)
    partial: float = Field(ge=0, le=1)
    worsening: float = Field(ge=0, le=1)
    noise_sd: float = Field(ge=0)


class Dropout(_Section):
    after_first: float = Field(ge=0, le=1)
    per_later_induction_session: float = Field(ge=0, le=1)
    maintenance_share_of_responders: float = Field(ge=0, le=1)
    per_maintenance_session: float = Field(ge=0, le=1)


class Vitals(_Section):
    baseline_systolic_mean: float
    baseline_systolic_sd: float = Field(ge=0)
    baseline_diastolic_mean: float
    baseline_diastolic_sd: float = Field(ge=0)
    baseline_heart_rate_mean: float
    baseline_heart_rate_sd: float = Field(ge=0)
    peak_systolic_rise_mmhg: float
    peak_diastolic_rise_mmhg: float
    peak_at_min: int = Field(gt=0)
    severe_hypertension_per_session: float = Field(ge=0, le=1)
    every_min_during: int = Field(ge=5, le=15)
    every_min_after: int = Field(ge=5, le=15)
    observation_min: int = Field(gt=0)


class AdverseEvents(_Section):
    scale: float = Field(ge=0, le=1)
    rates: dict[str, float]


class Therapy(_Section):
    preparation_share: float = Field(ge=0, le=1)
    integration_per_session: float = Field(ge=0, le=1)


class Scales(_Section):
    phq9_every_sessions: int = Field(ge=1)


class Courses(_Section):
    esketamine_share: float = Field(ge=0, le=1)


class ChairScales(_Section):
    dissociation: float = Field(ge=0, le=1)
    sedation: float = Field(ge=0, le=1)
    loss_of_consciousness: float = Field(ge=0, le=1)
    cadss6_item_max: int = Field(ge=1, le=4)
    moaas_sedated: list[int] = Field(min_length=1)
    aldrete_nine: float = Field(ge=0, le=1)


class Calendar(_Section):
    chairs_per_1000_patients: int = Field(ge=1, le=100)
    slot_hours_utc: list[int] = Field(min_length=1)
    medication_visit_hours_utc: list[int] = Field(min_length=1)
    book_weeks_ahead: int = Field(ge=1, le=52)


class MedicationVisits(_Section):
    share: float = Field(ge=0, le=1)
    follow_up_share: float = Field(ge=0, le=1)


class Parameters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    period: Period
    demographics: Demographics
    baseline: Baseline
    response: Response
    dropout: Dropout
    vitals: Vitals
    adverse_events: AdverseEvents
    therapy: Therapy
    scales: Scales
    courses: Courses
    chair_scales: ChairScales
    calendar: Calendar
    medication_visits: MedicationVisits


@cache
def load_parameters() -> Parameters:
    text = resources.files("ketacare.synth").joinpath("parameters.toml").read_text()
    return Parameters.model_validate(tomllib.loads(text))
