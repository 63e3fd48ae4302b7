"""The steps after check-in: pre-checks, the order, dosing, discharge, signing, addenda."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.consent import service as consent_service
from ketacare.eligibility import assessments, rescreen
from ketacare.kit.actor import Actor
from ketacare.kit.errors import InvalidInput
from ketacare.medications import service as medications_service
from ketacare.medications.drugs import Drug
from ketacare.patients import service as patients_service
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument
from ketacare.treatment import (
    courses,
    delivery,
    discharge_rules,
    prechecks,
    session_machine,
    vitals_rules,
)
from ketacare.treatment.sessions import Chair, SessionRepository, event, record_reading, transition

MIN_REASON = 3


def _reason(reason: str, what: str) -> str:
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput.one("reason", f"is required to {what}")
    return reason.strip()


@dataclass(frozen=True)
class PrecheckInput:
    identity_confirmed: bool
    fasted_as_required: bool
    escort_present: bool
    pregnancy_test_negative_today: bool
    hold_taken_today: bool
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_pct: int


def precheck_facts(
    session: Session,
    actor: Actor,
    chair: Chair,
    drugs: dict[str, Drug],
    data: PrecheckInput,
) -> prechecks.PrecheckFacts:
    row = chair.row
    treatment = chair.course.treatment
    consent = consent_service.consent_status(session, actor, row.patient_id, treatment)  # type: ignore[arg-type]
    status = assessments.status_for(session, actor, row.patient_id, treatment)
    classes = medications_service.current_drug_classes(session, actor, drugs, row.patient_id)
    patient = patients_service.get(session, actor, row.patient_id, audit_view=False)
    alerts = scales_service.alerts_of_patient(session, actor, row.patient_id)
    return prechecks.PrecheckFacts(
        identity_confirmed=data.identity_confirmed,
        consent_valid=consent.valid,
        consent_reason=consent.reason,
        fasted_as_required=data.fasted_as_required,
        escort_present=data.escort_present,
        pregnancy_test_needed=patient.sex == "female",
        pregnancy_test_negative_today=data.pregnancy_test_negative_today,
        hold_classes_current=tuple(c for c in prechecks.HOLD_CLASSES if c in classes),
        hold_taken_today=data.hold_taken_today,
        eligibility_current=not status.needs_review,
        eligibility_reason=(
            "signed and up to date"
            if not status.needs_review
            else "; ".join(
                status.changes + _flags(session, actor, drugs, row.patient_id, treatment)
            )
            or "no signed assessment"
        ),
        systolic_mmhg=data.systolic_mmhg,
        diastolic_mmhg=data.diastolic_mmhg,
        open_suicidality_alerts=tuple(a.reason for a in alerts if a.acknowledged_at is None),
    )


def record_prechecks(
    session: Session,
    actor: Actor,
    chair: Chair,
    drugs: dict[str, Drug],
    data: PrecheckInput,
    now: datetime,
    override_reason: str = "",
) -> list[prechecks.Gate]:
    """Store the baseline reading and the gates; pass to "prechecked" when every gate passes,
    or when a physician overrides the failed ones with a reason."""
    reading = vitals_rules.Reading(
        data.systolic_mmhg, data.diastolic_mmhg, data.heart_rate_bpm, data.spo2_pct, None
    )
    record_reading(session, actor, chair, reading, now, "manual", now)
    facts = precheck_facts(session, actor, chair, drugs, data)
    found = prechecks.gates(chair.protocol, facts)
    failed = [g.name for g in found if not g.passed]
    detail: dict[str, object] = {"gates": [vars(g) for g in found]}
    event(session, actor, chair.row, "prechecks", now, detail)
    if failed and not override_reason.strip():
        return found
    if failed:
        if actor.role != "physician":
            raise InvalidInput.one("reason", "only a physician may override a failed gate")
        reason = _reason(override_reason, "override a failed gate")
        transition(
            session, actor, chair.row, "complete_prechecks", now, reason, {"overridden": failed}
        )
    else:
        transition(session, actor, chair.row, "complete_prechecks", now)
    return found


def sign_order(session: Session, actor: Actor, chair: Chair, now: datetime) -> None:
    if actor.role != "physician":
        raise InvalidInput.one("action", "only a physician signs the order")
    if chair.row.state not in ("checked_in", "prechecked") or chair.row.signed_at is not None:
        raise InvalidInput.one("action", "the order is signed before dosing starts")
    chair.row.order_signed_by, chair.row.order_signed_at = actor.user_id, now
    event(session, actor, chair.row, "order_signed", now, {"dose_mg": chair.row.ordered_dose_mg})


def start_dosing(
    session: Session, actor: Actor, chair: Chair, lot_number: str, now: datetime
) -> None:
    problem = session_machine.dosing_permission(actor.role, chair.row.order_signed_at is not None)
    if problem:
        raise InvalidInput.one("action", problem)
    if not 2 <= len(lot_number.strip()) <= 40:
        raise InvalidInput.one("lot_number", "is required (2 to 40 characters)")
    chair.row.lot_number = lot_number.strip()
    chair.row.dosing_started_at = now
    transition(session, actor, chair.row, "start_dosing", now)
    if chair.row.ordered_rate_ml_per_h:
        event(
            session,
            actor,
            chair.row,
            "pump.start",
            now,
            {"rate_ml_per_h": chair.row.ordered_rate_ml_per_h},
        )


def pump_events(session: Session, actor: Actor, chair: Chair) -> list[delivery.PumpEvent]:
    return [
        delivery.PumpEvent(e.kind.removeprefix("pump."), e.at, e.detail.get("rate_ml_per_h"))  # type: ignore[arg-type]
        for e in SessionRepository(session, actor).events(chair.row.id)
        if e.kind.startswith("pump.")
    ]


def pump(
    session: Session,
    actor: Actor,
    chair: Chair,
    kind: str,
    rate_ml_per_h: float | None,
    reason: str,
    now: datetime,
) -> None:
    """Pause, resume, change the rate or stop the infusion, with who and why."""
    if chair.row.state != "dosing":
        raise InvalidInput.one("action", "the infusion is not running in this session's state")
    new = delivery.PumpEvent(kind, now, rate_ml_per_h)  # type: ignore[arg-type]
    problem = delivery.next_event_problem(pump_events(session, actor, chair), new)
    if problem:
        raise InvalidInput.one("action", problem)
    why = _reason(reason, f"{kind.replace('_', ' ')} the infusion") if kind != "resume" else reason
    event(
        session,
        actor,
        chair.row,
        f"pump.{kind}",
        now,
        {"rate_ml_per_h": rate_ml_per_h},
        why or None,
    )
    if kind == "stop":
        end_dosing(session, actor, chair, now)


def end_dosing(session: Session, actor: Actor, chair: Chair, now: datetime) -> None:
    chair.row.dosing_ended_at = now
    given = delivered_mg(session, actor, chair, now)
    transition(session, actor, chair.row, "end_dosing", now, detail={"delivered_mg": given})


def delivered_mg(session: Session, actor: Actor, chair: Chair, now: datetime) -> float | None:
    if not chair.row.final_volume_ml:
        return None
    mg_per_ml = chair.row.ordered_dose_mg / chair.row.final_volume_ml
    events = pump_events(session, actor, chair)
    return round(delivery.delivered(events, mg_per_ml, now).dose_mg, 2) if events else 0.0


def cancel_or_abort(
    session: Session, actor: Actor, chair: Chair, reason: str, now: datetime
) -> None:
    action: session_machine.Action = (
        "abort" if chair.row.state in ("dosing", "observation") else "cancel"
    )
    why = _reason(reason, f"{action} the session")
    transition(session, actor, chair.row, action, now, why)


def sign(session: Session, actor: Actor, chair: Chair, note: str, now: datetime) -> None:
    if chair.row.state not in session_machine.TERMINAL:
        raise InvalidInput.one(
            "note", "the session can be signed once discharged, cancelled or aborted"
        )
    if chair.row.signed_at is not None:
        raise InvalidInput.one("note", "the session is already signed: add an addendum")
    if len(note.strip()) < 10:
        raise InvalidInput.one("note", "is required (at least 10 characters)")
    chair.row.note, chair.row.signed_by, chair.row.signed_at = note.strip(), actor.user_id, now
    event(session, actor, chair.row, "signed", now)


def addendum(session: Session, actor: Actor, chair: Chair, text: str, now: datetime) -> None:
    if chair.row.signed_at is None:
        raise InvalidInput.one("text", "the session is not signed yet: edit the note instead")
    event(session, actor, chair.row, "addendum", now, {"text": _reason(text, "add an addendum")})


def discharge_facts(
    session: Session, actor: Actor, chair: Chair, escort: bool, now: datetime
) -> discharge_rules.DischargeFacts:
    readings = SessionRepository(session, actor).readings(chair.row.id)

    def as_reading(index: int) -> vitals_rules.Reading | None:
        if not readings:
            return None
        r = readings[index]
        return vitals_rules.Reading(
            r.systolic_mmhg, r.diastolic_mmhg, r.heart_rate_bpm, r.spo2_pct, r.resp_rate
        )

    scores = scales_service.responses(session, actor, chair.row.patient_id)
    since = [
        s for s in scores if s.administered_at >= chair.row.checked_in_at and s.total is not None
    ]
    moaas = [s.total for s in since if s.instrument_id == "moaas"]
    aldrete = [s.total for s in since if s.instrument_id == "aldrete"]
    started, ended = chair.row.dosing_started_at, chair.row.dosing_ended_at
    return discharge_rules.DischargeFacts(
        baseline=as_reading(0),
        latest=as_reading(-1),
        latest_moaas=moaas[-1] if moaas else None,
        latest_aldrete=aldrete[-1] if aldrete else None,
        minutes_since_dosing_ended=(now - ended).total_seconds() / 60 if ended else None,
        minutes_since_dosing_started=(now - started).total_seconds() / 60 if started else None,
        observation_min=chair.protocol.monitoring.observation_min,
        treatment=chair.course.treatment,  # type: ignore[arg-type]
        escort_present=escort,
    )


def complete_course_session(
    session: Session,
    actor: Actor,
    chair: Chair,
    instruments: dict[str, Instrument],
    settings: Settings,
    now: datetime,
) -> None:
    """The course records the session as given, so its decision points run. Tolerated: the
    session was not aborted and no reading crossed a stop-advised threshold (ketacare's rule)."""
    readings = SessionRepository(session, actor).readings(chair.row.id)
    stopped = any(a.get("action") == "stop_advised" for r in readings for a in r.alerts)
    given = delivered_mg(session, actor, chair, now)
    dose = given if given else chair.row.ordered_dose_mg
    courses.record_session(
        session,
        actor,
        instruments,
        settings,
        chair.row.patient_id,
        chair.course.id,
        now.date(),
        dose,
        chair.row.state != "aborted" and not stopped,
        f"at the chair, session {chair.row.id}",
        now.date(),
    )


def discharge(
    session: Session, actor: Actor, chair: Chair, escort: bool, override: str, now: datetime
) -> list[str]:
    unmet = discharge_rules.unmet(
        discharge_facts(session, actor, chair, escort, now), discharge_rules.load_settings()
    )
    if unmet and not override.strip():
        return unmet
    if unmet and actor.role != "physician":
        raise InvalidInput.one(
            "reason", "only a physician may discharge before the criteria are met"
        )
    reason = _reason(override, "discharge before the criteria are met") if unmet else None
    chair.row.discharged_at = now
    transition(session, actor, chair.row, "discharge", now, reason, {"unmet": unmet})
    return []


def _flags(
    session: Session, actor: Actor, drugs: dict[str, Drug], patient_id: uuid.UUID, treatment: str
) -> tuple[str, ...]:
    found = rescreen.rescreen(session, actor, drugs, patient_id, treatment)  # type: ignore[arg-type]
    return tuple(f"rules now find {f.text}" for f in found.flags)
