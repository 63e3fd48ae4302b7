"""Gather one patient's record into timeline entries, each source read through its own service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.eligibility import assessments
from ketacare.kit.actor import Actor
from ketacare.medications import service as medications_service
from ketacare.medications import visits as medication_visits
from ketacare.patients import service as patients_service
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument
from ketacare.therapy import service as therapy_service
from ketacare.timeline.rules import Entry
from ketacare.treatment import history

# Day-only facts (a medication start, a visit) sit at the start of their day, before what the day
# brought at the chair; the list shows them without a time.
_DAY_START = time(0, 0)


def _on(day: date) -> datetime:
    return datetime.combine(day, _DAY_START, tzinfo=UTC)


def gather(
    session: Session, actor: Actor, patient_id: uuid.UUID, instruments: Mapping[str, Instrument]
) -> list[Entry]:
    patients_service.get(session, actor, patient_id, audit_view=False)
    base = f"/patients/{patient_id}"
    entries = (
        _scores(session, actor, patient_id, instruments, base)
        + _treatments(session, actor, patient_id, base)
        + _medications(session, actor, patient_id, base)
        + _therapy(session, actor, patient_id, base)
        + _alerts(session, actor, patient_id, base)
        + _decisions(session, actor, patient_id, base)
    )
    audit.record(
        session, actor, "timeline.view", "patient", patient_id, patient_id=patient_id,
        details={"entries": len(entries)},
    )  # fmt: skip
    return entries


def _scores(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    instruments: Mapping[str, Instrument],
    base: str,
) -> list[Entry]:
    found = []
    for row in scales_service.responses(session, actor, patient_id):
        instrument = instruments.get(row.instrument_id)
        name = instrument.short_name if instrument else row.instrument_id
        total = "incomplete" if row.total is None else str(row.total)
        found.append(
            Entry(
                row.administered_at,
                "score",
                f"{name} {total}",
                (row.severity or "").replace("_", " "),
                f"{base}/scales",
            )
        )
    return found


def _treatments(session: Session, actor: Actor, patient_id: uuid.UUID, base: str) -> list[Entry]:
    found = []
    for given in history.given_sessions(session, actor, patient_id):
        dose = f"{given.dose_mg:g} mg" if given.dose_mg else "dose not recorded"
        notes = [f"{given.phase} · {given.treatment.replace('_', ' ')}"]
        if given.tolerated is False:
            notes.append("not tolerated")
        if given.adverse_events:
            notes.append(f"{given.adverse_events} adverse event(s)")
        href = (
            f"/sessions/{given.chair_session_id}"
            if given.chair_session_id
            else f"{base}/courses/{given.course_id}"
        )
        found.append(
            Entry(
                given.at,
                "treatment",
                f"Session {given.number}: {dose}",
                " · ".join(notes),
                href,
                flag=bool(given.adverse_events) or given.tolerated is False,
            )
        )
    return found


def _medications(session: Session, actor: Actor, patient_id: uuid.UUID, base: str) -> list[Entry]:
    rows = medications_service.medications(session, actor, patient_id, current_only=False)
    # A dose change stops one entry and starts the next the same day: shown as one change.
    changed = {
        (r.drug_name, r.stopped_on)
        for r in rows
        if r.stopped_on and (r.stop_reason or "").startswith("dose changed")
    }
    href = f"{base}#medication"
    found = []
    for r in rows:
        dose = f"{r.drug_name} {r.dose_amount:g} {r.dose_unit} {r.frequency}"
        if (r.drug_name, r.started_on) in changed:
            found.append(Entry(_on(r.started_on), "medication", f"Changed: {dose}", "", href, True))
        else:
            by = f"prescriber {r.prescriber}" if r.prescriber else ""
            found.append(Entry(_on(r.started_on), "medication", f"Started {dose}", by, href, True))
        if r.stopped_on and (r.drug_name, r.stopped_on) not in changed:
            found.append(
                Entry(_on(r.stopped_on), "medication", f"Stopped {r.drug_name}", r.stop_reason or "", href, True)
            )  # fmt: skip
    for review in medications_service.reviews(session, actor, patient_id):
        found.append(
            Entry(_on(review.reviewed_on), "medication", "Medication list reviewed: no change",
                  review.note or "", href)
        )  # fmt: skip
    for visit in medication_visits.visits(session, actor, patient_id):
        found.append(
            Entry(_on(visit.visited_on), "note", f"Medication visit: {visit.reason}",
                  f"Plan: {visit.plan}", f"{base}/medications/visits#visit-{visit.id}")
        )  # fmt: skip
    return found


def _therapy(session: Session, actor: Actor, patient_id: uuid.UUID, base: str) -> list[Entry]:
    """Structured fields only: progress notes stay on the session page, process notes behind
    their wall (the therapy service never hands them out here)."""
    found = []
    for row in therapy_service.sessions_for_patient(session, actor, patient_id):
        label = therapy_service.TYPE_LABELS.get(row.therapy_type, row.therapy_type)
        detail = f"{row.modality} · {row.delivery.replace('_', ' ')}"
        found.append(
            Entry(_on(row.held_on), "therapy", f"{label}, {row.duration_min} min", detail,
                  f"{base}/therapy/{row.id}")
        )  # fmt: skip
    return found


def _alerts(session: Session, actor: Actor, patient_id: uuid.UUID, base: str) -> list[Entry]:
    found = []
    for alert in scales_service.alerts_of_patient(session, actor, patient_id):
        found.append(
            Entry(alert.created_at, "alert", "Safety alert raised", alert.reason, "/alerts", True)
        )
        if alert.acknowledged_at:
            found.append(
                Entry(alert.acknowledged_at, "alert", "Safety alert acknowledged",
                      alert.action_note or "", f"{base}/scales")
            )  # fmt: skip
    return found


def _decisions(session: Session, actor: Actor, patient_id: uuid.UUID, base: str) -> list[Entry]:
    found = []
    for row in assessments.AssessmentRepository(session, actor).of_patient(patient_id):
        name = assessments.TREATMENT_NAMES.get(row.treatment, row.treatment)
        found.append(
            Entry(row.created_at, "note", f"Eligibility signed ({name}): {row.conclusion.replace('_', ' ')}",
                  row.justification or "", f"{base}/eligibility?treatment={row.treatment}")
        )  # fmt: skip
    return found
