"""Course pages: start a course, the plan with doses, record a session, decide proposals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service as accounts_service
from ketacare.eligibility import assessments, rescreen
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.kit.web.forms import FormData
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service
from ketacare.patients.permissions import Diagnostician, Measurer
from ketacare.protocols import service as protocols
from ketacare.scales.permissions import ScaleReader
from ketacare.treatment import courses, plan
from ketacare.treatment.prediction import RANGE_SOURCE, prediction_svg

router = APIRouter(include_in_schema=False, prefix="/patients/{patient_id}/courses")


def _date(form: dict[str, str], name: str) -> date:
    try:
        return date.fromisoformat(form.get(name, ""))
    except ValueError:
        raise InvalidInput.one(name, "must be a date (YYYY-MM-DD)") from None


def _list_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    rows = courses.CourseRepository(db, actor).courses_of(patient_id)
    context: dict[str, Any] = {
        "patient": patient,
        "courses": [courses.load(db, actor, patient_id, c.id) for c in rows],
        "protocols": protocols.current(db, actor),
        "eligibility": assessments.statuses(db, actor, patient_id),
        "names": assessments.TREATMENT_NAMES,
        "form": form or {"first_on": request.app.state.today().isoformat()},
        "errors": errors or {},
    }
    return render(request, "treatment/courses.html", context, status_code=422 if errors else 200)


@router.get("")
def course_list(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> Response:
    return _list_page(request, db, actor, patient_id)


@router.post("")
def start_course(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: Diagnostician, form: FormData
) -> Response:
    try:
        try:
            version_id = uuid.UUID(form.get("protocol", ""))
        except ValueError:
            raise InvalidInput.one("protocol", "choose a protocol") from None
        course = courses.start(
            db, actor, patient_id, version_id, _date(form, "first_on"), request.app.state.today()
        )
    except InvalidInput as invalid:
        db.rollback()
        return _list_page(request, db, actor, patient_id, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/courses/{course.id}", 303)


def _plan_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    loaded = courses.load(db, actor, patient_id, course_id)
    body = plan.body_of(db, actor, patient_id)
    doses = plan.planned_doses(loaded, body)
    upcoming = next((d for d in doses if d.session.status == "planned"), None)
    deciders = {p.decided_by for p in loaded.proposals if p.decided_by}
    context: dict[str, Any] = {
        "patient": patient,
        "loaded": loaded,
        "doses": doses,
        "upcoming": upcoming,
        "unit": plan.dose_unit(loaded),
        "body": body,
        "prediction": prediction_svg(loaded, upcoming.dose if upcoming else None, body),
        "rescreen": rescreen.rescreen(
            db,
            actor,
            request.app.state.drugs,
            patient_id,
            loaded.course.treatment,  # type: ignore[arg-type]
        ),
        "names": accounts_service.names_of(db, actor, deciders),
        "range_source": RANGE_SOURCE,
        "errors": errors or {},
        "form": form or {"completed_on": request.app.state.today().isoformat()},
    }
    return render(request, "treatment/plan.html", context, status_code=422 if errors else 200)


@router.get("/{course_id}")
def plan_page(
    request: Request, patient_id: uuid.UUID, course_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> Response:
    return _plan_page(request, db, actor, patient_id, course_id)


@router.post("/{course_id}/sessions")
def record_session(
    request: Request,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    try:
        try:
            dose = float(form.get("dose_given_mg", ""))
        except ValueError:
            raise InvalidInput([FieldProblem("dose_given_mg", "must be a number of mg")]) from None
        courses.record_session(
            db,
            actor,
            request.app.state.instruments,
            request.app.state.settings,
            patient_id,
            course_id,
            _date(form, "completed_on"),
            dose,
            "tolerated" in form,
            form.get("note", "").strip(),
            request.app.state.today(),
        )
    except InvalidInput as invalid:
        db.rollback()
        return _plan_page(request, db, actor, patient_id, course_id, invalid.by_field(), form)
    return RedirectResponse(f"/patients/{patient_id}/courses/{course_id}#proposals", 303)


@router.post("/{course_id}/proposals/{proposal_id}")
def decide(
    request: Request,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    proposal_id: uuid.UUID,
    db: DbSession,
    actor: Diagnostician,
    form: FormData,
) -> Response:
    accept = form.get("decision") == "accept"
    try:
        courses.decide(
            db,
            actor,
            patient_id,
            course_id,
            proposal_id,
            accept,
            form.get("reason", ""),
            request.app.state.today(),
        )
    except InvalidInput as invalid:
        db.rollback()
        return _plan_page(request, db, actor, patient_id, course_id, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/courses/{course_id}#proposals", 303)
