"""Patient input and output shapes for the web forms and the JSON API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from ketacare.kit.schemas import InputSchema, Schema
from ketacare.patients.rules import conditions, measurement_ranges, normalise_icd10cm

Sex = Literal["female", "male", "other", "unknown"]
Severity = Literal["mild", "moderate", "severe", "unknown"]
_WEIGHT = measurement_ranges()["weight_kg"]
_HEIGHT = measurement_ranges()["height_cm"]
MRN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"


class PatientCreate(InputSchema):
    mrn: str | None = Field(
        default=None,
        pattern=MRN_PATTERN,
        max_length=40,
        description="Left blank, the clinic's next number is assigned",
    )
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+() .-]{3,40}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=300)
    referring_clinician: str | None = Field(default=None, max_length=200)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("cannot be in the future")
        if value < date(1900, 1, 1):
            raise ValueError("must be on or after 1900-01-01")
        return value


class PatientAmend(InputSchema):
    """Only the fields that change, and why. The earlier version stays in the history."""

    reason: str = Field(min_length=5, max_length=500)
    mrn: str | None = Field(default=None, pattern=MRN_PATTERN, max_length=40)
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    sex: Sex | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+() .-]{3,40}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=300)
    referring_clinician: str | None = Field(default=None, max_length=200)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        return None if value is None else PatientCreate._plausible_birth_date(value)


class PatientRead(Schema):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    phone: str | None
    email: str | None
    address: str | None
    referring_clinician: str | None
    revision: int
    created_at: datetime


class MeasurementCreate(InputSchema):
    measured_at: datetime | None = Field(default=None, description="Defaults to now")
    weight_kg: float | None = Field(default=None, ge=_WEIGHT.minimum, le=_WEIGHT.maximum)
    height_cm: float | None = Field(default=None, ge=_HEIGHT.minimum, le=_HEIGHT.maximum)

    @model_validator(mode="after")
    def _at_least_one(self) -> MeasurementCreate:
        if self.weight_kg is None and self.height_cm is None:
            raise ValueError("enter a weight, a height or both")
        return self


class MeasurementRead(Schema):
    id: uuid.UUID
    measured_at: datetime
    weight_kg: float | None
    height_cm: float | None


class AllergyCreate(InputSchema):
    substance: str = Field(min_length=1, max_length=200)
    reaction: str | None = Field(default=None, max_length=300)
    severity: Severity = "unknown"


class AllergyRead(Schema):
    id: uuid.UUID
    substance: str
    reaction: str | None
    severity: str


class DiagnosisCreate(InputSchema):
    """A problem on the history: an ICD-10-CM code, a screening condition, or both."""

    icd10_code: str | None = Field(
        default=None, min_length=3, max_length=10, description="ICD-10-CM code, e.g. F33.2"
    )
    condition: str | None = Field(
        default=None,
        max_length=60,
        description="Screening condition key (GET /api/v1/conditions), e.g. bipolar_disorder",
    )
    description: str | None = Field(
        default=None,
        max_length=300,
        description="Filled from the catalogue or the condition when left blank",
    )
    onset_date: date | None = None

    @field_validator("icd10_code")
    @classmethod
    def _icd10cm(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = normalise_icd10cm(value)
        if code is None:
            raise ValueError(
                "must be an ICD-10-CM code such as F33.2 (letter, 2 characters, "
                "optional dot and up to 4 more)"
            )
        return code

    @field_validator("condition")
    @classmethod
    def _known_condition(cls, value: str | None) -> str | None:
        if value is not None and value not in conditions():
            raise ValueError("must be one of the conditions listed at /api/v1/conditions")
        return value

    @field_validator("onset_date")
    @classmethod
    def _onset_not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("cannot be in the future")
        return value


class DiagnosisResolve(InputSchema):
    resolved_on: date

    @field_validator("resolved_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("cannot be in the future")
        return value


class DiagnosisRead(Schema):
    id: uuid.UUID
    icd10_code: str | None
    condition: str | None
    description: str
    onset_date: date | None
    resolved_on: date | None


class VoidRequest(InputSchema):
    reason: str = Field(min_length=5, max_length=500)


class ChartHeader(Schema):
    patient: PatientRead
    age_years: int
    weight_kg: float | None
    height_cm: float | None
    bmi: float | None
    allergies: list[AllergyRead]
    diagnoses: list[DiagnosisRead]
