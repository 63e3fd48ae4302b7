"""JSON API for consent: status per treatment, signatures, withdrawal, document versions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from ketacare.consent import service
from ketacare.consent.models import ConsentSignature
from ketacare.consent.permissions import ConsentReader, Publisher, Withdrawer, Witness
from ketacare.consent.schemas import (
    ConsentStatusRead,
    DocumentCreate,
    DocumentRead,
    SignatureCreate,
    SignatureRead,
    Withdrawal,
)
from ketacare.eligibility.screening import Treatment
from ketacare.kit.db.session import DbSession

router = APIRouter(tags=["consent"])


def _status_read(status: service.ConsentStatus) -> ConsentStatusRead:
    signature = SignatureRead.model_validate(status.signature) if status.signature else None
    return ConsentStatusRead(
        treatment=status.treatment,
        valid=status.valid,
        reason=status.reason,
        current_version=status.current_version,
        signature=signature,
    )


@router.get("/patients/{patient_id}/consent", response_model=list[ConsentStatusRead])
def consent_statuses(
    patient_id: uuid.UUID, db: DbSession, actor: ConsentReader
) -> list[ConsentStatusRead]:
    """Whether the patient has valid consent for each treatment, and why."""
    return [_status_read(status) for status in service.statuses(db, actor, patient_id)]


@router.post(
    "/patients/{patient_id}/consent/{treatment}/signatures",
    response_model=SignatureRead,
    status_code=201,
)
def sign(
    patient_id: uuid.UUID,
    treatment: Treatment,
    data: SignatureCreate,
    db: DbSession,
    actor: Witness,
) -> ConsentSignature:
    """Record the patient's signature on the current version; the caller is the witness."""
    return service.sign(
        db,
        actor,
        patient_id,
        data.document_id,
        data.typed_name,
        data.signed_on,
        data.staff_confirmed,
        treatment=treatment,
    )


@router.post("/patients/{patient_id}/consent/{treatment}/withdrawal", response_model=SignatureRead)
def withdraw(
    patient_id: uuid.UUID, treatment: Treatment, data: Withdrawal, db: DbSession, actor: Withdrawer
) -> ConsentSignature:
    return service.withdraw(db, actor, patient_id, treatment, data.reason)


@router.get("/consent/documents/{treatment}", response_model=list[DocumentRead])
def versions(treatment: Treatment, db: DbSession, actor: ConsentReader) -> list[DocumentRead]:
    """Every version of the clinic's consent text for a treatment, newest (current) first."""
    return [DocumentRead.model_validate(row) for row in service.versions(db, actor, treatment)]


@router.post("/consent/documents/{treatment}", response_model=DocumentRead, status_code=201)
def publish(
    treatment: Treatment, data: DocumentCreate, db: DbSession, actor: Publisher
) -> DocumentRead:
    row = service.publish_version(db, actor, treatment, data.title, data.body)
    return DocumentRead.model_validate(row)
