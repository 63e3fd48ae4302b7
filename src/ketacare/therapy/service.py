"""Therapy-session use cases. Each audits itself in the caller's transaction; none commits.

Other code calls two functions here: ``sessions_for_patient`` (the patient timeline) and
``for_export`` (exports and reports). Neither ever returns process-note text unless asked for it
explicitly and the actor may read it (see ``process_notes``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound, PermissionDenied
from ketacare.patients import service as patients_service
from ketacare.scheduling.models import Appointment
from ketacare.therapy import process_notes, rules
from ketacare.therapy.models import TherapyAddendum, TherapySession
from ketacare.therapy.repository import TherapyRepository
from ketacare.therapy.rules import DetailLevel
from ketacare.therapy.schemas import (
    AddendumCreate,
    AddendumRead,
    SessionCreate,
    SessionRead,
    SessionSummaryRead,
)
from ketacare.treatment.models import CourseSession

TYPE_LABELS = rules.THERAPY_TYPE_LABELS


def level_of(actor: Actor) -> DetailLevel:
    level = rules.detail_level(actor.role)
    if level is None:
        raise PermissionDenied("Your role does not allow reading therapy sessions.")
    return level


def sessions_for_patient(
    session: Session, actor: Actor, patient_id: uuid.UUID
) -> list[TherapySession]:
    """Current sessions, newest first, without process notes; audited as a list view.

    Front desk and administrators get rows holding only the summary columns (date, type,
    therapist, duration, modality, delivery, signed): reading any other attribute raises.
    """
    level = level_of(actor)
    patients_service.get(session, actor, patient_id, audit_view=False)
    rows = TherapyRepository(session, actor).sessions_of_patient(patient_id, level)
    audit.record(
        session,
        actor,
        "therapy_session.list",
        "therapy_session",
        patient_id=patient_id,
        details={"count": len(rows), "detail": level},
    )
    return rows


def get(session: Session, actor: Actor, session_id: uuid.UUID) -> TherapySession:
    """One session (voided ones only for clinicians, who see why), audited as a view."""
    level = level_of(actor)
    row = TherapyRepository(session, actor).one_session(session_id, level)
    if row is None or (level == "summary" and row.voided_at is not None):
        raise NotFound("no such therapy session")
    audit.record(
        session,
        actor,
        "therapy_session.view",
        "therapy_session",
        row.id,
        patient_id=row.patient_id,
        details={"detail": level},
    )
    return row


def present(
    session: Session, actor: Actor, rows: list[TherapySession]
) -> list[SessionRead | SessionSummaryRead]:
    """The read shapes for the actor's role: summaries for the desk, full records for clinicians."""
    repository = TherapyRepository(session, actor)
    names = repository.user_names(row.therapist_id for row in rows)
    if level_of(actor) == "summary":
        return [
            SessionSummaryRead(
                id=row.id,
                patient_id=row.patient_id,
                therapist_id=row.therapist_id,
                therapist_name=names.get(row.therapist_id, ""),
                held_on=row.held_on,
                therapy_type=row.therapy_type,
                duration_min=row.duration_min,
                modality=row.modality,
                delivery=row.delivery,
                signed=row.signed_at is not None,
            )
            for row in rows
        ]
    addenda: dict[uuid.UUID, list[AddendumRead]] = {}
    for addendum in repository.addenda(row.id for row in rows):
        addenda.setdefault(addendum.therapy_session_id, []).append(
            AddendumRead.model_validate(addendum)
        )
    return [
        SessionRead.model_validate(row).model_copy(
            update={
                "therapist_name": names.get(row.therapist_id, ""),
                "signed": row.is_signed,
                "voided": row.is_voided,
                "addenda": addenda.get(row.id, []),
            }
        )
        for row in rows
    ]


def _check_links(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: SessionCreate
) -> None:
    if data.appointment_id is not None:
        found = session.scalar(
            select(Appointment.id).where(
                Appointment.id == data.appointment_id,
                Appointment.clinic_id == actor.clinic_id,
                Appointment.patient_id == patient_id,
            )
        )
        if found is None:
            raise InvalidInput.one("appointment_id", "is not an appointment of this patient")
    if data.course_session_id is not None:
        found = session.scalar(
            select(CourseSession.id).where(
                CourseSession.id == data.course_session_id,
                CourseSession.clinic_id == actor.clinic_id,
                CourseSession.patient_id == patient_id,
            )
        )
        if found is None:
            raise InvalidInput.one("course_session_id", "is not a dosing session of this patient")


def record(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: SessionCreate
) -> TherapySession:
    if not rules.may_record(actor.role):
        raise PermissionDenied("Only therapists and physicians record therapy sessions.")
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    _check_links(session, actor, patient.id, data)
    row = TherapySession(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        therapist_id=actor.user_id,
        **data.model_dump(),
    )
    TherapyRepository(session, actor).add(row)
    audit.record(
        session, actor, "therapy_session.create", "therapy_session", row.id, patient_id=patient.id
    )
    return row


def _own_draft(session: Session, actor: Actor, session_id: uuid.UUID) -> TherapySession:
    row = TherapyRepository(session, actor).one_session(session_id, "clinical")
    if row is None or row.is_voided:
        raise NotFound("no such therapy session")
    if row.is_signed:
        raise InvalidInput.one(
            "session", "is signed and locked; add an addendum to correct or extend it"
        )
    if not rules.may_change_draft(actor.user_id, row.therapist_id, row.is_signed):
        raise PermissionDenied(
            "Only the therapist who recorded this session may change or sign it."
        )
    return row


def revise_draft(
    session: Session, actor: Actor, session_id: uuid.UUID, data: SessionCreate
) -> TherapySession:
    """The author corrects an unsigned session; the audit event names the fields changed."""
    row = _own_draft(session, actor, session_id)
    _check_links(session, actor, row.patient_id, data)
    values = data.model_dump()
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    for name in changed:
        setattr(row, name, values[name])
    session.flush()
    audit.record(
        session,
        actor,
        "therapy_session.revise",
        "therapy_session",
        row.id,
        patient_id=row.patient_id,
        details={"fields": changed},
    )
    return row


def sign(session: Session, actor: Actor, session_id: uuid.UUID) -> TherapySession:
    row = _own_draft(session, actor, session_id)
    row.signed_by, row.signed_at = actor.user_id, utcnow()
    session.flush()
    audit.record(
        session, actor, "therapy_session.sign", "therapy_session", row.id, patient_id=row.patient_id
    )
    return row


def void(session: Session, actor: Actor, session_id: uuid.UUID, reason: str) -> TherapySession:
    row = TherapyRepository(session, actor).one_session(session_id, "clinical")
    if row is None or row.is_voided or rules.detail_level(actor.role) != "clinical":
        raise NotFound("no such therapy session")
    if not rules.may_void_session(actor.user_id, actor.role, row.therapist_id):
        raise PermissionDenied("Only the session's therapist or a physician may void it.")
    row.void(actor.user_id, reason)
    session.flush()
    audit.record(
        session,
        actor,
        "therapy_session.void",
        "therapy_session",
        row.id,
        patient_id=row.patient_id,
        details={"reason_given": True},
    )
    return row


def add_addendum(
    session: Session, actor: Actor, session_id: uuid.UUID, data: AddendumCreate
) -> TherapyAddendum:
    if not rules.may_record(actor.role):
        raise PermissionDenied("Only therapists and physicians add to therapy sessions.")
    row = TherapyRepository(session, actor).one_session(session_id, "clinical")
    if row is None or row.is_voided:
        raise NotFound("no such therapy session")
    if not row.is_signed:
        raise InvalidInput.one("text", "addenda follow signing; edit the unsigned session instead")
    addendum = TherapyAddendum(
        clinic_id=row.clinic_id, therapy_session_id=row.id, created_by=actor.user_id, text=data.text
    )
    TherapyRepository(session, actor).add(addendum)
    audit.record(
        session,
        actor,
        "therapy_session.addendum",
        "therapy_addendum",
        addendum.id,
        patient_id=row.patient_id,
        details={"therapy_session_id": str(row.id)},
    )
    return addendum


def for_export(
    session: Session, actor: Actor, patient_id: uuid.UUID, *, include_process_notes: bool = False
) -> list[dict[str, Any]]:
    """What exports and reports must use: one dict per current session, at the actor's level.

    Process notes are absent (no key at all) unless ``include_process_notes`` is True; then each
    session carries ``process_notes`` with only the notes this actor may read, each read audited
    (``process_note.export``), and notes withheld by the wall are audited as ``denied``.
    """
    level = level_of(actor)
    patients_service.get(session, actor, patient_id, audit_view=False)
    rows = TherapyRepository(session, actor).sessions_of_patient(patient_id, level)
    audit.record(
        session,
        actor,
        "therapy_session.export",
        "therapy_session",
        patient_id=patient_id,
        details={"count": len(rows), "detail": level, "process_notes": include_process_notes},
    )
    exported = []
    for row, shape in zip(rows, present(session, actor, rows), strict=True):
        item = shape.model_dump(mode="json")
        if include_process_notes:
            notes = process_notes.for_export(session, actor, row)
            item["process_notes"] = [note.model_dump(mode="json") for note in notes]
        exported.append(item)
    return exported
