"""Clinician pages for scales: a patient's scores, entry forms, sending links, the alert worklist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import mfa
from ketacare.accounts.deps import settings_of
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.mail import MailNotSent
from ketacare.kit.schemas import parse
from ketacare.kit.web.forms import FormData, safe_path
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service
from ketacare.patients.schemas import VoidRequest
from ketacare.scales import links, service
from ketacare.scales.definitions import Instrument, get_instrument
from ketacare.scales.permissions import Clinician, LinkIssuer, ScaleReader
from ketacare.scales.presentation import answers_from_form, patient_scales_context
from ketacare.treatment import history

router = APIRouter(include_in_schema=False)


def _given(db: Session, actor: Actor, patient_id: uuid.UUID) -> list[datetime]:
    return [g.at for g in history.given_sessions(db, actor, patient_id)]


def _instruments(request: Request) -> dict[str, Instrument]:
    instruments: dict[str, Instrument] = request.app.state.instruments
    return instruments


@router.get("/patients/{patient_id}/scales")
def scales_page(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> Response:
    context = patient_scales_context(
        db,
        actor,
        settings_of(request),
        patient_id,
        _instruments(request),
        _given(db, actor, patient_id),
    )
    return render(request, "scales/patient_scales.html", context)


def _entry_form(
    request: Request,
    patient: Any,
    instrument: Instrument,
    answers: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    context = {"patient": patient, "instrument": instrument, "answers": answers, "errors": errors}
    return render(request, "scales/entry.html", context, status_code=422 if errors else 200)


@router.get("/patients/{patient_id}/scales/{instrument_id}/new")
def entry_page(
    request: Request, patient_id: uuid.UUID, instrument_id: str, db: DbSession, actor: Clinician
) -> Response:
    instrument = get_instrument(_instruments(request), instrument_id)
    patient = patients_service.get(db, actor, patient_id)
    return _entry_form(request, patient, instrument, {}, {})


@router.post("/patients/{patient_id}/scales/{instrument_id}")
def entry_submit(
    request: Request,
    patient_id: uuid.UUID,
    instrument_id: str,
    db: DbSession,
    actor: Clinician,
    form: FormData,
) -> Response:
    instrument = get_instrument(_instruments(request), instrument_id)
    answers, problems = answers_from_form(instrument, form)
    try:
        if problems:
            raise problems
        service.record_response(db, actor, instrument, patient_id, answers)
    except InvalidInput as invalid:
        db.rollback()
        patient = patients_service.get(db, actor, patient_id, audit_view=False)
        return _entry_form(request, patient, instrument, dict(form), invalid.by_field())
    return RedirectResponse(f"/patients/{patient_id}/scales#{instrument.id}", 303)


def _send_page(
    request: Request, db: DbSession, actor: Actor, patient_id: uuid.UUID, error: str | None = None
) -> Response:
    patient = patients_service.get(db, actor, patient_id, audit_view=False)
    self_report = [i for i in _instruments(request).values() if i.rater == "self"]
    context = {"patient": patient, "instruments": self_report, "error": error}
    return render(request, "scales/send.html", context, status_code=422 if error else 200)


@router.get("/patients/{patient_id}/links/new")
def send_page(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: LinkIssuer
) -> Response:
    return _send_page(request, db, actor, patient_id)


@router.post("/patients/{patient_id}/links")
def issue_link(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: LinkIssuer, form: FormData
) -> Response:
    instrument = get_instrument(_instruments(request), form.get("instrument", ""))
    try:
        issued = links.issue_link(
            db, actor, settings_of(request), instrument, patient_id, form.get("delivery", "desk")
        )
    except (InvalidInput, MailNotSent) as error:
        db.rollback()
        return _send_page(request, db, actor, patient_id, str(error))
    context = {
        "issued": issued,
        "instrument": instrument,
        "qr_svg": mfa.qr_svg(issued.url),
        "patient": patients_service.get(db, actor, patient_id, audit_view=False),
    }
    return render(request, "scales/link_issued.html", context)


@router.post("/patients/{patient_id}/scales/responses/{response_id}/void")
def void_response(
    request: Request,
    patient_id: uuid.UUID,
    response_id: uuid.UUID,
    db: DbSession,
    actor: Clinician,
    form: FormData,
) -> Response:
    try:
        reason = parse(VoidRequest, form).reason
    except InvalidInput as invalid:
        context = patient_scales_context(
            db,
            actor,
            settings_of(request),
            patient_id,
            _instruments(request),
            _given(db, actor, patient_id),
        )
        context["void_error"] = invalid.by_field()["reason"]
        return render(request, "scales/patient_scales.html", context, status_code=422)
    service.void_response(db, actor, patient_id, response_id, reason)
    return RedirectResponse(f"/patients/{patient_id}/scales", 303)


@router.get("/alerts")
def alerts_page(request: Request, db: DbSession, actor: ScaleReader) -> Response:
    return _alerts(request, db, actor, {})


def _alerts(request: Request, db: DbSession, actor: Actor, errors: dict[str, str]) -> Response:
    alerts = service.open_alerts(db, actor)
    names = patients_service.names_of(db, actor, {a.patient_id for a in alerts})
    context = {"alerts": alerts, "names": names, "errors": errors}
    return render(request, "scales/alerts.html", context, status_code=422 if errors else 200)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request, alert_id: uuid.UUID, db: DbSession, actor: Clinician, form: FormData
) -> Response:
    try:
        service.acknowledge_alert(db, actor, alert_id, form.get("note", ""))
    except InvalidInput as invalid:
        db.rollback()
        return _alerts(request, db, actor, {str(alert_id): invalid.by_field()["note"]})
    return RedirectResponse(safe_path(form.get("back"), "/alerts"), 303)
