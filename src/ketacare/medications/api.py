"""JSON API for medications and the drug table."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ketacare.accounts.deps import RequireRole
from ketacare.eligibility import rescreen
from ketacare.eligibility.assessments import TREATMENTS
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.medications import service, visits
from ketacare.medications.drugs import Drug, suggestions
from ketacare.medications.models import PatientMedication
from ketacare.medications.schemas import (
    DoseChange,
    MedicationCreate,
    MedicationRead,
    MedicationStop,
    ReviewCreate,
    ReviewRead,
    VisitCreate,
    VisitRead,
    VoidInput,
)
from ketacare.patients.permissions import Measurer, Reader

router = APIRouter(tags=["medications"])

# Visit notes are clinical: the front desk sees the appointment, not what was said.
ClinicalReader = Annotated[Actor, Depends(RequireRole("admin", "physician", "nurse", "therapist"))]


def drug_table_of(request: Request) -> dict[str, Drug]:
    table: dict[str, Drug] = request.app.state.drugs
    return table


def read(row: PatientMedication, table: dict[str, Drug]) -> MedicationRead:
    drug = table.get(row.drug_name.lower())
    return MedicationRead.model_validate(row).model_copy(
        update={"classes": list(drug.classes) if drug else []}
    )


class DrugMatch(BaseModel):
    name: str
    classes: list[str]


@router.get("/drugs", response_model=list[DrugMatch])
def find_drugs(
    request: Request, _actor: Reader, q: Annotated[str, Query(min_length=1, max_length=100)]
) -> list[DrugMatch]:
    """Drugs whose name starts with ``q``, or the closest names when none does."""
    table = drug_table_of(request)
    names = [name for name in table if name.startswith(q.strip().lower())][:20]
    names = names or suggestions(q, table, limit=5)
    return [DrugMatch(name=table[n].name, classes=table[n].classes) for n in names]


@router.get("/patients/{patient_id}/medications", response_model=list[MedicationRead])
def list_medications(
    request: Request,
    patient_id: uuid.UUID,
    db: DbSession,
    actor: Reader,
    include_stopped: bool = False,
) -> list[MedicationRead]:
    rows = service.medications(db, actor, patient_id, current_only=not include_stopped)
    return [read(row, drug_table_of(request)) for row in rows]


@router.post("/patients/{patient_id}/medications", response_model=MedicationRead, status_code=201)
def add_medication(
    request: Request, patient_id: uuid.UUID, data: MedicationCreate, db: DbSession, actor: Measurer
) -> MedicationRead:
    table = drug_table_of(request)
    return read(service.add(db, actor, table, patient_id, data), table)


@router.post(
    "/patients/{patient_id}/medications/{medication_id}/stop", response_model=MedicationRead
)
def stop_medication(
    request: Request,
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    data: MedicationStop,
    db: DbSession,
    actor: Measurer,
) -> MedicationRead:
    return read(service.stop(db, actor, patient_id, medication_id, data), drug_table_of(request))


class FlagRead(BaseModel):
    strength: str
    finding: str
    action: str
    source: str
    matched: list[str]


class RescreenRead(BaseModel):
    """Where a signed eligibility assessment stands after the change, per treatment."""

    treatment: str
    needs_review: bool
    changes: list[str]
    flags: list[FlagRead]


class DoseChangeRead(BaseModel):
    stopped: MedicationRead
    started: MedicationRead
    eligibility: list[RescreenRead]


def rescreened(
    request: Request, db: Session, actor: Actor, patient_id: uuid.UUID
) -> list[RescreenRead]:
    table = drug_table_of(request)
    found = [rescreen.rescreen(db, actor, table, patient_id, t) for t in TREATMENTS]
    return [
        RescreenRead(
            treatment=r.treatment,
            needs_review=r.needs_review,
            changes=list(r.changes),
            flags=[FlagRead(**vars(f) | {"matched": list(f.matched)}) for f in r.flags],
        )
        for r in found
    ]


@router.post(
    "/patients/{patient_id}/medications/{medication_id}/change", response_model=DoseChangeRead
)
def change_dose(
    request: Request,
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    data: DoseChange,
    db: DbSession,
    actor: Measurer,
) -> DoseChangeRead:
    """A new dose from a date; the answer says what the safety rules now find."""
    table = drug_table_of(request)
    started = service.change_dose(db, actor, table, patient_id, medication_id, data)
    stopped = service.one(db, actor, patient_id, medication_id)
    return DoseChangeRead(
        stopped=read(stopped, table),
        started=read(started, table),
        eligibility=rescreened(request, db, actor, patient_id),
    )


@router.get("/patients/{patient_id}/medication-reviews", response_model=list[ReviewRead])
def list_reviews(patient_id: uuid.UUID, db: DbSession, actor: Reader) -> list[ReviewRead]:
    return [ReviewRead.model_validate(r) for r in service.reviews(db, actor, patient_id)]


@router.post(
    "/patients/{patient_id}/medication-reviews", response_model=ReviewRead, status_code=201
)
def add_review(
    patient_id: uuid.UUID, data: ReviewCreate, db: DbSession, actor: Measurer
) -> ReviewRead:
    """Reconciliation at a visit with no change: a recorded fact."""
    return ReviewRead.model_validate(service.review(db, actor, patient_id, data))


@router.get("/patients/{patient_id}/medication-visits", response_model=list[VisitRead])
def list_visits(patient_id: uuid.UUID, db: DbSession, actor: ClinicalReader) -> list[VisitRead]:
    return [VisitRead.model_validate(v) for v in visits.visits(db, actor, patient_id)]


@router.post("/patients/{patient_id}/medication-visits", response_model=VisitRead, status_code=201)
def add_visit(
    patient_id: uuid.UUID, data: VisitCreate, db: DbSession, actor: Measurer
) -> VisitRead:
    return VisitRead.model_validate(visits.record(db, actor, patient_id, data))


@router.post("/patients/{patient_id}/medication-visits/{visit_id}/void", response_model=VisitRead)
def void_visit(
    patient_id: uuid.UUID, visit_id: uuid.UUID, data: VoidInput, db: DbSession, actor: Measurer
) -> VisitRead:
    return VisitRead.model_validate(visits.void(db, actor, patient_id, visit_id, data.reason))
