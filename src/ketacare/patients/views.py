"""Patient pages: search, register, chart, amend, and the chart's add and void forms."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service as accounts_service
from ketacare.eligibility import assessments
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.medications import service as medications_service
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
    DiagnosisCreate,
    DiagnosisResolve,
    MeasurementCreate,
    PatientAmend,
    PatientCreate,
    VoidRequest,
)

router = APIRouter(include_in_schema=False, prefix="/patients")
PAGE_SIZE = 25
FIELD_LABELS = {
    "mrn": "MRN",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "phone": "Phone",
    "email": "E-mail",
    "address": "Address",
    "referring_clinician": "Referring clinician",
}


def chart_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    problems: dict[str, dict[str, str]] | None = None,
    forms: dict[str, dict[str, str]] | None = None,
) -> Response:
    chart = service.chart(db, actor, patient_id)
    clinical = actor.role in ("admin", "physician", "nurse", "therapist")
    context = {
        "eligibility": assessments.statuses(db, actor, patient_id) if clinical else {},
        "treatment_names": assessments.TREATMENT_NAMES,
        "medications": medications_service.medications(db, actor, patient_id),
        "medication_history": [
            m
            for m in medications_service.medications(db, actor, patient_id, current_only=False)
            if m.stopped_on is not None
        ],
        "medication_reviews": medications_service.reviews(db, actor, patient_id),
        "today": date.today().isoformat(),
        "drug_names": sorted(d.name for d in request.app.state.drugs.values()),
        "chart": chart,
        "errors": problems or {},
        "forms": forms or {},
        "ranges": rules.measurement_ranges(),
        "severities": rules.ALLERGY_SEVERITIES,
        "catalogue": rules.icd10cm_catalogue(),
        "conditions": rules.conditions(),
        "condition_options": [(c.key, c.label) for c in rules.conditions().values()],
        "role": actor.role,
    }
    return render(request, "patients/chart.html", context, status_code=422 if problems else 200)


@router.get("")
def patient_list(
    request: Request,
    db: DbSession,
    actor: Reader,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    rows, total = service.search(db, actor, q, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    context = {
        "patients": rows,
        "total": total,
        "q": q,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "role": actor.role,
    }
    return render(request, "patients/list.html", context)


def _register_form(request: Request, form: dict[str, str], errors: dict[str, str]) -> Response:
    context = {"form": form, "errors": errors, "sexes": rules.SEXES}
    return render(request, "patients/new.html", context, status_code=422 if errors else 200)


@router.get("/new")
def new_patient(request: Request, _actor: Registrar) -> Response:
    return _register_form(request, {}, {})


@router.post("")
def register_patient(request: Request, db: DbSession, actor: Registrar, form: FormData) -> Response:
    try:
        patient = service.register(db, actor, parse(PatientCreate, filled(form)))
    except InvalidInput as invalid:
        return _register_form(request, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient.id}", 303)


@router.get("/{patient_id}")
def patient_chart(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Reader
) -> Response:
    return chart_page(request, db, actor, patient_id)


def _amend_form(
    request: Request, patient: Any, form: dict[str, str], errors: dict[str, str]
) -> Response:
    context = {"patient": patient, "form": form, "errors": errors, "sexes": rules.SEXES}
    return render(request, "patients/amend.html", context, status_code=422 if errors else 200)


@router.get("/{patient_id}/amend")
def amend_page(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Registrar
) -> Response:
    patient = service.get(db, actor, patient_id)
    current = {name: str(getattr(patient, name) or "") for name in service.DEMOGRAPHIC_FIELDS}
    return _amend_form(request, patient, current, {})


@router.post("/{patient_id}/amend")
def amend_submit(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Registrar, form: FormData
) -> Response:
    # A blank optional field clears it; the required ones are checked by the service.
    data = {key: (value or None) for key, value in form.items()}
    try:
        service.amend(db, actor, patient_id, parse(PatientAmend, data))
    except InvalidInput as invalid:
        patient = service.get(db, actor, patient_id, audit_view=False)
        return _amend_form(request, patient, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}", 303)


@router.get("/{patient_id}/history")
def history_page(request: Request, patient_id: uuid.UUID, db: DbSession, actor: Reader) -> Response:
    patient = service.get(db, actor, patient_id)
    revisions = service.history(db, actor, patient_id)
    authors = accounts_service.names_of(db, actor, {r.created_by for r in revisions})
    context = {
        "patient": patient,
        "revisions": revisions,
        "authors": authors,
        "labels": FIELD_LABELS,
    }
    return render(request, "patients/history.html", context)


def _add(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    form: dict[str, str],
    kind: str,
    schema: type[BaseModel],
    action: Any,
) -> Response:
    try:
        action(db, actor, patient_id, parse(schema, filled(form)))
    except InvalidInput as invalid:
        db.rollback()
        return chart_page(request, db, actor, patient_id, {kind: invalid.by_field()}, {kind: form})
    return RedirectResponse(f"/patients/{patient_id}#{kind}", 303)


@router.post("/{patient_id}/measurements")
def add_measurement(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Measurer, form: FormData
) -> Response:
    return _add(
        request,
        db,
        actor,
        patient_id,
        form,
        "measurement",
        MeasurementCreate,
        service.add_measurement,
    )


@router.post("/{patient_id}/allergies")
def add_allergy(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Measurer, form: FormData
) -> Response:
    return _add(request, db, actor, patient_id, form, "allergy", AllergyCreate, service.add_allergy)


@router.post("/{patient_id}/diagnoses")
def add_diagnosis(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Diagnostician, form: FormData
) -> Response:
    return _add(
        request, db, actor, patient_id, form, "diagnosis", DiagnosisCreate, service.add_diagnosis
    )


@router.post("/{patient_id}/diagnoses/{diagnosis_id}/resolve")
def resolve_diagnosis(
    request: Request,
    patient_id: uuid.UUID,
    diagnosis_id: uuid.UUID,
    db: DbSession,
    actor: Diagnostician,
    form: FormData,
) -> Response:
    try:
        data = parse(DiagnosisResolve, filled(form))
        service.resolve_diagnosis(db, actor, patient_id, diagnosis_id, data)
    except InvalidInput as invalid:
        db.rollback()
        return chart_page(request, db, actor, patient_id, {"diagnosis": invalid.by_field()})
    return RedirectResponse(f"/patients/{patient_id}#diagnosis", 303)


@router.post("/{patient_id}/{kind}/{record_id}/void")
def void_record(
    request: Request,
    patient_id: uuid.UUID,
    kind: str,
    record_id: uuid.UUID,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    check_may_void(actor, kind)
    try:
        reason = parse(VoidRequest, form).reason
    except InvalidInput as invalid:
        return chart_page(request, db, actor, patient_id, {kind: invalid.by_field()})
    service.void_record(db, actor, patient_id, kind, record_id, reason)
    return RedirectResponse(f"/patients/{patient_id}#{kind}", 303)
