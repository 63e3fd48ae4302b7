"""Therapy input and output shapes. No output shape outside ``ProcessNoteRead`` has note text."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from ketacare.kit.schemas import InputSchema, Schema
from ketacare.therapy.rules import (
    DURATION_MAX,
    DURATION_MIN,
    KAP_TYPES,
    MAX_THEMES,
    THEME_MAX_LENGTH,
)

TherapyType = Literal["kap_preparation", "kap_dosing_support", "kap_integration", "cbt", "other"]
Modality = Literal["individual", "group", "couple", "family"]
Delivery = Literal["in_person", "video", "phone"]
Theme = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=THEME_MAX_LENGTH)
]


class SessionCreate(InputSchema):
    """A therapy session as the therapist records it (also the full replacement of a draft)."""

    held_on: date
    therapy_type: TherapyType
    type_detail: str | None = Field(default=None, max_length=200, validate_default=True)
    duration_min: int = Field(ge=DURATION_MIN, le=DURATION_MAX, description="Minutes")
    modality: Modality = "individual"
    delivery: Delivery = "in_person"
    themes: list[Theme] = Field(default_factory=list, max_length=MAX_THEMES)
    homework: str | None = Field(default=None, max_length=2000)
    progress_note: str = Field(min_length=3, max_length=10_000)
    appointment_id: uuid.UUID | None = None
    course_session_id: uuid.UUID | None = Field(default=None, validate_default=True)

    @field_validator("held_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("cannot be in the future")
        return value

    @field_validator("type_detail")
    @classmethod
    def _detail_for_other(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value or None
        if info.data.get("therapy_type") == "other" and value is None:
            raise ValueError("is required when the therapy type is other (say which therapy)")
        return value

    @field_validator("course_session_id")
    @classmethod
    def _course_for_kap(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        kind = info.data.get("therapy_type")
        if value is not None and kind is not None and kind not in KAP_TYPES:
            raise ValueError("only ketamine-assisted psychotherapy sessions link a dosing session")
        return value


class AddendumCreate(InputSchema):
    text: str = Field(min_length=3, max_length=5000)


class VoidInput(InputSchema):
    reason: str = Field(min_length=3, max_length=500)


class ProcessNoteCreate(InputSchema):
    """A new process note; with ``replaces_id`` it corrects (and voids) an earlier one."""

    text: str = Field(min_length=1, max_length=20_000)
    replaces_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=500, validate_default=True)

    @field_validator("reason")
    @classmethod
    def _reason_for_correction(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value or None
        if info.data.get("replaces_id") is not None and (value is None or len(value) < 3):
            raise ValueError("is required (at least 3 characters) when correcting a note")
        return value


class GrantCreate(InputSchema):
    role: Literal["physician", "nurse", "therapist"]


class SessionSummaryRead(Schema):
    """What front desk and administrators see: that a session happened."""

    detail: Literal["summary"] = "summary"
    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    therapist_name: str = ""
    held_on: date
    therapy_type: TherapyType
    duration_min: int
    modality: Modality
    delivery: Delivery
    signed: bool = False


class AddendumRead(Schema):
    id: uuid.UUID
    created_by: uuid.UUID
    created_at: datetime
    text: str


class SessionRead(Schema):
    """What clinicians see: the structured fields and the progress note, never process notes."""

    detail: Literal["clinical"] = "clinical"
    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    therapist_name: str = ""
    held_on: date
    therapy_type: TherapyType
    type_detail: str | None
    duration_min: int
    modality: Modality
    delivery: Delivery
    themes: list[str]
    homework: str | None
    progress_note: str
    appointment_id: uuid.UUID | None
    course_session_id: uuid.UUID | None
    signed: bool = False
    signed_by: uuid.UUID | None
    signed_at: datetime | None
    voided: bool = False
    void_reason: str | None
    addenda: list[AddendumRead] = Field(default_factory=list)


AnySessionRead = Annotated[SessionRead | SessionSummaryRead, Field(discriminator="detail")]


class ProcessNoteRead(Schema):
    id: uuid.UUID
    therapy_session_id: uuid.UUID
    author_id: uuid.UUID
    created_at: datetime
    text: str
    replaces_id: uuid.UUID | None


class GrantRead(Schema):
    id: uuid.UUID
    role: str
    granted_by: uuid.UUID
    granted_at: datetime
    revoked_by: uuid.UUID | None
    revoked_at: datetime | None
    revoke_reason: str | None
