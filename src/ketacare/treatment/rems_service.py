"""The REMS Patient Monitoring Form from an esketamine session's record, and its 7-day clock.

Mapping choices (ketacare's, shown on the form page): sedation = any MOAA/S below 5 after dosing
started; dissociation = any CADSS-6 total above 0; the BP "at 40 min" is the reading closest to
40 minutes after the start, within 35-45 minutes; contact details the record does not hold are
printed as "not recorded" for the person transcribing the form to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts import service as accounts_service
from ketacare.kit.actor import Actor
from ketacare.kit.errors import InvalidInput
from ketacare.medications import service as medications_service
from ketacare.medications.drugs import Drug
from ketacare.patients import service as patients_service
from ketacare.scales import service as scales_service
from ketacare.treatment import rems
from ketacare.treatment.session_models import TreatmentSession, VitalReading
from ketacare.treatment.sessions import Chair, SessionRepository, event


def _bp(reading: VitalReading | None) -> rems.BloodPressure | None:
    if reading is None or reading.systolic_mmhg is None or reading.diastolic_mmhg is None:
        return None
    return (reading.systolic_mmhg, reading.diastolic_mmhg)


def _near(readings: list[VitalReading], start: datetime, minutes: float) -> VitalReading | None:
    window = [
        r for r in readings if abs((r.measured_at - start).total_seconds() / 60 - minutes) <= 5
    ]
    return min(window, key=lambda r: abs((r.measured_at - start).total_seconds()), default=None)


def facts(session: Session, actor: Actor, chair: Chair, drugs: dict[str, Drug]) -> rems.PmfFacts:
    row = chair.row
    if row.treatment != "esketamine":
        raise InvalidInput.one("session", "the REMS form is for esketamine sessions only")
    patient = patients_service.get(session, actor, row.patient_id, audit_view=False)
    readings = SessionRepository(session, actor).readings(row.id)
    classes = medications_service.current_drug_classes(session, actor, drugs, row.patient_id)
    start, end = row.dosing_started_at, row.discharged_at or row.dosing_ended_at
    scores = [
        s
        for s in scales_service.responses(session, actor, row.patient_id)
        if start and s.administered_at >= start and s.total is not None
    ]
    moaas = [s.total for s in scores if s.instrument_id == "moaas" and s.total is not None]
    cadss = [s.total for s in scores if s.instrument_id == "cadss6" and s.total is not None]
    hcp = accounts_service.names_of(session, actor, {row.created_by}).get(row.created_by, "")
    first, _, last = hcp.partition(" ")
    spo2 = [r.spo2_pct for r in readings if r.spo2_pct is not None]
    return rems.PmfFacts(
        patient_first_name=patient.given_name,
        patient_last_name=patient.family_name,
        birth_date=patient.date_of_birth,
        sex=patient.sex,
        first_treatment=chair.course_session.number == 1,
        already_enrolled=None,
        benzodiazepines="benzodiazepine" in classes,
        non_bzd_sedative_hypnotics="z_drug" in classes,
        psychostimulants="psychostimulant" in classes,
        maois="maoi" in classes,
        opioids="opioid" in classes,
        hcp_first_name=first or None,
        hcp_last_name=last or None,
        hcp_phone=None,
        hcp_email=None,
        setting_name=accounts_service.clinic_of(session, actor).name,
        setting_address_1=None,
        setting_city=None,
        setting_state=None,
        setting_zip=None,
        treatment_date=start.date() if start else None,
        dose_mg=row.ordered_dose_mg,
        lot_number=row.lot_number,
        total_monitoring_min=int((end - start).total_seconds() // 60) if start and end else None,
        ready_to_leave_min=None,
        vitals_acceptable_before_administration=not readings[0].alerts if readings else None,
        vitals_acceptable_before_completion=not readings[-1].alerts if readings else None,
        bp_before_administration=_bp(readings[0] if readings else None),
        bp_at_40_min=_bp(_near(readings, start, 40) if start else None),
        bp_before_completion=_bp(readings[-1] if readings else None),
        sedation=any(t < 5 for t in moaas) if moaas else None,
        dissociation=any(t > 0 for t in cadss) if cadss else None,
        pulse_oximetry_monitored=bool(spo2) if readings else None,
        lowest_spo2_pct=min(spo2) if spo2 else None,
        adverse_events=None,
    )


def mark_submitted(
    session: Session, actor: Actor, chair: Chair, reference: str, now: datetime
) -> None:
    """Allowed after the note is signed: the form is often sent days later."""
    if chair.row.treatment != "esketamine" or chair.row.dosing_started_at is None:
        raise InvalidInput.one("reference", "only a given esketamine session has a REMS form")
    if any(
        e.kind == "rems_submitted" for e in SessionRepository(session, actor).events(chair.row.id)
    ):
        raise InvalidInput.one("reference", "the form is already marked submitted")
    if len(reference.strip()) < 2:
        raise InvalidInput.one(
            "reference", "is required: the confirmation number or how it was sent"
        )
    event(session, actor, chair.row, "rems_submitted", now, {"reference": reference.strip()})


@dataclass(frozen=True)
class Outstanding:
    session: TreatmentSession
    due: date
    overdue: bool


def outstanding(session: Session, actor: Actor, today: date) -> list[Outstanding]:
    """Esketamine sessions given but whose form is not marked submitted, oldest first."""
    statement = select(TreatmentSession).where(
        TreatmentSession.clinic_id == actor.clinic_id,
        TreatmentSession.treatment == "esketamine",
        TreatmentSession.dosing_started_at.is_not(None),
        TreatmentSession.voided_at.is_(None),
    )
    found = []
    repository = SessionRepository(session, actor)
    for row in session.scalars(statement.order_by(TreatmentSession.dosing_started_at)):
        if any(e.kind == "rems_submitted" for e in repository.events(row.id)):
            continue
        assert row.dosing_started_at is not None
        due = rems.due_on(row.dosing_started_at.date())
        found.append(Outstanding(row, due, due < today))
    return found
