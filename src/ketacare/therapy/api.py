"""JSON API for therapy sessions. Only ``GET .../process-notes`` ever carries process-note text."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from ketacare.accounts.deps import RequireRole
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.therapy import process_notes, rules, service
from ketacare.therapy.models import TherapySession
from ketacare.therapy.schemas import (
    AddendumCreate,
    AddendumRead,
    AnySessionRead,
    ProcessNoteCreate,
    ProcessNoteRead,
    SessionCreate,
    SessionRead,
    VoidInput,
)

router = APIRouter(tags=["therapy"])

# Every reader reaches the service, which decides how much they see (and audits refusals).
TherapyReader = Annotated[Actor, Depends(RequireRole(*rules.ALL_READERS))]
TherapyRecorder = Annotated[Actor, Depends(RequireRole(*rules.RECORD_ROLES))]
DENIED = "Psychotherapy process notes are readable only by their author and granted roles."


def _clinical(db: DbSession, actor: Actor, row: TherapySession) -> SessionRead:
    shape = service.present(db, actor, [row])[0]
    assert isinstance(shape, SessionRead)
    return shape


@router.get("/patients/{patient_id}/therapy-sessions", response_model=list[AnySessionRead])
def list_sessions(
    patient_id: uuid.UUID, db: DbSession, actor: TherapyReader
) -> list[AnySessionRead]:
    rows = service.sessions_for_patient(db, actor, patient_id)
    return list(service.present(db, actor, rows))


@router.post("/patients/{patient_id}/therapy-sessions", response_model=SessionRead, status_code=201)
def record_session(
    patient_id: uuid.UUID, data: SessionCreate, db: DbSession, actor: TherapyRecorder
) -> SessionRead:
    return _clinical(db, actor, service.record(db, actor, patient_id, data))


@router.get("/therapy-sessions/{session_id}", response_model=AnySessionRead)
def get_session(session_id: uuid.UUID, db: DbSession, actor: TherapyReader) -> AnySessionRead:
    row = service.get(db, actor, session_id)
    return service.present(db, actor, [row])[0]


@router.put("/therapy-sessions/{session_id}", response_model=SessionRead)
def revise_session(
    session_id: uuid.UUID, data: SessionCreate, db: DbSession, actor: TherapyRecorder
) -> SessionRead:
    """Replace the fields of an unsigned session (its author only)."""
    return _clinical(db, actor, service.revise_draft(db, actor, session_id, data))


@router.post("/therapy-sessions/{session_id}/sign", response_model=SessionRead)
def sign_session(session_id: uuid.UUID, db: DbSession, actor: TherapyRecorder) -> SessionRead:
    return _clinical(db, actor, service.sign(db, actor, session_id))


@router.post("/therapy-sessions/{session_id}/void", response_model=SessionRead)
def void_session(
    session_id: uuid.UUID, data: VoidInput, db: DbSession, actor: TherapyRecorder
) -> SessionRead:
    return _clinical(db, actor, service.void(db, actor, session_id, data.reason))


@router.post("/therapy-sessions/{session_id}/addenda", response_model=AddendumRead, status_code=201)
def add_addendum(
    session_id: uuid.UUID, data: AddendumCreate, db: DbSession, actor: TherapyRecorder
) -> AddendumRead:
    return AddendumRead.model_validate(service.add_addendum(db, actor, session_id, data))


@router.get(
    "/therapy-sessions/{session_id}/process-notes",
    response_model=list[ProcessNoteRead],
    responses={403: {"description": "behind the psychotherapy-notes wall (audited)"}},
)
def read_process_notes(session_id: uuid.UUID, db: DbSession, actor: TherapyReader) -> Response:
    """The wall: the author's own notes, or all current notes for a granted role; else 403."""
    row = service.get(db, actor, session_id)
    notes = process_notes.requested(db, actor, row)
    if notes is None:
        return JSONResponse({"detail": DENIED}, status_code=403)  # the denial audit commits
    body = [ProcessNoteRead.model_validate(note).model_dump(mode="json") for note in notes]
    return JSONResponse(body)


@router.post(
    "/therapy-sessions/{session_id}/process-notes",
    response_model=ProcessNoteRead,
    status_code=201,
)
def write_process_note(
    session_id: uuid.UUID, data: ProcessNoteCreate, db: DbSession, actor: TherapyRecorder
) -> ProcessNoteRead:
    row = service.get(db, actor, session_id)
    return ProcessNoteRead.model_validate(process_notes.write(db, actor, row, data))


@router.post("/therapy-sessions/{session_id}/process-notes/{note_id}/void", status_code=204)
def void_process_note(
    session_id: uuid.UUID,
    note_id: uuid.UUID,
    data: VoidInput,
    db: DbSession,
    actor: TherapyRecorder,
) -> Response:
    row = service.get(db, actor, session_id)
    process_notes.void(db, actor, row, note_id, data.reason)
    return Response(status_code=204)
