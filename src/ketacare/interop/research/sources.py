"""What each research form reads: one statement per form, read in batches, and the conversion of
a batch into plain rows (field name -> value, original dates; ``_patient`` is the patient UUID).

Every batch costs a fixed number of queries. Voided rows are left out, and so is everything under
a voided treatment session. Therapy sessions are read column by column (date, type, duration,
modality): no text column of psychotherapy, and no process note, is ever loaded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ketacare.interop.research import deid
from ketacare.interop.research.forms import (
    ADVERSE_EVENTS,
    COURSES,
    MEDICATIONS,
    PATIENTS,
    SCALES,
    SESSIONS,
    THERAPY,
    Form,
)
from ketacare.medications.drugs import Drug
from ketacare.medications.models import PatientMedication
from ketacare.patients.models import Patient
from ketacare.protocols import service as protocols
from ketacare.protocols.models import ProtocolVersion
from ketacare.protocols.schema import Proposal
from ketacare.scales.models import ScaleResponse
from ketacare.therapy.models import TherapySession
from ketacare.treatment import course_rules
from ketacare.treatment.models import Course, CourseProposal, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

Row = dict[str, Any]
Convert = Callable[[Session, Sequence[Any]], list[Row]]


@dataclass(frozen=True)
class Source:
    form: Form
    statement: Select[*tuple[Any, ...]]
    convert: Convert


def _live(model: Any, clinic_id: uuid.UUID) -> Any:
    return (model.clinic_id == clinic_id) & model.voided_at.is_(None)


def _patients(clinic_id: uuid.UUID, deidentified: bool) -> Source:
    first = (
        select(Course.patient_id, func.min(Course.started_on).label("first_on"))
        .where(_live(Course, clinic_id))
        .group_by(Course.patient_id)
        .subquery()
    )
    statement = (
        select(Patient, first.c.first_on)
        .outerjoin(first, first.c.patient_id == Patient.id)
        .where(_live(Patient, clinic_id))
        .order_by(Patient.id)
    )

    def convert(_: Session, rows: Sequence[Any]) -> list[Row]:
        out = []
        for patient, first_on in rows:
            age = deid.age_on(patient.date_of_birth, first_on) if first_on else None
            out.append(
                {
                    "_patient": patient.id,
                    "mrn": patient.mrn,
                    "given_name": patient.given_name,
                    "family_name": patient.family_name,
                    "date_of_birth": patient.date_of_birth,
                    "email": patient.email,
                    "phone": patient.phone,
                    "address": patient.address,
                    "referring_clinician": patient.referring_clinician,
                    "sex": patient.sex,
                    "age_first_course": None if age is None else deid.age_label(age, deidentified),
                }
            )
        return out

    return Source(PATIENTS, statement, convert)


def _courses(clinic_id: uuid.UUID) -> Source:
    statement = (
        select(Course, ProtocolVersion)
        .join(ProtocolVersion, ProtocolVersion.id == Course.protocol_version_id)
        .where(_live(Course, clinic_id))
        .order_by(Course.patient_id, Course.started_on, Course.id)
    )

    def convert(session: Session, rows: Sequence[Any]) -> list[Row]:
        accepted: dict[uuid.UUID, list[course_rules.Accepted]] = {}
        proposals = session.scalars(
            select(CourseProposal)
            .where(
                CourseProposal.course_id.in_([course.id for course, _ in rows]),
                CourseProposal.status == "accepted",
                CourseProposal.voided_at.is_(None),
            )
            .order_by(CourseProposal.decided_at, CourseProposal.created_at)
        )
        for p in proposals:
            kind = cast(Proposal, p.kind)  # CHECK-constrained
            accepted.setdefault(p.course_id, []).append(course_rules.Accepted(kind, p.to_dose))
        out = []
        for course, version in rows:
            state = course_rules.state_of(
                protocols.parsed(version), course.start_dose, accepted.get(course.id, [])
            )
            out.append(
                {
                    "_patient": course.patient_id,
                    "course_protocol": version.key,
                    "course_protocol_version": version.version,
                    "course_treatment": course.treatment,
                    "course_start": course.started_on,
                    "course_phase": state.phase,
                    "course_ended": state.ended,
                }
            )
        return out

    return Source(COURSES, statement, convert)


def _scales(clinic_id: uuid.UUID) -> Source:
    statement = (
        select(ScaleResponse)
        .where(_live(ScaleResponse, clinic_id))
        .order_by(ScaleResponse.patient_id, ScaleResponse.administered_at, ScaleResponse.id)
    )

    def convert(_: Session, rows: Sequence[Any]) -> list[Row]:
        return [
            {
                "_patient": row.patient_id,
                "scale_instrument": row.instrument_id,
                "scale_version": row.instrument_version,
                "scale_date": row.administered_at.date(),
                "scale_source": row.source,
                "scale_total": row.total,
                "scale_severity": row.severity,
                "scale_risk": row.risk,
                "scale_items": {str(k): int(v) for k, v in row.answers.items()},
            }
            for (row,) in rows
        ]

    return Source(SCALES, statement, convert)


def _live_chair(clinic_id: uuid.UUID) -> Any:
    return _live(TreatmentSession, clinic_id)


def _sessions(clinic_id: uuid.UUID) -> Source:
    chair = (
        select(
            TreatmentSession.course_session_id.label("cs"),
            func.min(TreatmentSession.checked_in_at).label("checked_in_at"),
            func.max(TreatmentSession.ordered_dose_mg).label("ordered_mg"),
            func.max(TreatmentSession.ordered_rate_ml_per_h).label("rate"),
        )
        .where(_live_chair(clinic_id))
        .group_by(TreatmentSession.course_session_id)
        .subquery()
    )
    events = (
        select(TreatmentSession.course_session_id.label("cs"), func.count().label("n"))
        .join(SessionEvent, SessionEvent.session_id == TreatmentSession.id)
        .where(
            _live_chair(clinic_id),
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
        )
        .group_by(TreatmentSession.course_session_id)
        .subquery()
    )
    vitals = (
        select(
            TreatmentSession.course_session_id.label("cs"),
            func.max(VitalReading.systolic_mmhg).label("systolic"),
        )
        .join(VitalReading, VitalReading.session_id == TreatmentSession.id)
        .where(_live_chair(clinic_id), VitalReading.voided_at.is_(None))
        .group_by(TreatmentSession.course_session_id)
        .subquery()
    )
    statement = (
        select(
            CourseSession,
            chair.c.checked_in_at,
            chair.c.ordered_mg,
            chair.c.rate,
            events.c.n,
            vitals.c.systolic,
        )
        .outerjoin(chair, chair.c.cs == CourseSession.id)
        .outerjoin(events, events.c.cs == CourseSession.id)
        .outerjoin(vitals, vitals.c.cs == CourseSession.id)
        .where(
            _live(CourseSession, clinic_id),
            or_(CourseSession.status != "planned", chair.c.cs.is_not(None)),
        )
        .order_by(CourseSession.patient_id, CourseSession.planned_on, CourseSession.number)
    )

    def convert(_: Session, rows: Sequence[Any]) -> list[Row]:
        out = []
        for row, checked_in_at, ordered_mg, rate, ae_count, systolic in rows:
            on: date = row.completed_on or (
                checked_in_at.date() if checked_in_at is not None else row.planned_on
            )
            out.append(
                {
                    "_patient": row.patient_id,
                    "session_date": on,
                    "session_status": row.status,
                    "session_phase": row.phase,
                    "session_number": row.number,
                    "session_number_in_phase": row.number_in_phase,
                    "session_dose_mg": row.dose_given_mg or ordered_mg,
                    "session_rate_ml_per_h": rate,
                    "session_tolerated": row.tolerated,
                    "session_ae_count": int(ae_count or 0),
                    "session_max_systolic_mmhg": systolic,
                    "session_note": row.note,
                }
            )
        return out

    return Source(SESSIONS, statement, convert)


def _adverse_events(clinic_id: uuid.UUID) -> Source:
    statement = (
        select(SessionEvent, TreatmentSession.patient_id, CourseSession.number)
        .join(TreatmentSession, TreatmentSession.id == SessionEvent.session_id)
        .outerjoin(CourseSession, CourseSession.id == TreatmentSession.course_session_id)
        .where(
            _live_chair(clinic_id),
            SessionEvent.clinic_id == clinic_id,
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
        )
        .order_by(TreatmentSession.patient_id, SessionEvent.at, SessionEvent.id)
    )

    def convert(session: Session, rows: Sequence[Any]) -> list[Row]:
        details = session.scalars(
            select(SessionEvent.detail).where(
                SessionEvent.session_id.in_({event.session_id for event, _, _ in rows}),
                SessionEvent.kind == "adverse_event_resolved",
                SessionEvent.voided_at.is_(None),
            )
        )
        resolved = {str(detail.get("event")) for detail in details}
        out = []
        for event, patient_id, number in rows:
            severity = event.detail.get("severity")
            out.append(
                {
                    "_patient": patient_id,
                    "ae_date": event.at.date(),
                    "ae_type": str(event.detail.get("type") or "other"),
                    "ae_severity": severity if severity in ("mild", "moderate", "severe") else None,
                    "ae_resolved": str(event.id) in resolved,
                    "ae_session_number": number,
                    "ae_note": event.detail.get("note") or None,
                }
            )
        return out

    return Source(ADVERSE_EVENTS, statement, convert)


def _medications(clinic_id: uuid.UUID, drugs: Mapping[str, Drug]) -> Source:
    statement = (
        select(PatientMedication)
        .where(_live(PatientMedication, clinic_id))
        .order_by(PatientMedication.patient_id, PatientMedication.started_on, PatientMedication.id)
    )

    def convert(_: Session, rows: Sequence[Any]) -> list[Row]:
        out = []
        for (row,) in rows:
            drug = drugs.get(row.drug_name.lower())
            out.append(
                {
                    "_patient": row.patient_id,
                    "med_drug": row.drug_name,
                    "med_class": ";".join(drug.classes) if drug and drug.classes else None,
                    "med_dose": row.dose_amount,
                    "med_dose_unit": row.dose_unit,
                    "med_frequency": row.frequency,
                    "med_start": row.started_on,
                    "med_stop": row.stopped_on,
                    "med_prescriber": row.prescriber,
                    "med_stop_reason": row.stop_reason,
                }
            )
        return out

    return Source(MEDICATIONS, statement, convert)


def _therapy(clinic_id: uuid.UUID) -> Source:
    statement = (
        select(
            TherapySession.patient_id,
            TherapySession.held_on,
            TherapySession.therapy_type,
            TherapySession.duration_min,
            TherapySession.modality,
        )
        .where(_live(TherapySession, clinic_id))
        .order_by(TherapySession.patient_id, TherapySession.held_on, TherapySession.id)
    )

    def convert(_: Session, rows: Sequence[Any]) -> list[Row]:
        return [
            {
                "_patient": patient_id,
                "therapy_date": held_on,
                "therapy_type": therapy_type,
                "therapy_duration_min": duration,
                "therapy_modality": modality,
            }
            for patient_id, held_on, therapy_type, duration, modality in rows
        ]

    return Source(THERAPY, statement, convert)


def sources(clinic_id: uuid.UUID, deidentified: bool, drugs: Mapping[str, Drug]) -> list[Source]:
    """In form order; the patients form comes first (it assigns the record ids)."""
    return [
        _patients(clinic_id, deidentified),
        _courses(clinic_id),
        _scales(clinic_id),
        _sessions(clinic_id),
        _adverse_events(clinic_id),
        _medications(clinic_id, drugs),
        _therapy(clinic_id),
    ]
