"""Calendar input and output shapes."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Literal

from pydantic import Field

from ketacare.kit.schemas import InputSchema, Schema

ResourceKind = Literal["chair", "room"]
AppointmentKind = Literal["treatment", "therapy", "medication_visit", "other"]


class ResourceCreate(InputSchema):
    name: str = Field(min_length=1, max_length=80)
    kind: ResourceKind


class ResourceRetire(InputSchema):
    reason: str = Field(default="retired", min_length=3, max_length=500)


class ResourceRead(Schema):
    id: uuid.UUID
    name: str
    kind: str
    retired_at: datetime | None


class AppointmentCreate(InputSchema):
    patient_id: uuid.UUID
    kind: AppointmentKind
    starts_at: datetime = Field(
        description="ISO date-time; without an offset it is clinic-local wall-clock time"
    )
    duration_min: int | None = Field(
        default=None, ge=5, le=480, description="Default per kind from calendar.toml"
    )
    resource_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    course_session_id: uuid.UUID | None = None
    therapy_type: str | None = Field(default=None, min_length=2, max_length=30)
    desk_note: str | None = Field(default=None, max_length=500)


class CourseBookingCreate(InputSchema):
    time_of_day: time = Field(description="Clinic-local start time used on every session's date")
    resource_id: uuid.UUID
    clinician_id: uuid.UUID | None = None
    duration_min: int | None = Field(default=None, ge=5, le=480)


class AppointmentCancel(InputSchema):
    reason: str = Field(min_length=3, max_length=500)


class AppointmentMark(InputSchema):
    status: Literal["attended", "no_show"]


class AppointmentRead(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    kind: str
    starts_at: datetime
    ends_at: datetime
    resource_id: uuid.UUID | None
    clinician_id: uuid.UUID | None
    course_session_id: uuid.UUID | None
    therapy_type: str | None
    desk_note: str | None
    status: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    reminders: str = ""
