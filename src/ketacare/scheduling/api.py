"""JSON API for the calendar.

Double bookings answer **409 Conflict** with ``{"detail": [{"field", "message", "allowed":
{"appointment_id", "conflict"}}]}``, one item per collision (for a course: per session). Input
that is wrong in itself (a retired chair, a time skipped by a clock change, an unknown field)
answers 422 with the same shape. Nothing is stored in either case.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from ketacare.accounts.deps import RequireRole
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.kit.web.errors import problems_response
from ketacare.scheduling import agenda, resources, rules, service
from ketacare.scheduling.agenda import Entry
from ketacare.scheduling.repository import ScheduleRepository
from ketacare.scheduling.schemas import (
    AppointmentCancel,
    AppointmentCreate,
    AppointmentMark,
    AppointmentRead,
    CourseBookingCreate,
    ResourceCreate,
    ResourceRead,
)

router = APIRouter(tags=["calendar"])

Viewer = Annotated[Actor, Depends(RequireRole(*service.VIEW_ROLES))]
Manager = Annotated[Actor, Depends(RequireRole(*resources.MANAGER_ROLES))]
MAX_RANGE_DAYS = 62


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def conflict_response(db: DbSession, conflict: service.BookingConflict) -> JSONResponse:
    db.rollback()
    response = problems_response(conflict.problems)
    response.status_code = 409
    return response


def read(entry: Entry) -> AppointmentRead:
    return AppointmentRead.model_validate(entry.appointment).model_copy(
        update={"reminders": entry.reminders}
    )


def _instant(name: str, value: str, settings: Settings, end: bool) -> datetime:
    """A date means the clinic day (an end date includes its whole day); a date-time without an
    offset is clinic-local."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return rules.day_bounds(day + timedelta(days=1 if end else 0), settings.zone)[0]
        return rules.naive_to_utc(datetime.fromisoformat(value), settings.zone)
    except (ValueError, rules.NonexistentLocalTime):
        raise InvalidInput.one(name, "must be an ISO date (YYYY-MM-DD) or date-time") from None


@router.get("/appointments", response_model=list[AppointmentRead])
def list_appointments(
    request: Request,
    db: DbSession,
    actor: Viewer,
    start: str | None = None,
    end: str | None = None,
    include_cancelled: bool = True,
) -> list[AppointmentRead]:
    """Appointments overlapping ``[start, end)``; default: today in the clinic's time zone."""
    settings = settings_of(request)
    today = request.app.state.today().isoformat()
    first = _instant("start", start or today, settings, end=False)
    last = _instant("end", end or (start or today)[:10], settings, end=True)
    if last <= first:
        raise InvalidInput.one("end", "must be after start")
    if last - first > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput.one("end", f"the range may span at most {MAX_RANGE_DAYS} days")
    entries = agenda.between(db, actor, settings, first, last, include_cancelled)
    return [read(e) for e in entries]


@router.post("/appointments", response_model=AppointmentRead, status_code=201)
def book(
    request: Request, data: AppointmentCreate, db: DbSession, actor: Viewer
) -> AppointmentRead | Response:
    settings = settings_of(request)
    try:
        row = service.book(db, actor, settings, data)
    except service.BookingConflict as conflict:
        return conflict_response(db, conflict)
    return read(agenda.labelled(db, actor, settings, [row])[0])


@router.get("/appointments/{appointment_id}", response_model=AppointmentRead)
def get_appointment(
    request: Request, appointment_id: uuid.UUID, db: DbSession, actor: Viewer
) -> AppointmentRead:
    return read(agenda.one(db, actor, settings_of(request), appointment_id))


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentRead)
def cancel(
    request: Request,
    appointment_id: uuid.UUID,
    data: AppointmentCancel,
    db: DbSession,
    actor: Viewer,
) -> AppointmentRead:
    row = service.cancel(db, actor, appointment_id, data.reason)
    return read(agenda.labelled(db, actor, settings_of(request), [row])[0])


@router.post(
    "/appointments/{appointment_id}/reschedule", response_model=AppointmentRead, status_code=201
)
def reschedule(
    request: Request,
    appointment_id: uuid.UUID,
    data: AppointmentCreate,
    db: DbSession,
    actor: Viewer,
) -> AppointmentRead | Response:
    """Cancels the appointment ("rescheduled to ...") and books ``data``: both or neither."""
    settings = settings_of(request)
    try:
        row = service.reschedule(db, actor, settings, appointment_id, data)
    except service.BookingConflict as conflict:
        return conflict_response(db, conflict)
    return read(agenda.labelled(db, actor, settings, [row])[0])


@router.post("/appointments/{appointment_id}/mark", response_model=AppointmentRead)
def mark(
    request: Request,
    appointment_id: uuid.UUID,
    data: AppointmentMark,
    db: DbSession,
    actor: Viewer,
) -> AppointmentRead:
    row = service.mark(db, actor, appointment_id, data.status, utcnow())
    return read(agenda.labelled(db, actor, settings_of(request), [row])[0])


class SessionBooking(BaseModel):
    course_session_id: uuid.UUID
    number: int
    planned_on: date
    appointment: AppointmentRead


class CourseBookingRead(BaseModel):
    booked: list[SessionBooking]
    skipped_past_sessions: list[int]


@router.post("/courses/{course_id}/bookings", response_model=CourseBookingRead, status_code=201)
def book_course(
    request: Request,
    course_id: uuid.UUID,
    data: CourseBookingCreate,
    db: DbSession,
    actor: Viewer,
) -> CourseBookingRead | Response:
    """Book every planned, unbooked session from today on: all, or none with every conflict."""
    settings = settings_of(request)
    patient_id = ScheduleRepository(db, actor).patient_of_course(course_id)
    if patient_id is None:
        raise NotFound("no such course")
    try:
        result = service.book_course(
            db, actor, settings, patient_id, course_id, data, request.app.state.today()
        )
    except service.BookingConflict as conflict:
        return conflict_response(db, conflict)
    entries = agenda.labelled(db, actor, settings, [a for _, a in result.booked])
    return CourseBookingRead(
        booked=[
            SessionBooking(
                course_session_id=s.id,
                number=s.number,
                planned_on=s.planned_on,
                appointment=read(e),
            )
            for (s, _), e in zip(result.booked, entries, strict=True)
        ],
        skipped_past_sessions=[s.number for s in result.skipped_past],
    )


@router.get("/schedule-resources", response_model=list[ResourceRead])
def list_resources(
    db: DbSession, actor: Viewer, include_retired: bool = False
) -> list[ResourceRead]:
    return [ResourceRead.model_validate(r) for r in resources.listing(db, actor, include_retired)]


@router.post("/schedule-resources", response_model=ResourceRead, status_code=201)
def create_resource(data: ResourceCreate, db: DbSession, actor: Manager) -> ResourceRead:
    return ResourceRead.model_validate(resources.create(db, actor, data))


@router.post("/schedule-resources/{resource_id}/retire", response_model=ResourceRead)
def retire_resource(resource_id: uuid.UUID, db: DbSession, actor: Manager) -> ResourceRead:
    return ResourceRead.model_validate(resources.retire(db, actor, resource_id))
