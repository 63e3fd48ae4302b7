"""Session use cases at the chair: check in, pre-checks, dosing, readings, discharge, sign.

Every step goes through the state machine; every change is an event with who, when and why, and
audited. A signed session changes only by addendum.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound
from ketacare.protocols import service as protocols
from ketacare.protocols.schema import Protocol
from ketacare.treatment import course_rules, courses, plan, session_machine, vitals_rules
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading


class SessionRepository(ClinicScopedRepository):
    def one(self, session_id: uuid.UUID) -> TreatmentSession | None:
        row = self.session.get(TreatmentSession, session_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.voided_at is None
        return row if ok else None

    def events(self, session_id: uuid.UUID) -> list[SessionEvent]:
        statement = select(SessionEvent).where(
            SessionEvent.clinic_id == self.clinic_id, SessionEvent.session_id == session_id
        )
        return list(
            self.session.scalars(statement.order_by(SessionEvent.at, SessionEvent.created_at))
        )

    def readings(self, session_id: uuid.UUID) -> list[VitalReading]:
        statement = select(VitalReading).where(
            VitalReading.clinic_id == self.clinic_id,
            VitalReading.session_id == session_id,
            VitalReading.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(VitalReading.measured_at)))

    def voided_readings(self, session_id: uuid.UUID) -> list[VitalReading]:
        statement = select(VitalReading).where(
            VitalReading.clinic_id == self.clinic_id,
            VitalReading.session_id == session_id,
            VitalReading.voided_at.is_not(None),
        )
        return list(self.session.scalars(statement.order_by(VitalReading.measured_at)))

    def reading(self, session_id: uuid.UUID, device: str, at: datetime) -> VitalReading | None:
        statement = select(VitalReading).where(
            VitalReading.clinic_id == self.clinic_id,
            VitalReading.session_id == session_id,
            VitalReading.device == device,
            VitalReading.measured_at == at,
        )
        return self.session.scalars(statement).first()

    def active(self) -> list[TreatmentSession]:
        statement = select(TreatmentSession).where(
            TreatmentSession.clinic_id == self.clinic_id,
            TreatmentSession.voided_at.is_(None),
            TreatmentSession.state.in_(("checked_in", "prechecked", "dosing", "observation")),
        )
        return list(self.session.scalars(statement.order_by(TreatmentSession.checked_in_at)))


@dataclass(frozen=True)
class Chair:
    """A session with what the pages need around it."""

    row: TreatmentSession
    course: Course
    course_session: CourseSession
    protocol: Protocol


def load(session: Session, actor: Actor, session_id: uuid.UUID) -> Chair:
    row = SessionRepository(session, actor).one(session_id)
    if row is None:
        raise NotFound("no such session")
    planned = session.get(CourseSession, row.course_session_id)
    assert planned is not None
    course = session.get(Course, planned.course_id)
    assert course is not None
    protocol = protocols.parsed(protocols.version(session, actor, course.protocol_version_id))
    return Chair(row, course, planned, protocol)


def event(
    session: Session,
    actor: Actor,
    row: TreatmentSession,
    kind: str,
    at: datetime,
    detail: dict[str, object] | None = None,
    reason: str | None = None,
) -> SessionEvent:
    found = SessionEvent(
        clinic_id=row.clinic_id,
        created_by=actor.user_id,
        session_id=row.id,
        kind=kind,
        at=at,
        detail=detail or {},
        reason=reason,
    )
    SessionRepository(session, actor).add(found)
    audit.record(
        session, actor, f"session.{kind}", "treatment_session", row.id, patient_id=row.patient_id
    )
    return found


def transition(
    session: Session,
    actor: Actor,
    row: TreatmentSession,
    action: session_machine.Action,
    at: datetime,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    if row.signed_at is not None:
        raise InvalidInput.one("action", "the session is signed and locked: add an addendum")
    try:
        new = session_machine.next_state(row.state, action)  # type: ignore[arg-type]
    except session_machine.IllegalTransition as illegal:
        raise InvalidInput.one("action", str(illegal)) from None
    event(session, actor, row, action, at, {"from": row.state, "to": new, **(detail or {})}, reason)
    row.state = new


def check_in(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    at: datetime,
) -> TreatmentSession:
    """Open the course's next planned session at the chair, with its order from the plan."""
    loaded = courses.load(session, actor, patient_id, course_id)
    planned = next((s for s in loaded.sessions if s.status == "planned"), None)
    if planned is None or loaded.state.ended:
        raise InvalidInput.one("course", "the course has no planned session left")
    existing = session.scalars(
        select(TreatmentSession).where(
            TreatmentSession.course_session_id == planned.id,
            TreatmentSession.state.not_in(session_machine.TERMINAL),
        )
    ).first()
    if existing is not None:
        return existing
    completed = [s for s in loaded.sessions if s.status == "completed" and s.completed_on]
    previous = completed[-1].completed_on if completed else None
    spacing = course_rules.spacing_problem(
        course_rules.phase_named(loaded.protocol, planned.phase), previous, at.date()
    )
    if spacing:
        raise InvalidInput.one("course", f"session {planned.number} {spacing}")
    body = plan.body_of(session, actor, patient_id)
    dose = plan.planned_doses(loaded, body)[planned.number - 1]
    if dose.dose is None:
        raise InvalidInput.one("course", dose.problem or "no dose could be worked out")
    row = TreatmentSession(
        clinic_id=loaded.course.clinic_id,
        created_by=actor.user_id,
        course_session_id=planned.id,
        patient_id=patient_id,
        treatment=loaded.course.treatment,
        state="scheduled",
        checked_in_at=at,
        ordered_dose_mg=dose.dose.dose_mg,
        ordered_rate_ml_per_h=dose.dose.rate_ml_per_h,
        final_volume_ml=dose.dose.final_volume_ml,
        devices_ordered=dose.dose.devices,
        route=loaded.protocol.route,
    )
    SessionRepository(session, actor).add(row)
    transition(session, actor, row, "check_in", at, detail={"course_session": planned.number})
    return row


def record_reading(
    session: Session,
    actor: Actor,
    chair: Chair,
    reading: vitals_rules.Reading,
    measured_at: datetime,
    device: str,
    now: datetime,
) -> tuple[VitalReading, bool]:
    """Store one reading (idempotent on session, device and time) with its threshold alerts.

    Returns the row and whether it was new. A retry with the same values returns the stored row;
    the same key with different values is refused.
    """
    row = chair.row
    if row.signed_at is not None or row.state in session_machine.TERMINAL:
        raise InvalidInput.one("measured_at", "the session is closed: readings are no longer taken")
    problems = [FieldProblem(f, m) for f, m in vitals_rules.impossible(reading)]
    if measured_at > now:
        problems.append(FieldProblem("measured_at", "cannot be in the future"))
    if measured_at < row.checked_in_at:
        problems.append(FieldProblem("measured_at", "cannot be before check-in"))
    if problems:
        raise InvalidInput(problems)
    repository = SessionRepository(session, actor)
    values = {k: getattr(reading, k) for k in vitals_rules.Reading.__dataclass_fields__}
    existing = repository.reading(row.id, device, measured_at)
    if existing is not None:
        return _same_or_refuse(existing, values), False
    alerts = [vars(a) for a in vitals_rules.check(reading, chair.protocol.thresholds)]
    found = VitalReading(
        clinic_id=row.clinic_id,
        created_by=actor.user_id,
        session_id=row.id,
        device=device,
        measured_at=measured_at,
        alerts=alerts,
        **values,
    )
    try:
        with session.begin_nested():  # a concurrent retry may have stored it meanwhile
            session.add(found)
    except IntegrityError:
        again = repository.reading(row.id, device, measured_at)
        assert again is not None
        return _same_or_refuse(again, values), False
    audit.record(
        session, actor, "vitals.record", "vital_reading", found.id, patient_id=row.patient_id
    )
    return found, True


def _same_or_refuse(existing: VitalReading, values: dict[str, int | None]) -> VitalReading:
    if any(getattr(existing, k) != v for k, v in values.items()):
        raise InvalidInput.one(
            "measured_at", "a different reading from this device at this time is already stored"
        )
    return existing


def respond(
    session: Session, actor: Actor, chair: Chair, reading_id: uuid.UUID, response: str
) -> VitalReading:
    """Record what was done about a reading's alert (e.g. "infusion paused, rechecked in 5 min")."""
    found = next(
        (r for r in SessionRepository(session, actor).readings(chair.row.id) if r.id == reading_id),
        None,
    )
    if found is None:
        raise NotFound("no such reading")
    if chair.row.signed_at is not None:
        raise InvalidInput.one("response", "the session is signed and locked: add an addendum")
    if found.response is not None:
        raise InvalidInput.one("response", "a response is already recorded for this reading")
    if len(response.strip()) < 3:
        raise InvalidInput.one("response", "is required: say what was done")
    found.response, found.responded_by = response.strip(), actor.user_id
    detail: dict[str, object] = {"reading": str(found.id)}
    event(session, actor, chair.row, "alert_response", utcnow(), detail, response.strip())
    return found


def void_reason(reason: str) -> str:
    """Why a chair record was entered in error: required, 3 to 500 characters."""
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise InvalidInput.one("reason", "say why it was entered in error (3 to 500 characters)")
    return reason


def void_reading(
    session: Session, actor: Actor, chair: Chair, reading_id: str, reason: str
) -> VitalReading:
    """Mark a reading as entered in error (who, when, why). It stays, struck through on the page,
    and no longer counts for the next reading due, discharge or any export; a device's retry of
    the same reading finds it and is not stored again. Allowed after signing: the void is itself
    the correction."""
    reason = void_reason(reason)
    readings = SessionRepository(session, actor).readings(chair.row.id)
    found = next((r for r in readings if str(r.id) == reading_id), None)
    if found is None:
        raise InvalidInput.one("reading", "no such reading in this session, or already voided")
    found.void(actor.user_id, reason)
    audit.record(
        session,
        actor,
        "session.vital_reading.void",
        "treatment_session",
        chair.row.id,
        patient_id=chair.row.patient_id,
        details={"reading": reading_id},
    )
    return found
