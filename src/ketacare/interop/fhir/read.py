"""Read one resource by id (``GET /fhir/R4/{type}/{id}``): query just that row, map it as the
export does, within the actor's clinic. Voided rows and rows under a voided session are not found.
Questionnaires are the instrument definitions (no row, no patient); they are read and searched here
too, audited as every FHIR read is."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.interop.fhir import mapping, questionnaire
from ketacare.interop.fhir.mapping import Json
from ketacare.kit.actor import Actor
from ketacare.kit.errors import NotFound
from ketacare.medications.models import PatientMedication
from ketacare.patients.models import Patient
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.models import CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

VITAL_SUFFIXES = ("bp", "hr", "spo2", "rr")
Reader = Callable[[Session, uuid.UUID, str, Mapping[str, Instrument]], Json | None]


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("no such resource") from None


def _session_row(
    session: Session, clinic_id: uuid.UUID, row_id: uuid.UUID
) -> TreatmentSession | None:
    return session.scalars(
        select(TreatmentSession).where(
            TreatmentSession.id == row_id,
            TreatmentSession.clinic_id == clinic_id,
            TreatmentSession.voided_at.is_(None),
        )
    ).one_or_none()


def _patient(
    session: Session, clinic_id: uuid.UUID, rid: str, _: Mapping[str, Instrument]
) -> Json | None:
    row = session.scalars(
        select(Patient).where(
            Patient.id == _uuid(rid), Patient.clinic_id == clinic_id, Patient.voided_at.is_(None)
        )
    ).one_or_none()
    return mapping.patient(row) if row else None


def _encounter(
    session: Session, clinic_id: uuid.UUID, rid: str, _: Mapping[str, Instrument]
) -> Json | None:
    row = _session_row(session, clinic_id, _uuid(rid))
    return mapping.encounter(row) if row else None


def _administration(
    session: Session, clinic_id: uuid.UUID, rid: str, _: Mapping[str, Instrument]
) -> Json | None:
    row = _session_row(session, clinic_id, _uuid(rid))
    if row is None or row.dosing_started_at is None:
        return None
    dose = None
    if row.course_session_id is not None:
        dose = session.scalar(
            select(CourseSession.dose_given_mg).where(CourseSession.id == row.course_session_id)
        )
    return mapping.medication_administration(mapping.Administration(row, dose))


def _scale_row(session: Session, clinic_id: uuid.UUID, rid: str) -> ScaleResponse | None:
    return session.scalars(
        select(ScaleResponse).where(
            ScaleResponse.id == _uuid(rid),
            ScaleResponse.clinic_id == clinic_id,
            ScaleResponse.voided_at.is_(None),
        )
    ).one_or_none()


def _questionnaire_response(
    session: Session, clinic_id: uuid.UUID, rid: str, instruments: Mapping[str, Instrument]
) -> Json | None:
    row = _scale_row(session, clinic_id, rid)
    return mapping.questionnaire_response(row, instruments.get(row.instrument_id)) if row else None


def _observation(
    session: Session, clinic_id: uuid.UUID, rid: str, instruments: Mapping[str, Instrument]
) -> Json | None:
    base, _, suffix = rid.rpartition("-")
    if suffix not in VITAL_SUFFIXES:
        row = _scale_row(session, clinic_id, rid)
        return mapping.scale_observation(row, instruments.get(row.instrument_id)) if row else None
    found = session.execute(
        select(VitalReading, TreatmentSession.patient_id)
        .join(TreatmentSession, TreatmentSession.id == VitalReading.session_id)
        .where(
            VitalReading.id == _uuid(base),
            VitalReading.clinic_id == clinic_id,
            VitalReading.voided_at.is_(None),
            TreatmentSession.voided_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        return None
    reading, patient_id = found
    return next(
        (o for o in mapping.vital_observations(reading, patient_id) if o["id"] == rid), None
    )


def _statement(
    session: Session, clinic_id: uuid.UUID, rid: str, _: Mapping[str, Instrument]
) -> Json | None:
    row = session.scalars(
        select(PatientMedication).where(
            PatientMedication.id == _uuid(rid),
            PatientMedication.clinic_id == clinic_id,
            PatientMedication.voided_at.is_(None),
        )
    ).one_or_none()
    return mapping.medication_statement(row) if row else None


def _adverse_event(
    session: Session, clinic_id: uuid.UUID, rid: str, _: Mapping[str, Instrument]
) -> Json | None:
    found = session.execute(
        select(SessionEvent, TreatmentSession.patient_id, TreatmentSession.dosing_started_at)
        .join(TreatmentSession, TreatmentSession.id == SessionEvent.session_id)
        .where(
            SessionEvent.id == _uuid(rid),
            SessionEvent.clinic_id == clinic_id,
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
            TreatmentSession.voided_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        return None
    event, patient_id, started = found
    resolutions = session.scalars(
        select(SessionEvent.detail).where(
            SessionEvent.session_id == event.session_id,
            SessionEvent.kind == "adverse_event_resolved",
            SessionEvent.voided_at.is_(None),
        )
    )
    resolved = any(str(detail.get("event")) == str(event.id) for detail in resolutions)
    return mapping.adverse_event(event, patient_id, resolved, started is not None)


def _questionnaire(
    _: Session, __: uuid.UUID, rid: str, instruments: Mapping[str, Instrument]
) -> Json | None:
    instrument = questionnaire.find(instruments, rid)
    return questionnaire.questionnaire(instrument) if instrument else None


READERS: dict[str, Reader] = {
    "Patient": _patient,
    "Encounter": _encounter,
    "MedicationAdministration": _administration,
    "Observation": _observation,
    "QuestionnaireResponse": _questionnaire_response,
    "MedicationStatement": _statement,
    "AdverseEvent": _adverse_event,
    "Questionnaire": _questionnaire,
}


def _patient_of(resource: Json) -> uuid.UUID | None:
    if resource["resourceType"] == "Patient":
        return uuid.UUID(resource["id"])
    reference = str(resource.get("subject", {}).get("reference", ""))
    return (
        uuid.UUID(reference.removeprefix("Patient/")) if reference.startswith("Patient/") else None
    )


def read(
    session: Session,
    actor: Actor,
    instruments: Mapping[str, Instrument],
    kind: str,
    resource_id: str,
) -> Json:
    """One resource of this clinic, audited as a read; NotFound for anything else."""
    reader = READERS.get(kind)
    if reader is None or actor.clinic_id is None:
        raise NotFound("no such resource type")
    resource = reader(session, actor.clinic_id, resource_id, instruments)
    if resource is None:
        raise NotFound("no such resource")
    audit.record(
        session,
        actor,
        "fhir.read",
        kind,
        resource_id,
        patient_id=_patient_of(resource),
        details={"type": kind},
    )
    return resource


def search_questionnaires(
    session: Session,
    actor: Actor,
    instruments: Mapping[str, Instrument],
    url: str | None,
    base_url: str,
    self_url: str,
) -> Json:
    """``GET /fhir/R4/Questionnaire[?url=canonical[|version]]``: a searchset Bundle, audited."""
    found = [i for i in instruments.values() if questionnaire.matches(i, url)]
    bundle = questionnaire.searchset(found, base_url, self_url)
    audit.record(
        session,
        actor,
        "fhir.search",
        "Questionnaire",
        details={"type": "Questionnaire", "total": bundle["total"]},
    )
    return bundle
