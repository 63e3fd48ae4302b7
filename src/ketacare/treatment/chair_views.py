"""Chair pages: the room board, one session's screen and its actions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ketacare.eligibility import assessments, rescreen
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.forms import FormData
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service
from ketacare.patients.permissions import Measurer
from ketacare.scales import service as scales_service
from ketacare.scales.permissions import ScaleReader
from ketacare.treatment import (
    chair_steps,
    events_at_chair,
    rems,
    rems_service,
    sessions,
    vitals_rules,
)
from ketacare.treatment.session_models import VitalReading

router = APIRouter(include_in_schema=False)


def next_due(chair: sessions.Chair, readings: list[VitalReading], now: datetime) -> datetime | None:
    """When the next vital-sign reading is due at the protocol's cadence, or None."""
    row, monitoring = chair.row, chair.protocol.monitoring
    if row.state not in ("dosing", "observation"):
        return None
    every = (
        monitoring.vitals_every_min_during
        if row.state == "dosing"
        else monitoring.vitals_every_min_after
    )
    last = readings[-1].measured_at if readings else (row.dosing_started_at or now)
    return last + timedelta(minutes=every)


def scales_due(
    db: DbSession, actor: Actor, chair: sessions.Chair
) -> list[tuple[str, datetime, bool]]:
    """The protocol's scales at their minutes after dosing started, and whether each is done."""
    started = chair.row.dosing_started_at
    if started is None:
        return []
    done = {
        r.instrument_id
        for r in scales_service.responses(db, actor, chair.row.patient_id)
        if r.administered_at >= started
    }
    monitoring = chair.protocol.monitoring
    return [
        (instrument, started + timedelta(minutes=minute), instrument in done)
        for minute in monitoring.scales_at_min
        for instrument in monitoring.scales
    ]


@router.get("/chair")
def room_board(request: Request, db: DbSession, actor: ScaleReader) -> Response:
    now = utcnow()
    repository = sessions.SessionRepository(db, actor)
    rows: list[dict[str, Any]] = []
    active = repository.active()
    names = patients_service.names_of(db, actor, {r.patient_id for r in active})
    for row in active:
        chair = sessions.load(db, actor, row.id)
        due = next_due(chair, repository.readings(row.id), now)
        rows.append(
            {"row": row, "name": names.get(row.patient_id, "patient"), "due": due, "now": now}
        )
    return render(request, "treatment/board.html", {"rows": rows, "now": now})


def _page(
    request: Request,
    db: DbSession,
    actor: Actor,
    session_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    gates: list[Any] | None = None,
    unmet: list[str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    now = utcnow()
    chair = sessions.load(db, actor, session_id)
    repository = sessions.SessionRepository(db, actor)
    readings = repository.readings(session_id)
    events = repository.events(session_id)
    last_gates = next(
        (e.detail.get("gates") for e in reversed(events) if e.kind == "prechecks"), None
    )
    context = {
        "scales_due": scales_due(db, actor, chair),
        "eligibility": assessments.status_for(
            db, actor, chair.row.patient_id, chair.course.treatment
        ),
        "rescreen": rescreen.rescreen(
            db,
            actor,
            request.app.state.drugs,
            chair.row.patient_id,
            chair.course.treatment,  # type: ignore[arg-type]
        ),
        "chair": chair,
        "s": chair.row,
        "patient": patients_service.get(db, actor, chair.row.patient_id),
        "readings": readings,
        "voided_readings": repository.voided_readings(session_id),
        "events": events,
        "gates": gates if gates is not None else last_gates,
        "unmet": unmet,
        "due": next_due(chair, readings, now),
        "now": now,
        "delivered": chair_steps.delivered_mg(db, actor, chair, now),
        "errors": errors or {},
        "form": form or {},
        "ae_types": events_at_chair.AE_TYPES,
        "drug_names": sorted(d.name for d in request.app.state.drugs.values()),
    }
    return render(request, "treatment/session.html", context, status_code=422 if errors else 200)


@router.get("/sessions/{session_id}")
def session_page(
    request: Request, session_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> Response:
    return _page(request, db, actor, session_id)


@router.post("/patients/{patient_id}/courses/{course_id}/check-in")
def check_in(
    patient_id: uuid.UUID, course_id: uuid.UUID, db: DbSession, actor: Measurer
) -> Response:
    row = sessions.check_in(db, actor, patient_id, course_id, utcnow())
    return RedirectResponse(f"/sessions/{row.id}", 303)


def _int(form: dict[str, str], name: str) -> int:
    try:
        return int(form.get(name, ""))
    except ValueError:
        raise InvalidInput.one(name, "must be a whole number") from None


@router.post("/sessions/{session_id}/{step}")
def act(
    request: Request,
    session_id: uuid.UUID,
    step: str,
    db: DbSession,
    actor: Measurer,
    form: FormData,
) -> Response:
    now = utcnow()
    chair = sessions.load(db, actor, session_id)
    gates: list[Any] | None = None
    unmet: list[str] | None = None
    try:
        if step == "prechecks":
            data = chair_steps.PrecheckInput(
                identity_confirmed="identity" in form,
                fasted_as_required="fasted" in form,
                escort_present="escort" in form,
                pregnancy_test_negative_today="pregnancy_negative" in form,
                hold_taken_today="hold_taken" in form,
                systolic_mmhg=_int(form, "systolic_mmhg"),
                diastolic_mmhg=_int(form, "diastolic_mmhg"),
                heart_rate_bpm=_int(form, "heart_rate_bpm"),
                spo2_pct=_int(form, "spo2_pct"),
            )
            found = chair_steps.record_prechecks(
                db, actor, chair, request.app.state.drugs, data, now, form.get("reason", "")
            )
            gates = [vars(g) for g in found]
        elif step == "order":
            chair_steps.sign_order(db, actor, chair, now)
        elif step == "start":
            chair_steps.start_dosing(db, actor, chair, form.get("lot_number", ""), now)
        elif step in ("pause", "resume", "rate_change", "stop"):
            rate = float(form["rate_ml_per_h"]) if form.get("rate_ml_per_h") else None
            chair_steps.pump(db, actor, chair, step, rate, form.get("reason", ""), now)
        elif step == "end":
            chair_steps.end_dosing(db, actor, chair, now)
        elif step == "vitals":
            reading = vitals_rules.Reading(
                *(
                    int(form[k]) if form.get(k) else None
                    for k in vitals_rules.Reading.__dataclass_fields__
                )
            )
            alarming = vitals_rules.check(reading, chair.protocol.thresholds)
            if alarming and "confirm" not in form and not vitals_rules.impossible(reading):
                worst = "; ".join(vitals_rules.describe(a) for a in alarming)
                raise InvalidInput.one("confirm", f"{worst}. Check the reading, then confirm it")
            sessions.record_reading(db, actor, chair, reading, now, "manual", now)
        elif step == "ae":
            events_at_chair.adverse_event(db, actor, chair, dict(form), now)
        elif step == "ae_resolve":
            events_at_chair.resolve(db, actor, chair, form.get("event", ""), now)
        elif step == "reading_void":
            sessions.void_reading(db, actor, chair, form.get("reading", ""), form.get("reason", ""))
        elif step == "event_void":
            events_at_chair.void(db, actor, chair, form.get("event", ""), form.get("reason", ""))
        elif step == "rescue":
            events_at_chair.rescue(db, actor, chair, request.app.state.drugs, dict(form), now)
        elif step == "device":
            events_at_chair.device_given(db, actor, chair, now)
        elif step == "rems":
            rems_service.mark_submitted(db, actor, chair, form.get("reference", ""), now)
        elif step == "respond":
            sessions.respond(
                db, actor, chair, uuid.UUID(form.get("reading", "")), form.get("response", "")
            )
        elif step == "discharge":
            unmet = (
                chair_steps.discharge(
                    db, actor, chair, "escort" in form, form.get("reason", ""), now
                )
                or None
            )
            if unmet is None:
                state = request.app.state
                chair_steps.complete_course_session(
                    db, actor, chair, state.instruments, state.settings, now
                )
        elif step == "cancel":
            chair_steps.cancel_or_abort(db, actor, chair, form.get("reason", ""), now)
        elif step == "sign":
            chair_steps.sign(db, actor, chair, form.get("note", ""), now)
        elif step == "addendum":
            chair_steps.addendum(db, actor, chair, form.get("text", ""), now)
        else:
            raise InvalidInput.one("action", f"unknown step '{step}'")
    except (InvalidInput, ValueError) as problem:
        db.rollback()
        errors = (
            problem.by_field() if isinstance(problem, InvalidInput) else {"action": str(problem)}
        )
        return _page(request, db, actor, session_id, errors, form=form)
    if (gates is not None and chair.row.state == "checked_in") or unmet:
        return _page(request, db, actor, session_id, None, gates, unmet)
    return RedirectResponse(f"/sessions/{session_id}", 303)


@router.get("/sessions/{session_id}/rems")
def rems_form(
    request: Request, session_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> Response:
    """The Patient Monitoring Form content, printable; with ``?format=csv`` as CSV."""
    chair = sessions.load(db, actor, session_id)
    rows = rems.pmf_rows(rems_service.facts(db, actor, chair, request.app.state.drugs))
    if request.query_params.get("format") == "csv":
        headers = {"content-disposition": f'attachment; filename="pmf-{session_id}.csv"'}
        return PlainTextResponse(rems.pmf_csv(rows), media_type="text/csv", headers=headers)
    events = sessions.SessionRepository(db, actor).events(session_id)
    submitted = next((e for e in events if e.kind == "rems_submitted"), None)
    started = chair.row.dosing_started_at
    context = {
        "chair": chair,
        "rows": rows,
        "submitted": submitted,
        "due": rems.due_on(started.date()) if started else None,
    }
    return render(request, "treatment/rems.html", context)
