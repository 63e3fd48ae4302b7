"""Booking use cases: one appointment, a whole course plan, cancel, reschedule, attended/no-show.

Never commits (the request does). Every booking takes the clinic's calendar lock before it checks
for conflicts, so two desks booking the same chair at once cannot both succeed. Each change is
audited and hands the appointment to the reminders in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ketacare.accounts import service as accounts_service
from ketacare.accounts.models import User
from ketacare.accounts.rules import CLINICAL_ROLES
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from ketacare.patients import service as patients_service
from ketacare.scheduling import calendar_settings, reminders, rules
from ketacare.scheduling.models import Appointment, ScheduleResource
from ketacare.scheduling.repository import ScheduleRepository
from ketacare.scheduling.schemas import AppointmentCreate, CourseBookingCreate
from ketacare.treatment import courses
from ketacare.treatment.models import CourseSession

VIEW_ROLES = ("admin", "front_desk", "physician", "nurse", "therapist")
BOOKING_ROLES = ("admin", "front_desk", "physician", "nurse")
THERAPY_CLINICIANS = ("therapist", "physician")


class BookingConflict(InvalidInput):
    """The booking collides with others; nothing was stored. The API answers 409."""

    def __init__(self, found: list[tuple[str, rules.Conflict]]) -> None:
        super().__init__(
            [
                FieldProblem(
                    conflict.field,
                    f"{label}: {conflict.message}" if label else conflict.message,
                    {"appointment_id": str(conflict.appointment_id), "conflict": conflict.kind},
                )
                for label, conflict in found
            ]
        )


def may_book(role: str, kind: str) -> bool:
    return role in BOOKING_ROLES or (role == "therapist" and kind == "therapy")


def _check_may_book(actor: Actor, kind: str) -> None:
    if not may_book(actor.role, kind):
        raise PermissionDenied(f"your role may not book or change {kind.replace('_', ' ')} visits")


@dataclass(frozen=True)
class Draft:
    """A validated booking, not yet checked for conflicts nor stored."""

    patient_id: uuid.UUID
    kind: str
    starts_at: datetime
    ends_at: datetime
    resource: ScheduleResource | None
    clinician: User | None
    course_session_id: uuid.UUID | None
    therapy_type: str | None
    desk_note: str | None

    def as_proposed(self) -> rules.Proposed:
        return rules.Proposed(
            self.patient_id,
            self.starts_at,
            self.ends_at,
            self.resource.id if self.resource else None,
            self.clinician.id if self.clinician else None,
        )

    def as_booked(self, patient_label: str) -> rules.Booked:
        return rules.Booked(
            uuid.uuid4(),
            self.patient_id,
            patient_label,
            self.kind,
            self.starts_at,
            self.ends_at,
            self.resource.id if self.resource else None,
            self.resource.name if self.resource else "",
            self.clinician.id if self.clinician else None,
            self.clinician.full_name if self.clinician else "",
        )


def _resource(
    repo: ScheduleRepository, resource_id: uuid.UUID | None, kind: str, problems: list[FieldProblem]
) -> ScheduleResource | None:
    if resource_id is None:
        if kind == "treatment":
            problems.append(FieldProblem("resource_id", "is required: choose a chair"))
        return None
    resource = repo.resource(resource_id)
    if resource is None:
        problems.append(FieldProblem("resource_id", "is not a chair or room of this clinic"))
    elif resource.retired_at is not None:
        problems.append(FieldProblem("resource_id", f"{resource.name} is retired"))
    elif kind == "treatment" and resource.kind != "chair":
        problems.append(FieldProblem("resource_id", f"{resource.name} is a room: choose a chair"))
    else:
        return resource
    return None


def _clinician(
    repo: ScheduleRepository,
    clinician_id: uuid.UUID | None,
    kind: str,
    problems: list[FieldProblem],
) -> User | None:
    if clinician_id is None:
        if kind == "therapy":
            problems.append(FieldProblem("clinician_id", "is required: choose the therapist"))
        return None
    user = repo.user(clinician_id)
    if user is None or not user.is_active or user.role not in CLINICAL_ROLES:
        problems.append(
            FieldProblem("clinician_id", "must be an active physician, nurse or therapist")
        )
        return None
    if kind == "therapy" and user.role not in THERAPY_CLINICIANS:
        problems.append(FieldProblem("clinician_id", "therapy needs a therapist or physician"))
        return None
    return user


def _course_session(
    repo: ScheduleRepository, data: AppointmentCreate, problems: list[FieldProblem]
) -> None:
    if data.kind != "treatment":
        if data.course_session_id is not None:
            problems.append(FieldProblem("course_session_id", "is only for treatment sessions"))
        return
    row = repo.course_session(data.course_session_id) if data.course_session_id else None
    if row is None or row.patient_id != data.patient_id:
        problems.append(
            FieldProblem("course_session_id", "is required: a planned session of this patient")
        )
    elif row.status != "planned":
        problems.append(FieldProblem("course_session_id", f"this session is {row.status}"))
    elif repo.active_for_sessions([row.id]):
        problems.append(FieldProblem("course_session_id", "this session is already booked"))


def _draft(session: Session, actor: Actor, settings: Settings, data: AppointmentCreate) -> Draft:
    """Check everything but conflicts; raise InvalidInput naming each wrong field."""
    calendar = calendar_settings.load()
    repo = ScheduleRepository(session, actor)
    patients_service.get(session, actor, data.patient_id, audit_view=False)
    problems: list[FieldProblem] = []
    try:
        starts = rules.naive_to_utc(data.starts_at, settings.zone)
    except rules.NonexistentLocalTime as error:
        problems.append(FieldProblem("starts_at", str(error)))
        starts = data.starts_at
    minutes = data.duration_min or calendar.default_duration_min[data.kind]
    if not calendar_settings.MIN_DURATION_MIN <= minutes <= calendar.max_duration_min:
        limits = {"min": calendar_settings.MIN_DURATION_MIN, "max": calendar.max_duration_min}
        message = f"must be between {limits['min']} and {limits['max']} minutes"
        problems.append(FieldProblem("duration_min", message, limits))
    resource = _resource(repo, data.resource_id, data.kind, problems)
    clinician = _clinician(repo, data.clinician_id, data.kind, problems)
    if data.resource_id is None and data.clinician_id is None and data.kind != "therapy":
        problems.append(FieldProblem("resource_id", "choose a chair or room, or a clinician"))
    if data.kind == "therapy" and not data.therapy_type:
        problems.append(FieldProblem("therapy_type", "is required for therapy"))
    if data.kind != "therapy" and data.therapy_type:
        problems.append(FieldProblem("therapy_type", "is only for therapy"))
    _course_session(repo, data, problems)
    if problems:
        raise InvalidInput(problems)
    return Draft(
        data.patient_id,
        data.kind,
        starts,
        starts + timedelta(minutes=minutes),
        resource,
        clinician,
        data.course_session_id,
        data.therapy_type,
        data.desk_note or None,
    )


def as_booked(session: Session, actor: Actor, rows: list[Appointment]) -> list[rules.Booked]:
    repo = ScheduleRepository(session, actor)
    places = {r.id: r.name for r in repo.resources(include_retired=True)}
    patients = patients_service.names_of(session, actor, {r.patient_id for r in rows})
    staff = accounts_service.names_of(
        session, actor, {r.clinician_id for r in rows if r.clinician_id}
    )
    return [
        rules.Booked(
            row.id,
            row.patient_id,
            patients.get(row.patient_id, "a patient"),
            row.kind,
            row.starts_at,
            row.ends_at,
            row.resource_id,
            places.get(row.resource_id, "") if row.resource_id else "",
            row.clinician_id,
            staff.get(row.clinician_id, "") if row.clinician_id else "",
        )
        for row in rows
    ]


def _conflicts(
    session: Session, actor: Actor, settings: Settings, drafts: list[Draft], labels: list[str]
) -> list[tuple[str, rules.Conflict]]:
    """Each draft against the stored bookings and the drafts before it (one course's sessions)."""
    rows = ScheduleRepository(session, actor).blocking(
        min(d.starts_at for d in drafts),
        max(d.ends_at for d in drafts),
        {d.resource.id for d in drafts if d.resource},
        {d.clinician.id for d in drafts if d.clinician},
        {d.patient_id for d in drafts},
    )
    existing = as_booked(session, actor, rows)
    found: list[tuple[str, rules.Conflict]] = []
    for draft, label in zip(drafts, labels, strict=True):
        found += [(label, c) for c in rules.conflicts(draft.as_proposed(), existing, settings.zone)]
        existing.append(draft.as_booked("this patient"))
    return found


def _store(session: Session, actor: Actor, settings: Settings, draft: Draft) -> Appointment:
    repo = ScheduleRepository(session, actor)
    row = Appointment(
        clinic_id=repo.clinic_id,
        created_by=actor.user_id,
        patient_id=draft.patient_id,
        kind=draft.kind,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        resource_id=draft.resource.id if draft.resource else None,
        clinician_id=draft.clinician.id if draft.clinician else None,
        course_session_id=draft.course_session_id,
        therapy_type=draft.therapy_type,
        desk_note=draft.desk_note,
        status="booked",
    )
    repo.add(row)
    reminders.plan(session, actor, settings, row)
    details: dict[str, Any] = {"kind": row.kind, "starts_at": row.starts_at.isoformat()}
    audit.record(
        session,
        actor,
        "appointment.create",
        "appointment",
        row.id,
        patient_id=row.patient_id,
        details=details,
    )
    return row


def book(
    session: Session, actor: Actor, settings: Settings, data: AppointmentCreate
) -> Appointment:
    """Book one appointment, or raise InvalidInput / BookingConflict with nothing stored."""
    _check_may_book(actor, data.kind)
    ScheduleRepository(session, actor).lock_calendar()
    draft = _draft(session, actor, settings, data)
    found = _conflicts(session, actor, settings, [draft], [""])
    if found:
        raise BookingConflict(found)
    return _store(session, actor, settings, draft)


@dataclass(frozen=True)
class CourseBooking:
    booked: list[tuple[CourseSession, Appointment]]
    skipped_past: list[CourseSession]


def _session_label(row: CourseSession) -> str:
    return f"session {row.number} on {row.planned_on:%Y-%m-%d}"


def _merge(per_session: list[tuple[str, InvalidInput]], total: int) -> InvalidInput:
    """One problem per message: shared ones (a retired chair) once, others naming sessions."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for label, invalid in per_session:
        for problem in invalid.problems:
            grouped[(problem.field, problem.message)].append(label)
    return InvalidInput(
        [
            FieldProblem(
                name, message if len(labels) == total else f"{', '.join(labels)}: {message}"
            )
            for (name, message), labels in grouped.items()
        ]
    )


def book_course(
    session: Session,
    actor: Actor,
    settings: Settings,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    data: CourseBookingCreate,
    today: date,
) -> CourseBooking:
    """Book every planned, not yet booked session of the course from today on, each on its
    planned date at ``time_of_day``: all of them, or none when any conflicts (all listed)."""
    _check_may_book(actor, "treatment")
    repo = ScheduleRepository(session, actor)
    repo.lock_calendar()
    loaded = courses.load(session, actor, patient_id, course_id)
    planned = [s for s in loaded.sessions if s.status == "planned"]
    taken = {a.course_session_id for a in repo.active_for_sessions([s.id for s in planned])}
    open_ = [s for s in planned if s.id not in taken]
    todo = [s for s in open_ if s.planned_on >= today]
    if loaded.state.ended or not todo:
        raise InvalidInput.one("course", "has no planned session left to book")
    drafts: list[Draft] = []
    failed: list[tuple[str, InvalidInput]] = []
    for row in todo:
        request = AppointmentCreate(
            patient_id=patient_id,
            kind="treatment",
            starts_at=datetime.combine(row.planned_on, data.time_of_day),
            duration_min=data.duration_min,
            resource_id=data.resource_id,
            clinician_id=data.clinician_id,
            course_session_id=row.id,
        )
        try:
            drafts.append(_draft(session, actor, settings, request))
        except InvalidInput as invalid:
            failed.append((_session_label(row), invalid))
    if failed:
        raise _merge(failed, len(todo))
    found = _conflicts(session, actor, settings, drafts, [_session_label(s) for s in todo])
    if found:
        raise BookingConflict(found)
    booked = [
        (row, _store(session, actor, settings, d)) for row, d in zip(todo, drafts, strict=True)
    ]
    return CourseBooking(booked, [s for s in open_ if s.planned_on < today])


def _appointment(session: Session, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    row = ScheduleRepository(session, actor).appointment(appointment_id)
    if row is None:
        raise NotFound("no such appointment")
    return row


def cancel(session: Session, actor: Actor, appointment_id: uuid.UUID, reason: str) -> Appointment:
    """Cancel with who, when and why; the row stays and stops blocking its slot."""
    row = _appointment(session, actor, appointment_id)
    _check_may_book(actor, row.kind)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput.one(
            "reason", "is required: say why (3 to 500 characters)", min_length=3, max_length=500
        )
    if row.status != "booked":
        raise InvalidInput.one("reason", f"this appointment is already {row.status}")
    now = utcnow()
    row.status, row.cancelled_at, row.cancel_reason = "cancelled", now, reason[:500]
    row.status_changed_by, row.status_changed_at = actor.user_id, now
    reminders.cancel(session, actor, row, row.cancel_reason)
    audit.record(
        session, actor, "appointment.cancel", "appointment", row.id, patient_id=row.patient_id
    )
    return row


def reschedule(
    session: Session,
    actor: Actor,
    settings: Settings,
    appointment_id: uuid.UUID,
    data: AppointmentCreate,
) -> Appointment:
    """Cancel ("rescheduled to ...") and book anew, in one transaction: both or neither."""
    old = _appointment(session, actor, appointment_id)
    if data.patient_id != old.patient_id:
        raise InvalidInput.one("patient_id", "must be the same patient as the original booking")
    try:
        starts = rules.naive_to_utc(data.starts_at, settings.zone)
    except rules.NonexistentLocalTime as error:
        raise InvalidInput.one("starts_at", str(error)) from None
    local = rules.to_local(starts, settings.zone)
    cancel(session, actor, old.id, f"rescheduled to {local:%Y-%m-%d %H:%M}")
    return book(session, actor, settings, data)


def mark(
    session: Session, actor: Actor, appointment_id: uuid.UUID, status: str, now: datetime
) -> Appointment:
    """Record that the patient came (attended) or did not (no_show), once the time has come."""
    row = _appointment(session, actor, appointment_id)
    _check_may_book(actor, row.kind)
    if status not in ("attended", "no_show"):
        raise InvalidInput.one("status", "must be attended or no_show")
    if row.status != "booked":
        raise InvalidInput.one("status", f"this appointment is already {row.status}")
    if row.starts_at > now:
        raise InvalidInput.one("status", "can be recorded once the appointment has started")
    row.status, row.status_changed_by, row.status_changed_at = status, actor.user_id, now
    audit.record(
        session, actor, f"appointment.{status}", "appointment", row.id, patient_id=row.patient_id
    )
    return row
