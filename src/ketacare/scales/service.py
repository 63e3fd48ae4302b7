"""Scale use cases: record a response (scored, stored, alerting), read history, handle alerts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.patients import service as patients_service
from ketacare.scales.criteria import DeteriorationRule
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import SafetyAlert, ScaleResponse
from ketacare.scales.outcomes import Outcome, Score, evaluate
from ketacare.scales.repository import ScalesRepository
from ketacare.scales.scoring import ScoreResult, score


def record_response(
    session: Session,
    actor: Actor,
    instrument: Instrument,
    patient_id: uuid.UUID,
    answers: Mapping[str, int],
    *,
    administered_at: datetime | None = None,
    source: str = "clinician",
    link_id: uuid.UUID | None = None,
    created_by: uuid.UUID | None = None,
) -> tuple[ScaleResponse, list[SafetyAlert]]:
    """Score and store one administration; raise safety alerts in the same transaction."""
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    when = administered_at or utcnow()
    if when.tzinfo is None:
        raise InvalidInput.one("administered_at", "must include a time zone offset, e.g. +00:00")
    if when > utcnow():
        raise InvalidInput.one("administered_at", "cannot be in the future")
    result = score(instrument, answers)
    response = ScaleResponse(
        clinic_id=patient.clinic_id,
        created_by=created_by or actor.user_id,
        patient_id=patient.id,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        administered_at=when,
        source=source,
        link_id=link_id,
        answers=dict(answers),
        total=result.total,
        severity=result.severity,
        risk=result.risk,
        subscores=dict(result.subscores),
        flags=[flag.name for flag in result.flags],
        loinc_panel=instrument.loinc_panel,
        loinc_total=instrument.loinc_total,
    )
    repository = ScalesRepository(session, actor)
    repository.add(response)
    audit.record(
        session,
        actor,
        "scale_response.create",
        "scale_response",
        response.id,
        patient_id=patient.id,
        details={"instrument": instrument.id, "source": source},
    )
    alerts = [
        _raise_alert(session, actor, repository, response, kind, reason)
        for kind, reason in alert_reasons(instrument, result)
    ]
    return response, alerts


def alert_reasons(instrument: Instrument, result: ScoreResult) -> list[tuple[str, str]]:
    """What in this result needs a clinician's attention now, as (kind, human reason)."""
    return [
        (
            flag.name,
            f"{instrument.short_name}: {result.risk} risk"
            if not flag.item
            else f"{instrument.short_name} item {flag.item} answered {flag.value}",
        )
        for flag in result.flags
        if flag.safety
    ]


def _raise_alert(
    session: Session,
    actor: Actor,
    repository: ScalesRepository,
    response: ScaleResponse,
    kind: str,
    reason: str,
) -> SafetyAlert:
    alert = SafetyAlert(
        clinic_id=response.clinic_id,
        created_by=response.created_by,
        patient_id=response.patient_id,
        response_id=response.id,
        kind=kind,
        reason=reason,
    )
    repository.add(alert)
    audit.record(
        session,
        actor,
        "safety_alert.raise",
        "safety_alert",
        alert.id,
        patient_id=response.patient_id,
        details={"kind": kind},
    )
    return alert


def responses(
    session: Session, actor: Actor, patient_id: uuid.UUID, instrument_id: str | None = None
) -> list[ScaleResponse]:
    patients_service.get(session, actor, patient_id, audit_view=False)
    rows = ScalesRepository(session, actor).responses(patient_id, instrument_id)
    audit.record(
        session,
        actor,
        "scale_response.view",
        "scale_response",
        patient_id=patient_id,
        details={"instrument": instrument_id or "all", "count": len(rows)},
    )
    return rows


def outcome_of(
    instrument: Instrument,
    rows: list[ScaleResponse],
    settings: Settings,
    first_treatment_at: datetime | None = None,
) -> Outcome | None:
    """The outcome summary for one instrument's responses, with the clinic's outcome settings.

    Without a treatment session the baseline falls back to the first score and the outcome says
    so (``baseline_source``).
    """
    criteria = instrument.outcome_criteria
    scores = [Score(at=r.administered_at, total=r.total) for r in rows if r.total is not None]
    if criteria is None or not scores:
        return None
    return evaluate(
        scores,
        criteria,
        first_treatment_at=first_treatment_at,
        baseline_rule=settings.outcome_baseline,
        relapse=instrument.relapse_rule,
        deterioration=DeteriorationRule(settings.deterioration_min_increase_pct),
    )


def void_response(
    session: Session, actor: Actor, patient_id: uuid.UUID, response_id: uuid.UUID, reason: str
) -> None:
    row = ScalesRepository(session, actor).response(patient_id, response_id)
    if row is None:
        raise NotFound("no such response")
    row.void(actor.user_id, reason)
    audit.record(
        session, actor, "scale_response.void", "scale_response", row.id, patient_id=patient_id
    )


def open_alerts(
    session: Session, actor: Actor, patient_id: uuid.UUID | None = None
) -> list[SafetyAlert]:
    alerts = ScalesRepository(session, actor).open_alerts(patient_id)
    if alerts:
        audit.record(
            session, actor, "safety_alert.view", "safety_alert", details={"count": len(alerts)}
        )
    return alerts


def count_open_alerts(session: Session, actor: Actor) -> int:
    return ScalesRepository(session, actor).count_open_alerts()


def acknowledge_alert(
    session: Session, actor: Actor, alert_id: uuid.UUID, note: str
) -> SafetyAlert:
    note = note.strip()
    if len(note) < 5 or len(note) > 2000:
        raise InvalidInput.one(
            "note", "describe the action taken (5-2000 characters)", min_length=5, max_length=2000
        )
    alert = ScalesRepository(session, actor).alert(alert_id)
    if alert is None:
        raise NotFound("no such alert")
    if alert.acknowledged_at is not None:
        raise InvalidInput.one("note", "this alert was already acknowledged")
    alert.acknowledged_at, alert.acknowledged_by, alert.action_note = utcnow(), actor.user_id, note
    audit.record(
        session,
        actor,
        "safety_alert.acknowledge",
        "safety_alert",
        alert.id,
        patient_id=alert.patient_id,
    )
    return alert


def alerts_of_patient(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[SafetyAlert]:
    return ScalesRepository(session, actor).alerts_of(patient_id)
