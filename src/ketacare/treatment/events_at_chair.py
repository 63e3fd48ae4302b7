"""Adverse events, their resolution, rescue medication and esketamine devices, as session events.

The event log is append-only. An adverse event or rescue medication entered in error is voided
(who, when, why) and stays in the log, struck through; everything that counts events skips it.

Types follow the adverse effects tracked in clinical.md §6a; rescue drugs come from the drug table
(§6b lists ondansetron, promethazine, clonidine, labetalol, hydralazine, metoprolol, diltiazem,
lorazepam, midazolam as clinic practice).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.medications.drugs import Drug, suggestions
from ketacare.treatment.session_models import SessionEvent
from ketacare.treatment.sessions import Chair, SessionRepository, event, void_reason

AE_TYPES = (
    "dissociation", "dizziness", "vertigo", "nausea", "vomiting", "sedation", "headache",
    "anxiety", "blood pressure increased", "tachycardia", "respiratory depression",
    "emergence reaction", "other",
)  # fmt: skip


class AdverseEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    type: Literal[AE_TYPES]  # type: ignore[valid-type]
    severity: Literal["mild", "moderate", "severe"]
    onset_minutes_ago: int = Field(default=0, ge=0, le=480, description="0 when it began now")
    note: str = Field(default="", max_length=500)


class RescueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    drug: str = Field(min_length=2, max_length=100)
    dose: float = Field(gt=0, le=1000)
    unit: Literal["mg", "mcg", "mL"] = "mg"
    route: Literal["oral", "iv", "im", "sublingual"] = "oral"


def _open(chair: Chair) -> None:
    if chair.row.signed_at is not None:
        raise InvalidInput.one("action", "the session is signed and locked: add an addendum")
    if chair.row.state not in ("checked_in", "prechecked", "dosing", "observation"):
        raise InvalidInput.one("action", "the session is not in progress")


def adverse_event(
    session: Session, actor: Actor, chair: Chair, data: dict[str, str], now: datetime
) -> SessionEvent:
    _open(chair)
    found = parse(AdverseEventIn, {k: v for k, v in data.items() if v != ""})
    onset = now - timedelta(minutes=found.onset_minutes_ago)
    if onset < chair.row.checked_in_at:
        raise InvalidInput.one("onset_minutes_ago", "the onset cannot be before check-in")
    detail = found.model_dump() | {"onset": onset.isoformat()}
    return event(session, actor, chair.row, "adverse_event", now, detail)


VOIDABLE = ("adverse_event", "rescue_medication")


def resolve(session: Session, actor: Actor, chair: Chair, event_id: str, now: datetime) -> None:
    events = SessionRepository(session, actor).events(chair.row.id)
    target = next(
        (
            e
            for e in events
            if str(e.id) == event_id and e.kind == "adverse_event" and not e.is_voided
        ),
        None,
    )
    if target is None:
        raise InvalidInput.one("event", "no such adverse event in this session")
    if any(
        e.kind == "adverse_event_resolved" and e.detail.get("event") == event_id for e in events
    ):
        raise InvalidInput.one("event", "already resolved")
    event(session, actor, chair.row, "adverse_event_resolved", now, {"event": event_id})


def void(session: Session, actor: Actor, chair: Chair, event_id: str, reason: str) -> SessionEvent:
    """Mark an adverse event or rescue medication as entered in error; allowed after signing too,
    because a void is itself the correction (the row, its author and time stay)."""
    reason = void_reason(reason)
    events = SessionRepository(session, actor).events(chair.row.id)
    target = next((e for e in events if str(e.id) == event_id and e.kind in VOIDABLE), None)
    if target is None:
        raise InvalidInput.one(
            "event", "no such adverse event or rescue medication in this session"
        )
    if target.is_voided:
        raise InvalidInput.one("event", "already marked as entered in error")
    target.void(actor.user_id, reason)
    audit.record(
        session,
        actor,
        f"session.{target.kind}.void",
        "treatment_session",
        chair.row.id,
        patient_id=chair.row.patient_id,
        details={"event": event_id},
    )
    return target


def rescue(
    session: Session,
    actor: Actor,
    chair: Chair,
    drugs: dict[str, Drug],
    data: dict[str, str],
    now: datetime,
) -> SessionEvent:
    _open(chair)
    found = parse(RescueIn, data)
    drug = drugs.get(found.drug.lower())
    if drug is None:
        close = suggestions(found.drug, drugs)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InvalidInput.one("drug", f"'{found.drug}' is not in the drug table{hint}")
    return event(
        session,
        actor,
        chair.row,
        "rescue_medication",
        now,
        found.model_dump() | {"drug": drug.name},
    )


def device_given(session: Session, actor: Actor, chair: Chair, now: datetime) -> SessionEvent:
    """One esketamine device (28 mg) given, with its time; the label asks for 5 min between."""
    if chair.row.state != "dosing" or not chair.row.devices_ordered:
        raise InvalidInput.one("action", "devices are recorded while dosing an esketamine session")
    given = [
        e
        for e in SessionRepository(session, actor).events(chair.row.id)
        if e.kind == "device_given"
    ]
    if len(given) >= chair.row.devices_ordered:
        raise InvalidInput.one("action", f"all {chair.row.devices_ordered} devices are recorded")
    return event(session, actor, chair.row, "device_given", now, {"number": len(given) + 1})
