"""JSON API for medications and the drug table."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from ketacare.kit.db.session import DbSession
from ketacare.medications import service
from ketacare.medications.drugs import Drug, suggestions
from ketacare.medications.models import PatientMedication
from ketacare.medications.schemas import MedicationCreate, MedicationRead, MedicationStop
from ketacare.patients.permissions import Measurer, Reader

router = APIRouter(tags=["medications"])


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
