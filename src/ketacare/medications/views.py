"""Medication forms on the patient chart (the list itself is drawn by the chart page)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.medications import service
from ketacare.medications.api import drug_table_of
from ketacare.medications.schemas import DoseChange, MedicationCreate, MedicationStop, ReviewCreate
from ketacare.patients import views as patient_views
from ketacare.patients.permissions import Measurer

router = APIRouter(include_in_schema=False, prefix="/patients/{patient_id}/medications")


@router.post("")
def add(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Measurer, form: FormData
) -> Response:
    try:
        service.add(
            db, actor, drug_table_of(request), patient_id, parse(MedicationCreate, filled(form))
        )
    except InvalidInput as invalid:
        db.rollback()
        return patient_views.chart_page(
            request, db, actor, patient_id, {"medication": invalid.by_field()}, {"medication": form}
        )
    return RedirectResponse(f"/patients/{patient_id}#medication", 303)


@router.post("/{medication_id}/stop")
def stop(
    request: Request,
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    try:
        service.stop(db, actor, patient_id, medication_id, parse(MedicationStop, filled(form)))
    except InvalidInput as invalid:
        db.rollback()
        return patient_views.chart_page(
            request, db, actor, patient_id, {"medication": invalid.by_field()}
        )
    return RedirectResponse(f"/patients/{patient_id}#medication", 303)


@router.post("/{medication_id}/change")
def change_dose(
    request: Request,
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    try:
        data = parse(DoseChange, filled(form))
        service.change_dose(db, actor, drug_table_of(request), patient_id, medication_id, data)
    except InvalidInput as invalid:
        db.rollback()
        return patient_views.chart_page(
            request, db, actor, patient_id, {"medication": invalid.by_field()}
        )
    return RedirectResponse(f"/patients/{patient_id}#medication", 303)


@router.post("/reviews")
def review(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Measurer, form: FormData
) -> Response:
    try:
        service.review(db, actor, patient_id, parse(ReviewCreate, filled(form)))
    except InvalidInput as invalid:
        db.rollback()
        return patient_views.chart_page(
            request, db, actor, patient_id, {"medication": invalid.by_field()}
        )
    return RedirectResponse(f"/patients/{patient_id}#medication", 303)
