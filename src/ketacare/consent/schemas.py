"""Consent input and output shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from ketacare.eligibility.screening import Treatment
from ketacare.kit.schemas import InputSchema, Schema


class SignatureCreate(InputSchema):
    document_id: uuid.UUID = Field(description="The version the patient read (must be current)")
    typed_name: str = Field(min_length=2, max_length=200, description="Given and family name")
    signed_on: date = Field(description="The date the patient wrote: today")
    staff_confirmed: bool = Field(
        description="True: the signed-in staff member was present and saw the patient read it"
    )


class DocumentCreate(InputSchema):
    title: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=50, max_length=50_000)


class Withdrawal(InputSchema):
    reason: str = Field(min_length=3, max_length=500)


class DocumentRead(Schema):
    id: uuid.UUID
    treatment: Treatment
    version: int
    title: str
    body: str
    body_sha256: str
    created_at: datetime
    created_by: uuid.UUID


class SignatureRead(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    treatment: Treatment
    document_id: uuid.UUID
    document_version: int
    document_sha256: str
    signed_text: str
    typed_name: str
    signed_on: date
    signed_at: datetime
    witnessed_by: uuid.UUID
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    withdrawal_reason: str | None
    voided_at: datetime | None
    void_reason: str | None


class ConsentStatusRead(Schema):
    treatment: Treatment
    valid: bool
    reason: str
    current_version: int
    signature: SignatureRead | None
