"""Medication-management visit notes: the page with the list and the form, and voiding a note."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ketacare.eligibility import rescreen
from ketacare.eligibility.assessments import TREATMENTS
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.medications import service, visits
from ketacare.medications.api import ClinicalReader, drug_table_of
from ketacare.medications.schemas import VisitCreate, VoidInput
from ketacare.patients import service as patients_service
from ketacare.patients.permissions import Measurer

router = APIRouter(include_in_schema=False, prefix="/patients/{patient_id}/medications/visits")

ADHERENCE = (
    ("not_assessed", "Not assessed"),
    ("good", "Good"),
    ("partial", "Partial"),
    ("poor", "Poor"),
)


def page(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    drugs = drug_table_of(request)
    context: dict[str, Any] = {
        "patient": patients_service.get(db, actor, patient_id),
        "visits": visits.visits(db, actor, patient_id),
        "medications": service.medications(db, actor, patient_id),
        "reviews": service.reviews(db, actor, patient_id),
        "rescreens": [rescreen.rescreen(db, actor, drugs, patient_id, t) for t in TREATMENTS],
        "adherence": ADHERENCE,
        "today": request.app.state.today().isoformat(),
        "can_write": actor.role in ("physician", "nurse"),
        "errors": errors or {},
        "form": form or {},
    }
    return render(request, "medications/visits.html", context, status_code=422 if errors else 200)


@router.get("")
def show(request: Request, patient_id: uuid.UUID, db: DbSession, actor: ClinicalReader) -> Response:
    return page(request, db, actor, patient_id)


@router.post("")
def create(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Measurer, form: FormData
) -> Response:
    values = filled(form)
    values["list_reviewed_no_change"] = "true" if form.get("list_reviewed_no_change") else "false"
    try:
        visits.record(db, actor, patient_id, parse(VisitCreate, values))
    except InvalidInput as invalid:
        db.rollback()
        return page(request, db, actor, patient_id, invalid.by_field(), form)
    return RedirectResponse(f"/patients/{patient_id}/medications/visits", 303)


@router.post("/{visit_id}/void")
def void(
    request: Request,
    patient_id: uuid.UUID,
    visit_id: uuid.UUID,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    try:
        data = parse(VoidInput, filled(form))
        visits.void(db, actor, patient_id, visit_id, data.reason)
    except InvalidInput as invalid:
        db.rollback()
        return page(request, db, actor, patient_id, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/medications/visits", 303)
