"""Medication input and output shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from ketacare.kit.schemas import InputSchema, Schema

DoseUnit = Literal["mg", "mcg", "g", "mL", "IU"]


def _not_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("cannot be in the future")
    return value


class MedicationCreate(InputSchema):
    drug_name: str = Field(min_length=2, max_length=100, description="Generic name")
    # A unit-sanity bound, not a clinical maximum: per-drug maxima are not in the drug table yet.
    dose_amount: float = Field(gt=0, le=100_000)
    dose_unit: DoseUnit = "mg"
    frequency: str = Field(min_length=1, max_length=60, description="e.g. once daily, at night")
    started_on: date
    prescriber: str | None = Field(default=None, max_length=200)

    _started = field_validator("started_on")(_not_future)


class MedicationStop(InputSchema):
    stopped_on: date
    reason: str = Field(min_length=3, max_length=500)

    _stopped = field_validator("stopped_on")(_not_future)


class MedicationRead(Schema):
    id: uuid.UUID
    drug_name: str
    dose_amount: float
    dose_unit: str
    frequency: str
    started_on: date
    prescriber: str | None
    stopped_on: date | None
    stop_reason: str | None
    classes: list[str] = Field(default_factory=list)


class DoseChange(InputSchema):
    """A new dose from a date: the old entry stops that day with the reason, a new one starts."""

    dose_amount: float = Field(gt=0, le=100_000)
    dose_unit: DoseUnit = "mg"
    frequency: str = Field(min_length=1, max_length=60)
    changed_on: date
    reason: str = Field(min_length=3, max_length=500)
    prescriber: str | None = Field(default=None, max_length=200)

    _changed = field_validator("changed_on")(_not_future)


class ReviewCreate(InputSchema):
    reviewed_on: date
    note: str | None = Field(default=None, max_length=500)

    _reviewed = field_validator("reviewed_on")(_not_future)


class ReviewRead(Schema):
    id: uuid.UUID
    reviewed_on: date
    outcome: str
    note: str | None


Adherence = Literal["good", "partial", "poor", "not_assessed"]


class VisitCreate(InputSchema):
    """A medication-management visit note; ticking the review box also records "no change"."""

    visited_on: date
    reason: str = Field(min_length=3, max_length=200)
    adherence: Adherence = "not_assessed"
    side_effects: str | None = Field(default=None, max_length=2000)
    assessment: str = Field(min_length=3, max_length=5000)
    plan: str = Field(min_length=3, max_length=5000)
    list_reviewed_no_change: bool = False
    appointment_id: uuid.UUID | None = None

    _visited = field_validator("visited_on")(_not_future)


class VisitRead(Schema):
    id: uuid.UUID
    visited_on: date
    reason: str
    adherence: Adherence
    side_effects: str | None
    assessment: str
    plan: str
    appointment_id: uuid.UUID | None
    created_by: uuid.UUID
    created_at: datetime


class VoidInput(InputSchema):
    reason: str = Field(min_length=3, max_length=500)
