"""The eligibility assessment page: every fact, the conclusion with its reasons, and signing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service as accounts_service
from ketacare.consent import service as consent_service
from ketacare.eligibility import assessments
from ketacare.eligibility.adequacy import adequacy_of
from ketacare.eligibility.models import EligibilityAssessment
from ketacare.eligibility.schemas import AssessmentCreate
from ketacare.eligibility.screening import Treatment
from ketacare.eligibility.settings import AssessmentSettings
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.medications.api import drug_table_of
from ketacare.patients.permissions import Diagnostician
from ketacare.scales.permissions import ScaleReader

router = APIRouter(include_in_schema=False, prefix="/patients/{patient_id}/eligibility")

PREGNANCY_OPTIONS = [
    ("unknown", "Unknown / not tested"),
    ("negative_test", "Negative pregnancy test"),
    ("pregnant", "Pregnant"),
    ("breastfeeding", "Breastfeeding"),
    ("not_applicable", "Not applicable"),
]
SEVERITY_OPTIONS = [
    ("subsyndromal", "Subsyndromal"),
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("severe", "Severe without psychosis"),
    ("severe_psychotic", "Severe with psychosis"),
]


def settings_of(request: Request) -> AssessmentSettings:
    settings: AssessmentSettings = request.app.state.assessment_settings
    return settings


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _carried_over(last: EligibilityAssessment | None) -> dict[str, str]:
    """The episode's onset and severity carry over from the last assessment; readings and the
    pregnancy status are taken afresh each time."""
    if last is None:
        return {}
    carried = {"episode_severity": last.episode_severity or ""}
    if last.episode_onset_on:
        carried["episode_onset_on"] = last.episode_onset_on.isoformat()
    return carried


def _page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    treatment: Treatment,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    settings = settings_of(request)
    facts = assessments.gather(db, actor, drug_table_of(request), adequacy_of(request), patient_id)
    statuses = assessments.statuses(db, actor, patient_id, facts)
    form = dict(form) if form else _carried_over(statuses[treatment].assessment)
    systolic, diastolic = _int(form.get("systolic_mmhg")), _int(form.get("diastolic_mmhg"))
    pregnancy = form.get("pregnancy_status", "unknown")
    result = assessments.conclude(
        facts,
        settings,
        treatment,
        pregnancy if pregnancy in dict(PREGNANCY_OPTIONS) else "unknown",  # type: ignore[arg-type]
        (systolic, diastolic) if systolic and diastolic else None,
    )
    form.setdefault("conclusion", result.conclusion)
    signed = assessments.AssessmentRepository(db, actor).of_patient(patient_id)
    maudsley = assessments.maudsley_of(
        facts, _date(form.get("episode_onset_on")), form.get("episode_severity") or None
    )
    context: dict[str, Any] = {
        "patient": facts.chart.patient,
        "facts": facts,
        "treatment": treatment,
        "treatment_names": assessments.TREATMENT_NAMES,
        "result": result,
        "statuses": statuses,
        "history": list(reversed(signed)),
        "signers": accounts_service.names_of(db, actor, {a.created_by for a in signed}),
        "maudsley": maudsley,
        "consent": consent_service.consent_status(db, actor, patient_id, treatment),
        "form": form,
        "errors": errors or {},
        "pregnancy_options": PREGNANCY_OPTIONS,
        "severity_options": SEVERITY_OPTIONS,
        "bp_limit": settings.bp_limit(treatment),
        "minimum_justification": settings.justification.minimum_characters,
        "ranges": settings.entry_ranges,
    }
    status_code = 422 if errors else 200
    return render(request, "eligibility/assessment.html", context, status_code=status_code)


@router.get("")
def assessment_page(
    request: Request,
    patient_id: uuid.UUID,
    db: DbSession,
    actor: ScaleReader,
    treatment: Annotated[Treatment, Query()] = "iv_ketamine",
) -> Response:
    return _page(request, db, actor, patient_id, treatment)


@router.post("")
def sign_or_preview(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Diagnostician, form: FormData
) -> Response:
    values = dict(filled(form))
    chosen = values.get("treatment")
    treatment: Treatment = "esketamine" if chosen == "esketamine" else "iv_ketamine"
    if values.pop("action", "sign") == "preview":
        return _page(request, db, actor, patient_id, treatment, form)
    try:
        data = parse(AssessmentCreate, values)
        assessments.sign(
            db,
            actor,
            settings_of(request),
            drug_table_of(request),
            adequacy_of(request),
            patient_id,
            data,
        )
    except InvalidInput as invalid:
        db.rollback()
        return _page(request, db, actor, patient_id, treatment, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/eligibility?treatment={treatment}#signed", 303)
