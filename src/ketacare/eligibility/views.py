"""The treatment-history page: the trial ledger, why each trial counts or not, and staging."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.eligibility import service
from ketacare.eligibility.adequacy import adequacy_of
from ketacare.eligibility.schemas import TrialCreate
from ketacare.eligibility.screening import conclude, screen
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.medications import service as medications_service
from ketacare.medications.api import drug_table_of
from ketacare.patients import service as patients_service
from ketacare.patients.permissions import Diagnostician
from ketacare.scales.permissions import ScaleReader

router = APIRouter(include_in_schema=False, prefix="/patients/{patient_id}/treatment-history")
CHECKBOXES = ("adequate_dose", "current_episode", "bilateral")


def _page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    result = service.staging_of(db, actor, patient_id, adequacy_of(request))
    classes = medications_service.current_drug_classes(
        db, actor, drug_table_of(request), patient_id
    )
    conditions = patients_service.screened_conditions(db, actor, patient_id)
    context = {
        "screening": {
            treatment: conclude(screen(conditions, classes, treatment))
            for treatment in ("iv_ketamine", "esketamine")
        },
        "patient": patient,
        "staging": result,
        "form": form or {},
        "errors": errors or {},
        "rows": list(zip(result.trials, result.judgements, strict=True)),
        "drug_names": sorted(d.name for d in drug_table_of(request).values()),
    }
    return render(request, "eligibility/history.html", context, status_code=422 if errors else 200)


@router.get("")
def history(request: Request, patient_id: uuid.UUID, db: DbSession, actor: ScaleReader) -> Response:
    return _page(request, db, actor, patient_id)


@router.post("")
def add(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Diagnostician, form: FormData
) -> Response:
    data: dict[str, object] = dict(filled(form))
    for box in CHECKBOXES:  # an unticked checkbox sends nothing
        data[box] = box in form
    try:
        service.add_trial(db, actor, drug_table_of(request), patient_id, parse(TrialCreate, data))
    except InvalidInput as invalid:
        db.rollback()
        return _page(request, db, actor, patient_id, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/treatment-history", 303)
