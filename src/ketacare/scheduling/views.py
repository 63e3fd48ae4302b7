"""Calendar pages for the front desk: day and week views, booking, chairs and rooms, and booking
a course's planned sessions from its plan."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts.deps import RequireRole
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.messaging import service as messaging_service
from ketacare.patients import service as patients_service
from ketacare.patients.repository import PatientRepository
from ketacare.scheduling import agenda, calendar_settings, resources, rules, service
from ketacare.scheduling.repository import ScheduleRepository
from ketacare.scheduling.schemas import AppointmentCreate, CourseBookingCreate, ResourceCreate
from ketacare.treatment import courses

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Actor, Depends(RequireRole(*service.VIEW_ROLES))]
Manager = Annotated[Actor, Depends(RequireRole(*resources.MANAGER_ROLES))]
KINDS = [
    ("treatment", "Treatment session"),
    ("therapy", "Therapy"),
    ("medication_visit", "Medication visit"),
    ("other", "Other"),
]
# Form field beside which a service problem is shown.
FORM_FIELD = {"patient_id": "patient", "starts_at": "time"}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _day(value: str | None, request: Request, name: str = "day") -> date:
    if not value:
        today: date = request.app.state.today()
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.one(name, "must be a date (YYYY-MM-DD)") from None


def _problems(invalid: InvalidInput) -> tuple[dict[str, str], list[str]]:
    """Messages by form field (the first per field), and every message for the summary list."""
    errors: dict[str, str] = {}
    for problem in invalid.problems:
        errors.setdefault(FORM_FIELD.get(problem.field, problem.field), problem.message)
    return errors, [p.message for p in invalid.problems]


@router.get("/calendar")
def day_page(request: Request, db: DbSession, actor: Viewer, day: str | None = None) -> Response:
    shown = _day(day, request)
    view = agenda.day_view(db, actor, _settings(request), shown)
    context: dict[str, Any] = {
        "view": view,
        "today": request.app.state.today(),
        "previous": shown - timedelta(days=1),
        "next": shown + timedelta(days=1),
        "week_start": rules.monday_of(shown),
        "zone": _settings(request).clinic_timezone,
        "step_min": calendar_settings.load().step_min,
        "failed_reminders": messaging_service.failed_count(db, actor),
    }
    return render(request, "scheduling/day.html", context)


@router.get("/calendar/week")
def week_page(request: Request, db: DbSession, actor: Viewer, start: str | None = None) -> Response:
    today: date = request.app.state.today()
    first = _day(start, request, "start") if start else rules.monday_of(today)
    view = agenda.week_view(db, actor, _settings(request), first)
    context: dict[str, Any] = {
        "view": view,
        "today": today,
        "this_week": rules.monday_of(today),
        "previous": first - timedelta(days=7),
        "next": first + timedelta(days=7),
        "zone": _settings(request).clinic_timezone,
    }
    return render(request, "scheduling/week.html", context)


def _choices(db: DbSession, actor: Actor) -> dict[str, Any]:
    repo = ScheduleRepository(db, actor)
    places = repo.resources()
    return {
        "places": [(str(r.id), f"{r.name} ({r.kind})") for r in places],
        "chairs": [(str(r.id), r.name) for r in places if r.kind == "chair"],
        "clinicians": [(str(u.id), f"{u.full_name} ({u.role})") for u in repo.clinicians()],
        "kinds": KINDS,
    }


def _planned_sessions(db: DbSession, actor: Actor, patient_id: uuid.UUID) -> list[tuple[str, str]]:
    """The patient's planned, unbooked course sessions, for a single treatment booking."""
    repo = courses.CourseRepository(db, actor)
    rows = [
        s for c in repo.courses_of(patient_id) for s in repo.sessions(c.id) if s.status == "planned"
    ]
    taken = {
        a.course_session_id
        for a in ScheduleRepository(db, actor).active_for_sessions([s.id for s in rows])
    }
    return [
        (str(s.id), f"Session {s.number} ({s.phase}), planned {s.planned_on:%Y-%m-%d}")
        for s in rows
        if s.id not in taken
    ]


def _book_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    patient = None
    try:
        patient_id = uuid.UUID(form.get("patient_id", ""))
        patient = patients_service.get(db, actor, patient_id)
    except ValueError:
        pass
    calendar = calendar_settings.load()
    context: dict[str, Any] = {
        **_choices(db, actor),
        "patient": patient,
        "sessions": _planned_sessions(db, actor, patient.id) if patient else [],
        "patient_courses": (
            courses.CourseRepository(db, actor).courses_of(patient.id) if patient else []
        ),
        "form": form,
        "errors": errors or {},
        "messages": messages or [],
        "durations": calendar.default_duration_min,
        "step_seconds": calendar.step_min * 60,
    }
    return render(request, "scheduling/book.html", context, status_code=status_code)


@router.get("/calendar/book")
def book_form(request: Request, db: DbSession, actor: Viewer) -> Response:
    form = {key: value for key, value in request.query_params.items() if value}
    form.setdefault("day", request.app.state.today().isoformat())
    form.setdefault("kind", "therapy" if actor.role == "therapist" else "treatment")
    return _book_page(request, db, actor, form)


def _parse_booking(db: DbSession, actor: Actor, form: dict[str, str]) -> AppointmentCreate:
    problems: list[FieldProblem] = []
    patient_id: uuid.UUID | None = None
    try:
        patient_id = uuid.UUID(form.get("patient_id", ""))
    except ValueError:
        found = PatientRepository(db, actor).by_mrn(form.get("patient", "").strip())
        if found is None:
            problems.append(FieldProblem("patient", "no patient with this MRN in the clinic"))
        else:
            patient_id = found.id
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        problems.append(FieldProblem("day", "must be a date (YYYY-MM-DD)"))
    try:
        at = time.fromisoformat(form.get("time", ""))
    except ValueError:
        problems.append(FieldProblem("time", "must be a time (HH:MM)"))
    if problems:
        raise InvalidInput(problems)
    values = filled(form)
    for key in ("patient", "patient_id", "day", "time"):
        values.pop(key, None)
    values["patient_id"] = str(patient_id)
    values["starts_at"] = datetime.combine(day, at).isoformat()
    return parse(AppointmentCreate, values)


@router.post("/calendar/book")
def book(request: Request, db: DbSession, actor: Viewer, form: FormData) -> Response:
    try:
        row = service.book(db, actor, _settings(request), _parse_booking(db, actor, form))
    except InvalidInput as invalid:
        db.rollback()
        errors, messages = _problems(invalid)
        conflict = isinstance(invalid, service.BookingConflict)
        return _book_page(request, db, actor, form, errors, messages, 409 if conflict else 422)
    return RedirectResponse(f"/calendar/appointments/{row.id}?booked=1", 303)


def _appointment_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    appointment_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    entry = agenda.one(db, actor, _settings(request), appointment_id)
    context: dict[str, Any] = {
        "entry": entry,
        "booked": request.query_params.get("booked") == "1",
        "may_change": service.may_book(actor.role, entry.appointment.kind),
        "started": entry.appointment.starts_at <= utcnow(),
        "errors": errors or {},
        "form": form or {},
        "zone": _settings(request).clinic_timezone,
    }
    return render(
        request, "scheduling/appointment.html", context, status_code=422 if errors else 200
    )


@router.get("/calendar/appointments/{appointment_id}")
def appointment_page(
    request: Request, appointment_id: uuid.UUID, db: DbSession, actor: Viewer
) -> Response:
    return _appointment_page(request, db, actor, appointment_id)


@router.post("/calendar/appointments/{appointment_id}/cancel")
def cancel(
    request: Request, appointment_id: uuid.UUID, db: DbSession, actor: Viewer, form: FormData
) -> Response:
    try:
        service.cancel(db, actor, appointment_id, form.get("reason", ""))
    except InvalidInput as invalid:
        db.rollback()
        return _appointment_page(request, db, actor, appointment_id, invalid.by_field(), form)
    return RedirectResponse(f"/calendar/appointments/{appointment_id}", 303)


@router.post("/calendar/appointments/{appointment_id}/mark")
def mark(
    request: Request, appointment_id: uuid.UUID, db: DbSession, actor: Viewer, form: FormData
) -> Response:
    try:
        service.mark(db, actor, appointment_id, form.get("status", ""), utcnow())
    except InvalidInput as invalid:
        db.rollback()
        return _appointment_page(request, db, actor, appointment_id, invalid.by_field(), form)
    return RedirectResponse(f"/calendar/appointments/{appointment_id}", 303)


def _resources_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "rows": resources.listing(db, actor, include_retired=True),
        "may_manage": actor.role in resources.MANAGER_ROLES,
        "errors": errors or {},
        "form": form or {"kind": "chair"},
    }
    return render(request, "scheduling/resources.html", context, 422 if errors else 200)


@router.get("/calendar/resources")
def resources_page(request: Request, db: DbSession, actor: Viewer) -> Response:
    return _resources_page(request, db, actor)


@router.post("/calendar/resources")
def create_resource(request: Request, db: DbSession, actor: Manager, form: FormData) -> Response:
    try:
        resources.create(db, actor, parse(ResourceCreate, filled(form)))
    except InvalidInput as invalid:
        db.rollback()
        return _resources_page(request, db, actor, invalid.by_field(), form)
    return RedirectResponse("/calendar/resources", 303)


@router.post("/calendar/resources/{resource_id}/retire")
def retire_resource(
    request: Request, resource_id: uuid.UUID, db: DbSession, actor: Manager
) -> Response:
    try:
        resources.retire(db, actor, resource_id)
    except InvalidInput as invalid:
        db.rollback()
        return _resources_page(request, db, actor, invalid.by_field())
    return RedirectResponse("/calendar/resources", 303)


def _course_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    loaded = courses.load(db, actor, patient_id, course_id)
    repo = ScheduleRepository(db, actor)
    rows = repo.active_for_sessions([s.id for s in loaded.sessions])
    entries = agenda.labelled(db, actor, _settings(request), rows)
    by_session = {e.appointment.course_session_id: e for e in entries}
    context: dict[str, Any] = {
        **_choices(db, actor),
        "patient": patient,
        "loaded": loaded,
        "by_session": by_session,
        "unbooked": [
            s for s in loaded.sessions if s.status == "planned" and s.id not in by_session
        ],
        "today": request.app.state.today(),
        "form": form or {"time_of_day": "09:00"},
        "errors": errors or {},
        "messages": messages or [],
        "booked": request.query_params.get("booked"),
        "zone": _settings(request).clinic_timezone,
    }
    return render(request, "scheduling/course_book.html", context, status_code=status_code)


@router.get("/patients/{patient_id}/courses/{course_id}/book")
def course_book_form(
    request: Request, patient_id: uuid.UUID, course_id: uuid.UUID, db: DbSession, actor: Viewer
) -> Response:
    return _course_page(request, db, actor, patient_id, course_id)


@router.post("/patients/{patient_id}/courses/{course_id}/book")
def course_book(
    request: Request,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    db: DbSession,
    actor: Viewer,
    form: FormData,
) -> Response:
    try:
        data = parse(CourseBookingCreate, filled(form))
        today = request.app.state.today()
        result = service.book_course(
            db, actor, _settings(request), patient_id, course_id, data, today
        )
    except InvalidInput as invalid:
        db.rollback()
        errors, messages = _problems(invalid)
        code = 409 if isinstance(invalid, service.BookingConflict) else 422
        return _course_page(request, db, actor, patient_id, course_id, form, errors, messages, code)
    url = f"/patients/{patient_id}/courses/{course_id}/book?booked={len(result.booked)}"
    return RedirectResponse(url, 303)
