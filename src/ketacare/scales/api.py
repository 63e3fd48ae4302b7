"""JSON API for scales: instruments, responses (scored on submission), outcomes, safety alerts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ketacare.accounts.deps import settings_of
from ketacare.kit.db.session import DbSession
from ketacare.patients.schemas import VoidRequest
from ketacare.scales import service
from ketacare.scales.definitions import Instrument, get_instrument
from ketacare.scales.permissions import Clinician, ScaleReader
from ketacare.scales.schemas import (
    AcknowledgeRequest,
    AlertRead,
    InstrumentRead,
    OutcomeRead,
    ResponseCreate,
    ResponseCreated,
    ResponseRead,
    ScorePointRead,
)
from ketacare.treatment import history

router = APIRouter(tags=["scales"])


def _instruments(request: Request) -> dict[str, Instrument]:
    instruments: dict[str, Instrument] = request.app.state.instruments
    return instruments


@router.get("/instruments", response_model=list[InstrumentRead])
def list_instruments(request: Request, _actor: ScaleReader) -> list[InstrumentRead]:
    return [InstrumentRead.model_validate(i) for i in _instruments(request).values()]


@router.post("/patients/{patient_id}/responses", response_model=ResponseCreated, status_code=201)
def submit_response(
    request: Request, patient_id: uuid.UUID, data: ResponseCreate, db: DbSession, actor: Clinician
) -> ResponseCreated:
    instrument = get_instrument(_instruments(request), data.instrument)
    response, alerts = service.record_response(
        db,
        actor,
        instrument,
        patient_id,
        data.answers,
        administered_at=data.administered_at,
        source="api",
    )
    read = ResponseRead.model_validate(response)
    return ResponseCreated(
        **read.model_dump(), alerts=[AlertRead.model_validate(a) for a in alerts]
    )


@router.get("/patients/{patient_id}/responses", response_model=list[ResponseRead])
def list_responses(
    patient_id: uuid.UUID,
    db: DbSession,
    actor: ScaleReader,
    instrument: Annotated[str | None, Query(max_length=40)] = None,
) -> list[ResponseRead]:
    rows = service.responses(db, actor, patient_id, instrument)
    return [ResponseRead.model_validate(r) for r in rows]


@router.post("/patients/{patient_id}/responses/{response_id}/void", status_code=204)
def void_response(
    patient_id: uuid.UUID,
    response_id: uuid.UUID,
    data: VoidRequest,
    db: DbSession,
    actor: Clinician,
) -> None:
    """Withdraw a wrongly entered response; it stays stored with who, when and why."""
    service.void_response(db, actor, patient_id, response_id, data.reason)


@router.get("/patients/{patient_id}/outcomes", response_model=list[OutcomeRead])
def patient_outcomes(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> list[OutcomeRead]:
    """Baseline, change, response, remission and relapse for each instrument with scores."""
    rows = service.responses(db, actor, patient_id)
    given = history.given_sessions(db, actor, patient_id)
    first = given[0].at if given else None
    answer = []
    for instrument_id in sorted({r.instrument_id for r in rows}):
        instrument = get_instrument(_instruments(request), instrument_id)
        own = [r for r in rows if r.instrument_id == instrument_id]
        outcome = service.outcome_of(instrument, own, settings_of(request), first)
        if outcome is None:
            continue
        ttr = outcome.time_to_first_response
        answer.append(
            OutcomeRead(
                instrument=instrument_id,
                baseline=ScorePointRead.model_validate(outcome.baseline)
                if outcome.baseline
                else None,
                baseline_source=outcome.baseline_source,
                latest=ScorePointRead.model_validate(outcome.latest) if outcome.latest else None,
                change=outcome.change,
                percent_change=outcome.percent_change,
                status=outcome.status,
                remission=outcome.remission,
                ever_responded=outcome.ever_responded,
                ever_remitted=outcome.ever_remitted,
                time_to_first_response_days=ttr.total_seconds() / 86400 if ttr else None,
                relapsed=outcome.relapsed,
                relapse_at=outcome.relapse_at,
            )
        )
    return answer


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(db: DbSession, actor: ScaleReader) -> list[AlertRead]:
    return [AlertRead.model_validate(a) for a in service.open_alerts(db, actor)]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge_alert(
    alert_id: uuid.UUID, data: AcknowledgeRequest, db: DbSession, actor: Clinician
) -> AlertRead:
    return AlertRead.model_validate(service.acknowledge_alert(db, actor, alert_id, data.note))
