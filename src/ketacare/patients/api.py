"""JSON API for patients under /api/v1. Thin: parse, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from ketacare.kit.db.session import DbSession
from ketacare.patients import rules, service
from ketacare.patients.permissions import (
    Diagnostician,
    Measurer,
    Reader,
    Registrar,
    check_may_void,
)
from ketacare.patients.schemas import (
    AllergyCreate,
    AllergyRead,
    ChartHeader,
    DiagnosisCreate,
    DiagnosisRead,
    DiagnosisResolve,
    MeasurementCreate,
    MeasurementRead,
    PatientAmend,
    PatientCreate,
    PatientRead,
    VoidRequest,
)

router = APIRouter(prefix="/patients", tags=["patients"])
conditions_router = APIRouter(tags=["patients"])


class ConditionRead(BaseModel):
    key: str
    label: str
    kind: str
    screened: str


@conditions_router.get("/conditions", response_model=list[ConditionRead])
def list_conditions(_actor: Reader) -> list[ConditionRead]:
    """The screening conditions a problem can be coded as (``screened``: ever or while_active)."""
    return [ConditionRead(**vars(c)) for c in rules.conditions().values()]


class PatientPage(BaseModel):
    items: list[PatientRead]
    total: int
    limit: int
    offset: int


class RevisionRead(BaseModel):
    revision: int
    reason: str
    changed_fields: list[str]
    snapshot: dict[str, object]


@router.get("", response_model=PatientPage)
def list_patients(
    db: DbSession,
    actor: Reader,
    q: Annotated[str, Query(max_length=100, description="Name or MRN words")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PatientPage:
    rows, total = service.search(db, actor, q, limit, offset)
    return PatientPage(
        items=[PatientRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.post("", response_model=PatientRead, status_code=status.HTTP_201_CREATED)
def register_patient(data: PatientCreate, db: DbSession, actor: Registrar) -> PatientRead:
    return PatientRead.model_validate(service.register(db, actor, data))


@router.get("/{patient_id}", response_model=ChartHeader)
def read_patient(patient_id: uuid.UUID, db: DbSession, actor: Reader) -> ChartHeader:
    chart = service.chart(db, actor, patient_id)
    return ChartHeader(
        patient=PatientRead.model_validate(chart.patient),
        age_years=chart.age_years,
        weight_kg=chart.weight_kg,
        height_cm=chart.height_cm,
        bmi=chart.bmi,
        allergies=[AllergyRead.model_validate(a) for a in chart.allergies],
        diagnoses=[DiagnosisRead.model_validate(d) for d in chart.diagnoses],
    )


@router.patch("/{patient_id}", response_model=PatientRead)
def amend_patient(
    patient_id: uuid.UUID, data: PatientAmend, db: DbSession, actor: Registrar
) -> PatientRead:
    return PatientRead.model_validate(service.amend(db, actor, patient_id, data))


@router.get("/{patient_id}/history", response_model=list[RevisionRead])
def patient_history(patient_id: uuid.UUID, db: DbSession, actor: Reader) -> list[RevisionRead]:
    return [
        RevisionRead.model_validate(r, from_attributes=True)
        for r in service.history(db, actor, patient_id)
    ]


@router.post("/{patient_id}/measurements", response_model=MeasurementRead, status_code=201)
def add_measurement(
    patient_id: uuid.UUID, data: MeasurementCreate, db: DbSession, actor: Measurer
) -> MeasurementRead:
    return MeasurementRead.model_validate(service.add_measurement(db, actor, patient_id, data))


@router.post("/{patient_id}/allergies", response_model=AllergyRead, status_code=201)
def add_allergy(
    patient_id: uuid.UUID, data: AllergyCreate, db: DbSession, actor: Measurer
) -> AllergyRead:
    return AllergyRead.model_validate(service.add_allergy(db, actor, patient_id, data))


@router.post("/{patient_id}/diagnoses", response_model=DiagnosisRead, status_code=201)
def add_diagnosis(
    patient_id: uuid.UUID, data: DiagnosisCreate, db: DbSession, actor: Diagnostician
) -> DiagnosisRead:
    return DiagnosisRead.model_validate(service.add_diagnosis(db, actor, patient_id, data))


@router.post("/{patient_id}/diagnoses/{diagnosis}/resolve", response_model=DiagnosisRead)
def resolve_diagnosis(
    patient_id: uuid.UUID,
    diagnosis: uuid.UUID,
    data: DiagnosisResolve,
    db: DbSession,
    actor: Diagnostician,
) -> DiagnosisRead:
    row = service.resolve_diagnosis(db, actor, patient_id, diagnosis, data)
    return DiagnosisRead.model_validate(row)


@router.post("/{patient_id}/{kind}/{record_id}/void", status_code=204)
def void_record(
    patient_id: uuid.UUID,
    kind: Literal["measurement", "allergy", "diagnosis"],
    record_id: uuid.UUID,
    data: VoidRequest,
    db: DbSession,
    actor: Measurer,
) -> None:
    check_may_void(actor, kind)
    service.void_record(db, actor, patient_id, kind, record_id, data.reason)
