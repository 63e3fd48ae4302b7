"""Consent pages: a patient's overview, the tablet signing page, signed texts, the documents."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service as accounts_service
from ketacare.consent import rules, service
from ketacare.consent.permissions import (
    PUBLISH_ROLES,
    WITHDRAW_ROLES,
    WITNESS_ROLES,
    ConsentReader,
    Publisher,
    Withdrawer,
    Witness,
)
from ketacare.consent.schemas import DocumentCreate, SignatureCreate, Withdrawal
from ketacare.eligibility.screening import Treatment
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, filled
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service

router = APIRouter(include_in_schema=False)


def _treatment(value: str) -> Treatment:
    treatment = rules.treatment_of(value)
    if treatment is None:
        raise NotFound("no such treatment")
    return treatment


def _page(
    request: Request, name: str, context: dict[str, Any], errors: dict[str, str] | None = None
) -> Response:
    base = {"labels": rules.TREATMENT_LABELS, "errors": errors or {}}
    return render(request, name, {**base, **context}, status_code=422 if errors else 200)


def _overview(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    failed: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id, audit_view=False)
    statuses = service.statuses(db, actor, patient_id)
    history = service.history(db, actor, patient_id)
    names = accounts_service.names_of(db, actor, {s.witnessed_by for s in history})
    context = {
        "patient": patient,
        "statuses": statuses,
        "history": history,
        "names": names,
        "failed": failed,
        "may_witness": actor.role in WITNESS_ROLES,
        "may_withdraw": actor.role in WITHDRAW_ROLES,
    }
    return _page(request, "consent/overview.html", context, errors)


@router.get("/patients/{patient_id}/consent")
def overview(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ConsentReader
) -> Response:
    return _overview(request, db, actor, patient_id)


def _sign_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    patient_id: uuid.UUID,
    treatment: Treatment,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    document = service.current_document(db, actor, treatment)
    context = {
        "patient": patient,
        "treatment": treatment,
        "document": document,
        "blocks": rules.blocks(document.body),
        "form": form or {"signed_on": utcnow().date().isoformat()},
    }
    return _page(request, "consent/sign.html", context, errors)


@router.get("/patients/{patient_id}/consent/{treatment}/sign")
def sign_page(
    request: Request, patient_id: uuid.UUID, treatment: str, db: DbSession, actor: Witness
) -> Response:
    return _sign_page(request, db, actor, patient_id, _treatment(treatment))


def _parse_signature(data: dict[str, object]) -> SignatureCreate:
    """Shape errors, plus the unticked confirmation, so the form shows every problem at once."""
    try:
        return parse(SignatureCreate, data)
    except InvalidInput as invalid:
        if not data["staff_confirmed"]:
            invalid.problems.append(FieldProblem("staff_confirmed", service.UNCONFIRMED))
        raise


@router.post("/patients/{patient_id}/consent/{treatment}/sign")
def sign(
    request: Request,
    patient_id: uuid.UUID,
    treatment: str,
    db: DbSession,
    actor: Witness,
    form: FormData,
) -> Response:
    known = _treatment(treatment)
    data: dict[str, object] = dict(filled(form))
    data["staff_confirmed"] = bool(form.get("staff_confirmed"))  # unticked: nothing is sent
    try:
        given = _parse_signature(data)
        service.sign(
            db,
            actor,
            patient_id,
            given.document_id,
            given.typed_name,
            given.signed_on,
            given.staff_confirmed,
            treatment=known,
        )
    except InvalidInput as invalid:
        db.rollback()
        return _sign_page(request, db, actor, patient_id, known, form, invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/consent#{known}", 303)


@router.post("/patients/{patient_id}/consent/{treatment}/withdraw")
def withdraw(
    request: Request,
    patient_id: uuid.UUID,
    treatment: str,
    db: DbSession,
    actor: Withdrawer,
    form: FormData,
) -> Response:
    known = _treatment(treatment)
    try:
        given = parse(Withdrawal, filled(form))
        service.withdraw(db, actor, patient_id, known, given.reason)
    except InvalidInput as invalid:
        db.rollback()
        return _overview(request, db, actor, patient_id, f"withdraw-{known}", invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/consent#{known}", 303)


@router.post("/patients/{patient_id}/consent/signatures/{signature_id}/void")
def void(
    request: Request,
    patient_id: uuid.UUID,
    signature_id: uuid.UUID,
    db: DbSession,
    actor: Withdrawer,
    form: FormData,
) -> Response:
    try:
        given = parse(Withdrawal, filled(form))
        service.void_signature(db, actor, patient_id, signature_id, given.reason)
    except InvalidInput as invalid:
        db.rollback()
        return _overview(request, db, actor, patient_id, f"void-{signature_id}", invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/consent#history", 303)


@router.get("/patients/{patient_id}/consent/signatures/{signature_id}")
def signature_page(
    request: Request,
    patient_id: uuid.UUID,
    signature_id: uuid.UUID,
    db: DbSession,
    actor: ConsentReader,
) -> Response:
    patient = patients_service.get(db, actor, patient_id, audit_view=False)
    row = service.signature(db, actor, patient_id, signature_id)
    user_ids = {row.witnessed_by} | ({row.withdrawn_by} if row.withdrawn_by else set())
    context = {
        "patient": patient,
        "signature": row,
        "blocks": rules.blocks(row.signed_text),
        "intact": rules.sha256_of(row.signed_text) == row.document_sha256,
        "names": accounts_service.names_of(db, actor, user_ids),
    }
    return _page(request, "consent/signature.html", context)


@router.get("/consent/documents")
def documents(request: Request, db: DbSession, actor: ConsentReader) -> Response:
    found = {t: service.versions(db, actor, t) for t in rules.TREATMENTS}
    context = {"versions": found, "may_publish": actor.role in PUBLISH_ROLES}
    return _page(request, "consent/documents.html", context)


@router.get("/consent/documents/{treatment}/{version}")
def document(
    request: Request, treatment: str, version: int, db: DbSession, actor: ConsentReader
) -> Response:
    row = service.document_version(db, actor, _treatment(treatment), version)
    names = accounts_service.names_of(db, actor, {row.created_by})
    context = {"document": row, "blocks": rules.blocks(row.body), "names": names}
    return _page(request, "consent/document.html", context)


def _publish_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    treatment: Treatment,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    current = service.current_document(db, actor, treatment)
    context = {
        "treatment": treatment,
        "current": current,
        "form": form or {"title": current.title, "body": current.body},
    }
    return _page(request, "consent/publish.html", context, errors)


@router.get("/consent/documents/{treatment}")
def publish_page(request: Request, treatment: str, db: DbSession, actor: Publisher) -> Response:
    return _publish_page(request, db, actor, _treatment(treatment))


@router.post("/consent/documents/{treatment}")
def publish(
    request: Request, treatment: str, db: DbSession, actor: Publisher, form: FormData
) -> Response:
    known = _treatment(treatment)
    try:
        given = parse(DocumentCreate, filled(form))
        row = service.publish_version(db, actor, known, given.title, given.body)
    except InvalidInput as invalid:
        db.rollback()
        return _publish_page(request, db, actor, known, form, invalid.by_field())
    return RedirectResponse(f"/consent/documents/{known}/{row.version}", 303)
