"""Psychotherapy process notes behind their wall, and the clinic's grants to read them.

Only the author reads a process note, unless the clinic administrator has granted the reader's
role (physician, nurse or therapist). The wall is in the repository's SQL; every note read is
audited one event per note in the caller's transaction, and refused requests as ``denied``.
Notes are append-only: a correction is a new note plus a void row for the old one.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound, PermissionDenied
from ketacare.therapy import rules
from ketacare.therapy.models import ProcessNote, ProcessNoteGrant, ProcessNoteVoid, TherapySession
from ketacare.therapy.repository import TherapyRepository
from ketacare.therapy.schemas import GrantCreate, ProcessNoteCreate, ProcessNoteRead

VIEW, EXPORT = "process_note.view", "process_note.export"


def _audit_reads(
    session: Session, actor: Actor, row: TherapySession, notes: list[ProcessNote], action: str
) -> None:
    for note in notes:
        audit.record(
            session,
            actor,
            action,
            "process_note",
            note.id,
            patient_id=row.patient_id,
            details={"therapy_session_id": str(row.id)},
        )


def _audit_denied(
    session: Session, actor: Actor, row: TherapySession, action: str, withheld: int
) -> None:
    audit.record(
        session,
        actor,
        action,
        "therapy_session",
        row.id,
        patient_id=row.patient_id,
        outcome="denied",
        details={"withheld": withheld},
    )


def may_open(session: Session, actor: Actor, row: TherapySession) -> bool:
    """Whether the actor has any business with this session's process notes at all."""
    repository = TherapyRepository(session, actor)
    return actor.user_id == row.therapist_id or repository.role_granted()


def shown_on_page(session: Session, actor: Actor, row: TherapySession) -> list[ProcessNote]:
    """The notes the actor may read on the session page, each read audited."""
    notes = TherapyRepository(session, actor).readable_notes(row.id)
    _audit_reads(session, actor, row, notes, VIEW)
    return notes


def requested(session: Session, actor: Actor, row: TherapySession) -> list[ProcessNote] | None:
    """An explicit request for a session's notes: the readable ones, or None when refused.

    A refusal is audited with outcome ``denied`` and returned (not raised) so the caller can
    answer 403 and still commit the audit event.
    """
    repository = TherapyRepository(session, actor)
    notes = repository.readable_notes(row.id)
    if not notes and not may_open(session, actor, row):
        _audit_denied(session, actor, row, VIEW, repository.withheld_count(row.id, 0))
        return None
    _audit_reads(session, actor, row, notes, VIEW)
    return notes


def for_export(session: Session, actor: Actor, row: TherapySession) -> list[ProcessNoteRead]:
    repository = TherapyRepository(session, actor)
    notes = repository.readable_notes(row.id)
    _audit_reads(session, actor, row, notes, EXPORT)
    withheld = repository.withheld_count(row.id, len(notes))
    if withheld:
        _audit_denied(session, actor, row, EXPORT, withheld)
    return [ProcessNoteRead.model_validate(note) for note in notes]


def write(
    session: Session, actor: Actor, row: TherapySession, data: ProcessNoteCreate
) -> ProcessNote:
    """A new note by the session's therapist; with ``replaces_id`` the old one is voided."""
    if row.is_voided:
        raise NotFound("no such therapy session")
    if not rules.may_write_process_note(actor.user_id, row.therapist_id):
        raise PermissionDenied("Only the session's therapist writes its process notes.")
    assert actor.user_id is not None
    repository = TherapyRepository(session, actor)
    replaced = None
    if data.replaces_id is not None:
        replaced = repository.note_of_author(data.replaces_id)
        if replaced is None or replaced.therapy_session_id != row.id:
            raise InvalidInput.one(
                "replaces_id", "is not one of your current notes on this session"
            )
    note = ProcessNote(
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        therapy_session_id=row.id,
        author_id=actor.user_id,
        text=data.text,
        replaces_id=data.replaces_id,
    )
    repository.add(note)
    audit.record(
        session,
        actor,
        "process_note.create",
        "process_note",
        note.id,
        patient_id=row.patient_id,
        details={"therapy_session_id": str(row.id), "corrects": str(data.replaces_id or "")},
    )
    if replaced is not None:
        _void(session, actor, row, replaced, data.reason or "corrected")
    return note


def _void(
    session: Session, actor: Actor, row: TherapySession, note: ProcessNote, reason: str
) -> None:
    assert actor.user_id is not None
    TherapyRepository(session, actor).add(
        ProcessNoteVoid(
            clinic_id=note.clinic_id,
            process_note_id=note.id,
            voided_by=actor.user_id,
            reason=reason,
        )
    )
    audit.record(
        session,
        actor,
        "process_note.void",
        "process_note",
        note.id,
        patient_id=row.patient_id,
        details={"reason_given": True},
    )


def void(
    session: Session, actor: Actor, row: TherapySession, note_id: uuid.UUID, reason: str
) -> None:
    """The author withdraws one of their notes (the text stays stored, hidden from everyone)."""
    note = TherapyRepository(session, actor).note_of_author(note_id)
    if note is None or note.therapy_session_id != row.id:
        raise NotFound("no such process note")
    _void(session, actor, row, note, reason)


# --- the clinic's grants (administrator only) --------------------------------------------------


def _admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise PermissionDenied("Only the clinic administrator manages process-note access.")


def grants(session: Session, actor: Actor) -> list[ProcessNoteGrant]:
    _admin(actor)
    return TherapyRepository(session, actor).grants()


def granted_roles(session: Session, actor: Actor) -> set[str]:
    return {g.role for g in TherapyRepository(session, actor).grants() if g.revoked_at is None}


def grant(session: Session, actor: Actor, data: GrantCreate) -> ProcessNoteGrant:
    _admin(actor)
    assert actor.user_id is not None and actor.clinic_id is not None
    repository = TherapyRepository(session, actor)
    if repository.active_grant(data.role) is not None:
        raise InvalidInput.one("role", f"{data.role} may already read process notes")
    row = ProcessNoteGrant(clinic_id=actor.clinic_id, role=data.role, granted_by=actor.user_id)
    repository.add(row)
    audit.record(
        session, actor, "process_note_grant.create", "process_note_grant", row.id,
        details={"role": data.role},
    )  # fmt: skip
    return row


def revoke(session: Session, actor: Actor, grant_id: uuid.UUID, reason: str) -> ProcessNoteGrant:
    _admin(actor)
    row = TherapyRepository(session, actor).grant(grant_id)
    if row is None or row.revoked_at is not None:
        raise NotFound("no such active grant")
    row.revoked_by, row.revoked_at, row.revoke_reason = actor.user_id, utcnow(), reason
    session.flush()
    audit.record(
        session, actor, "process_note_grant.revoke", "process_note_grant", row.id,
        details={"role": row.role, "reason_given": True},
    )  # fmt: skip
    return row
