"""Patient use cases. Each one audits itself; none commits (the request does)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.patients import rules
from ketacare.patients.models import Allergy, BodyMeasurement, Diagnosis, Patient, PatientRevision
from ketacare.patients.repository import PatientRepository
from ketacare.patients.schemas import (
    AllergyCreate,
    DiagnosisCreate,
    DiagnosisResolve,
    MeasurementCreate,
    PatientAmend,
    PatientCreate,
)

DEMOGRAPHIC_FIELDS = (
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "referring_clinician",
)
VOIDABLE: dict[str, type[BodyMeasurement] | type[Allergy] | type[Diagnosis]] = {
    "measurement": BodyMeasurement,
    "allergy": Allergy,
    "diagnosis": Diagnosis,
}


def _snapshot(patient: Patient) -> dict[str, Any]:
    values = {name: getattr(patient, name) for name in DEMOGRAPHIC_FIELDS}
    values["date_of_birth"] = patient.date_of_birth.isoformat()
    return values


def _next_mrn(repository: PatientRepository) -> str:
    number = repository.count_all() + 1
    while repository.mrn_taken(f"KC{number:06d}"):
        number += 1
    return f"KC{number:06d}"


def register(session: Session, actor: Actor, data: PatientCreate) -> Patient:
    repository = PatientRepository(session, actor)
    mrn = data.mrn or _next_mrn(repository)
    if repository.mrn_taken(mrn):
        raise InvalidInput.one("mrn", f"{mrn} is already used in this clinic")
    values = data.model_dump(exclude={"mrn"})
    patient = Patient(clinic_id=repository.clinic_id, created_by=actor.user_id, mrn=mrn, **values)
    repository.add(patient)
    repository.add(
        PatientRevision(
            clinic_id=repository.clinic_id,
            created_by=actor.user_id,
            patient_id=patient.id,
            revision=1,
            snapshot=_snapshot(patient),
            changed_fields=[],
            reason="registration",
        )
    )
    audit.record(session, actor, "patient.create", "patient", patient.id, patient_id=patient.id)
    return patient


def get(
    session: Session, actor: Actor, patient_id: uuid.UUID, *, audit_view: bool = True
) -> Patient:
    patient = PatientRepository(session, actor).get(patient_id)
    if patient is None:
        raise NotFound("no such patient")
    if audit_view:
        audit.record(session, actor, "patient.view", "patient", patient.id, patient_id=patient.id)
    return patient


def search(
    session: Session, actor: Actor, text: str, limit: int = 25, offset: int = 0
) -> tuple[list[Patient], int]:
    rows, total = PatientRepository(session, actor).search(text.strip()[:100], limit, offset)
    # The query text may be a name: log that a search happened and its size, not what was typed.
    audit.record(session, actor, "patient.search", "patient", details={"results": total})
    return rows, total


def names_of(session: Session, actor: Actor, patient_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names for lists such as the alert worklist (the list view itself is audited)."""
    return PatientRepository(session, actor).names(patient_ids)


def amend(session: Session, actor: Actor, patient_id: uuid.UUID, data: PatientAmend) -> Patient:
    repository = PatientRepository(session, actor)
    patient = get(session, actor, patient_id, audit_view=False)
    changes = {
        name: value
        for name, value in data.model_dump(exclude={"reason"}, exclude_unset=True).items()
        if value != getattr(patient, name)
    }
    required = {"mrn", "given_name", "family_name", "date_of_birth", "sex"}
    for name in required & changes.keys():
        if changes[name] is None:
            raise InvalidInput.one(name, "is required and cannot be cleared")
    if not changes:
        raise InvalidInput.one(
            "reason", "nothing to amend: no field differs from the current record"
        )
    if "mrn" in changes and repository.mrn_taken(changes["mrn"]):
        raise InvalidInput.one("mrn", f"{changes['mrn']} is already used in this clinic")
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.revision += 1
    repository.add(
        PatientRevision(
            clinic_id=repository.clinic_id,
            created_by=actor.user_id,
            patient_id=patient.id,
            revision=patient.revision,
            snapshot=_snapshot(patient),
            changed_fields=sorted(changes),
            reason=data.reason,
        )
    )
    audit.record(
        session,
        actor,
        "patient.amend",
        "patient",
        patient.id,
        patient_id=patient.id,
        details={"fields": sorted(changes), "revision": patient.revision},
    )
    return patient


def history(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[PatientRevision]:
    get(session, actor, patient_id, audit_view=False)
    return PatientRepository(session, actor).revisions(patient_id)


def add_measurement(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: MeasurementCreate
) -> BodyMeasurement:
    patient = get(session, actor, patient_id, audit_view=False)
    measured_at = data.measured_at or utcnow()
    if measured_at.tzinfo is None:
        raise InvalidInput.one("measured_at", "must include a time zone offset, e.g. +00:00")
    if measured_at > utcnow():
        raise InvalidInput.one("measured_at", "cannot be in the future")
    row = BodyMeasurement(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        measured_at=measured_at,
        weight_kg=data.weight_kg,
        height_cm=data.height_cm,
    )
    PatientRepository(session, actor).add(row)
    audit.record(session, actor, "measurement.create", "measurement", row.id, patient_id=patient.id)
    return row


def add_allergy(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: AllergyCreate
) -> Allergy:
    patient = get(session, actor, patient_id, audit_view=False)
    row = Allergy(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        **data.model_dump(),
    )
    PatientRepository(session, actor).add(row)
    audit.record(session, actor, "allergy.create", "allergy", row.id, patient_id=patient.id)
    return row


def add_diagnosis(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: DiagnosisCreate
) -> Diagnosis:
    patient = get(session, actor, patient_id, audit_view=False)
    if data.icd10_code is None and data.condition is None:
        raise InvalidInput.one(
            "icd10_code", "give an ICD-10-CM code, a screening condition, or both"
        )
    description = data.description
    if not description and data.icd10_code:
        description = rules.icd10cm_catalogue().get(data.icd10_code)
    if not description and data.condition:
        description = rules.conditions()[data.condition].label
    if not description:
        raise InvalidInput.one(
            "description", f"{data.icd10_code} is not in the clinic's catalogue; describe it"
        )
    row = Diagnosis(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        icd10_code=data.icd10_code,
        condition=data.condition,
        description=description,
        onset_date=data.onset_date,
    )
    PatientRepository(session, actor).add(row)
    audit.record(
        session,
        actor,
        "diagnosis.create",
        "diagnosis",
        row.id,
        patient_id=patient.id,
        details={"code": data.icd10_code, "condition": data.condition},
    )
    return row


def resolve_diagnosis(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    diagnosis_id: uuid.UUID,
    data: DiagnosisResolve,
) -> Diagnosis:
    """Record that a problem has ended (a pregnancy, a manic episode); the row stays on the history."""
    get(session, actor, patient_id, audit_view=False)
    row = PatientRepository(session, actor).record_of(Diagnosis, patient_id, diagnosis_id)
    if row is None:
        raise NotFound("no such diagnosis")
    if row.resolved_on is not None:
        raise InvalidInput.one("resolved_on", f"already resolved on {row.resolved_on:%Y-%m-%d}")
    if row.onset_date is not None and data.resolved_on < row.onset_date:
        raise InvalidInput.one(
            "resolved_on", f"must be on or after the onset date {row.onset_date:%Y-%m-%d}"
        )
    row.resolved_on = data.resolved_on
    row.resolved_by = actor.user_id
    row.resolved_at = utcnow()
    audit.record(
        session,
        actor,
        "diagnosis.resolve",
        "diagnosis",
        row.id,
        patient_id=patient_id,
        details={"resolved_on": data.resolved_on.isoformat()},
    )
    return row


def problems(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[Diagnosis]:
    """The patient's problem list (resolved problems included; voided ones not)."""
    get(session, actor, patient_id, audit_view=False)
    return PatientRepository(session, actor).diagnoses(patient_id)


def screened_conditions(session: Session, actor: Actor, patient_id: uuid.UUID) -> set[str]:
    """The condition keys on the patient's history that the safety screening should see."""
    rows = PatientRepository(session, actor).diagnoses(patient_id)
    return rules.screened_conditions([(r.condition, r.resolved_on is not None) for r in rows])


def void_record(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    kind: str,
    record_id: uuid.UUID,
    reason: str,
) -> None:
    """Hide a wrong entry from the chart; it stays in the database with who, when and why."""
    model = VOIDABLE.get(kind)
    if model is None:
        raise NotFound("no such record type")
    get(session, actor, patient_id, audit_view=False)
    row = PatientRepository(session, actor).record_of(model, patient_id, record_id)
    if row is None:
        raise NotFound(f"no such {kind}")
    row.void(actor.user_id, reason)
    audit.record(session, actor, f"{kind}.void", kind, row.id, patient_id=patient_id)


@dataclass(frozen=True)
class Chart:
    patient: Patient
    age_years: int
    weight_kg: float | None
    height_cm: float | None
    bmi: float | None
    measurements: list[BodyMeasurement]
    allergies: list[Allergy]
    diagnoses: list[Diagnosis]


def chart(
    session: Session, actor: Actor, patient_id: uuid.UUID, today: date | None = None
) -> Chart:
    """Everything the chart header shows; opening it is an audited view."""
    patient = get(session, actor, patient_id)
    repository = PatientRepository(session, actor)
    measurements = repository.measurements(patient.id)
    weight = next((m.weight_kg for m in measurements if m.weight_kg is not None), None)
    height = next((m.height_cm for m in measurements if m.height_cm is not None), None)
    return Chart(
        patient=patient,
        age_years=rules.age_on(patient.date_of_birth, today or date.today()),
        weight_kg=weight,
        height_cm=height,
        bmi=rules.bmi(weight, height) if weight and height else None,
        measurements=measurements,
        allergies=repository.allergies(patient.id),
        diagnoses=repository.diagnoses(patient.id),
    )
