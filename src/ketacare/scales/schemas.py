"""Scale shapes for the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from ketacare.kit.schemas import InputSchema, Schema


class ResponseCreate(InputSchema):
    instrument: str = Field(min_length=1, max_length=40, description="Instrument id, e.g. phq9")
    answers: dict[str, int] = Field(description='Item id to answer value, e.g. {"1": 2, "9": 0}')
    administered_at: datetime | None = Field(default=None, description="Defaults to now")


class AlertRead(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    response_id: uuid.UUID
    kind: str
    reason: str
    created_at: datetime
    acknowledged_at: datetime | None
    action_note: str | None


class ResponseRead(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    instrument_id: str
    instrument_version: str
    administered_at: datetime
    source: str
    answers: dict[str, int]
    total: int | None
    severity: str | None
    risk: str | None
    subscores: dict[str, int]
    flags: list[str]
    loinc_panel: str | None
    loinc_total: str | None


class ResponseCreated(ResponseRead):
    alerts: list[AlertRead]


class AcknowledgeRequest(InputSchema):
    note: str = Field(min_length=5, max_length=2000, description="The action taken")


class ItemRead(Schema):
    id: str
    label: str


class InstrumentRead(Schema):
    id: str
    version: str
    name: str
    short_name: str
    rater: str
    loinc_panel: str | None
    loinc_total: str | None
    items: list[ItemRead]


class ScorePointRead(Schema):
    at: datetime
    total: int


class OutcomeRead(Schema):
    instrument: str
    baseline: ScorePointRead | None
    baseline_source: str
    latest: ScorePointRead | None
    change: int | None
    percent_change: float | None = Field(description="Reduction from baseline, in percent")
    status: str
    remission: dict[str, bool]
    ever_responded: bool
    ever_remitted: bool
    time_to_first_response_days: float | None
    relapsed: bool
    relapse_at: datetime | None
