"""Therapy pages: the patient's sessions, one session (with its walled process notes), and the
administrator's page that grants roles the right to read process notes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ketacare.accounts.deps import RequireRole
from ketacare.accounts.rules import ROLE_LABELS
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service
from ketacare.therapy import process_notes, rules, service
from ketacare.therapy.api import TherapyReader, TherapyRecorder
from ketacare.therapy.repository import TherapyRepository
from ketacare.therapy.schemas import (
    AddendumCreate,
    GrantCreate,
    ProcessNoteCreate,
    SessionCreate,
    SessionRead,
    VoidInput,
)

router = APIRouter(include_in_schema=False)
Admin = Annotated[Actor, Depends(RequireRole("admin"))]
BASE = "/patients/{patient_id}/therapy"

CHOICES = {
    "therapy_types": [(t, rules.THERAPY_TYPE_LABELS[t]) for t in rules.THERAPY_TYPES],
    "modalities": [(m, m.capitalize()) for m in rules.MODALITIES],
    "deliveries": [(d, d.replace("_", " ").capitalize()) for d in rules.DELIVERIES],
    "type_labels": rules.THERAPY_TYPE_LABELS,
}


def _errors(invalid: InvalidInput) -> dict[str, str]:
    """``themes.2`` and the like are shown beside their form field."""
    return {key.split(".")[0]: message for key, message in invalid.by_field().items()}


def _session_input(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = filled(form)
    values["themes"] = rules.split_themes(form.get("themes", ""))
    return values


def _list_page(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    rows = service.sessions_for_patient(db, actor, patient_id)
    context = {
        **CHOICES,
        "patient": patients_service.get(db, actor, patient_id, audit_view=False),
        "sessions": service.present(db, actor, rows),
        "can_record": rules.may_record(actor.role),
        "today": request.app.state.today().isoformat(),
        "errors": errors or {},
        "form": form or {},
    }
    status = 422 if errors else 200
    return render(request, "therapy/list.html", context, status_code=status)


def _detail_page(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    errors: dict[str, dict[str, str]] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    row = service.get(db, actor, session_id)
    if row.patient_id != patient_id:
        raise NotFound("no such therapy session")
    shape = service.present(db, actor, [row])[0]
    clinical = isinstance(shape, SessionRead)
    wall_open = clinical and process_notes.may_open(db, actor, row)
    author = actor.user_id == row.therapist_id
    context = {
        **CHOICES,
        "patient": patients_service.get(db, actor, patient_id, audit_view=False),
        "s": shape,
        "clinical": clinical,
        "show_notes": wall_open,
        "notes": process_notes.shown_on_page(db, actor, row) if wall_open else [],
        "can_write_note": clinical and not row.is_voided and author,
        "can_edit": clinical and rules.may_change_draft(actor.user_id, row.therapist_id, row.is_signed)
        and not row.is_voided,
        "can_addend": clinical and row.is_signed and not row.is_voided and rules.may_record(actor.role),
        "can_void": clinical and not row.is_voided
        and rules.may_void_session(actor.user_id, actor.role, row.therapist_id),
        "errors": errors or {},
        "form": form or {},
    }  # fmt: skip
    status = 422 if errors else 200
    return render(request, "therapy/detail.html", context, status_code=status)


def _to_detail(patient_id: uuid.UUID, session_id: uuid.UUID, anchor: str = "") -> Response:
    return RedirectResponse(f"/patients/{patient_id}/therapy/{session_id}{anchor}", 303)


@router.get(BASE)
def list_page(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: TherapyReader
) -> Response:
    return _list_page(request, db, actor, patient_id)


@router.post(BASE)
def create(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: TherapyRecorder, form: FormData
) -> Response:
    try:
        row = service.record(db, actor, patient_id, parse(SessionCreate, _session_input(form)))
    except InvalidInput as invalid:
        db.rollback()
        return _list_page(request, db, actor, patient_id, _errors(invalid), form)
    return _to_detail(patient_id, row.id)


@router.get(BASE + "/{session_id}")
def detail_page(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyReader,
) -> Response:
    return _detail_page(request, db, actor, patient_id, session_id)


def _act(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    form_name: str,
    form: dict[str, str],
    action: Any,
    anchor: str = "",
) -> Response:
    """Run one form's action; on bad input re-show the page with that form's messages."""
    try:
        action()
    except InvalidInput as invalid:
        db.rollback()
        errors = {form_name: _errors(invalid)}
        return _detail_page(request, db, actor, patient_id, session_id, errors, form)
    return _to_detail(patient_id, session_id, anchor)


@router.post(BASE + "/{session_id}/edit")
def edit(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
    form: FormData,
) -> Response:
    def action() -> None:
        service.revise_draft(db, actor, session_id, parse(SessionCreate, _session_input(form)))

    return _act(request, db, actor, patient_id, session_id, "edit", form, action)


@router.post(BASE + "/{session_id}/sign")
def sign(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
) -> Response:
    def action() -> None:
        service.sign(db, actor, session_id)

    return _act(request, db, actor, patient_id, session_id, "sign", {}, action)


@router.post(BASE + "/{session_id}/void")
def void(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
    form: FormData,
) -> Response:
    def action() -> None:
        service.void(db, actor, session_id, parse(VoidInput, filled(form)).reason)

    return _act(request, db, actor, patient_id, session_id, "void", form, action)


@router.post(BASE + "/{session_id}/addenda")
def addendum(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
    form: FormData,
) -> Response:
    def action() -> None:
        service.add_addendum(db, actor, session_id, parse(AddendumCreate, filled(form)))

    return _act(request, db, actor, patient_id, session_id, "addendum", form, action, "#addenda")


@router.post(BASE + "/{session_id}/process-notes")
def write_note(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
    form: FormData,
) -> Response:
    def action() -> None:
        row = service.get(db, actor, session_id)
        process_notes.write(db, actor, row, parse(ProcessNoteCreate, filled(form)))

    return _act(request, db, actor, patient_id, session_id, "note", form, action, "#process-notes")


@router.post(BASE + "/{session_id}/process-notes/{note_id}/void")
def void_note(
    request: Request,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    note_id: uuid.UUID,
    db: DbSession,
    actor: TherapyRecorder,
    form: FormData,
) -> Response:
    def action() -> None:
        row = service.get(db, actor, session_id)
        process_notes.void(db, actor, row, note_id, parse(VoidInput, filled(form)).reason)

    return _act(request, db, actor, patient_id, session_id, "note", {}, action, "#process-notes")


# --- the administrator's grants ------------------------------------------------------------


def _grants_page(
    request: Request, db: Session, actor: Actor, errors: dict[str, str] | None = None
) -> Response:
    grants = process_notes.grants(db, actor)
    active = {g.role for g in grants if g.revoked_at is None}
    context = {
        "grants": grants,
        "names": TherapyRepository(db, actor).user_names(
            [g.granted_by for g in grants] + [g.revoked_by for g in grants if g.revoked_by]
        ),
        "grantable": [(r, ROLE_LABELS[r]) for r in rules.GRANTABLE_ROLES if r not in active],
        "role_labels": ROLE_LABELS,
        "errors": errors or {},
    }
    return render(request, "therapy/grants.html", context, status_code=422 if errors else 200)


@router.get("/admin/process-notes")
def grants_page(request: Request, db: DbSession, actor: Admin) -> Response:
    return _grants_page(request, db, actor)


@router.post("/admin/process-notes")
def grant(request: Request, db: DbSession, actor: Admin, form: FormData) -> Response:
    try:
        process_notes.grant(db, actor, parse(GrantCreate, filled(form)))
    except InvalidInput as invalid:
        db.rollback()
        return _grants_page(request, db, actor, _errors(invalid))
    return RedirectResponse("/admin/process-notes", 303)


@router.post("/admin/process-notes/{grant_id}/revoke")
def revoke(
    request: Request, grant_id: uuid.UUID, db: DbSession, actor: Admin, form: FormData
) -> Response:
    try:
        process_notes.revoke(db, actor, grant_id, parse(VoidInput, filled(form)).reason)
    except InvalidInput as invalid:
        db.rollback()
        return _grants_page(request, db, actor, _errors(invalid))
    return RedirectResponse("/admin/process-notes", 303)
