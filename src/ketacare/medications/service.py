"""Medication use cases: record, stop, list, with drug names checked against the drug table."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.medications.drugs import Drug, suggestions
from ketacare.medications.models import MedicationReview, PatientMedication
from ketacare.medications.repository import MedicationRepository
from ketacare.medications.schemas import (
    DoseChange,
    MedicationCreate,
    MedicationStop,
    ReviewCreate,
)
from ketacare.patients import service as patients_service


def _known_drug(name: str, table: Mapping[str, Drug]) -> Drug:
    drug = table.get(name.strip().lower())
    if drug is None:
        close = suggestions(name, table)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else "; a clinic can add it to its drug file"
        )
        raise InvalidInput.one(
            "drug_name", f"'{name}' is not in the drug table{hint}", suggestions=close
        )
    return drug


def add(
    session: Session,
    actor: Actor,
    table: Mapping[str, Drug],
    patient_id: uuid.UUID,
    data: MedicationCreate,
) -> PatientMedication:
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    drug = _known_drug(data.drug_name, table)
    row = PatientMedication(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        drug_name=drug.name,
        dose_amount=data.dose_amount,
        dose_unit=data.dose_unit,
        frequency=data.frequency,
        started_on=data.started_on,
        prescriber=data.prescriber,
    )
    MedicationRepository(session, actor).add(row)
    audit.record(session, actor, "medication.create", "medication", row.id, patient_id=patient.id)
    return row


def stop(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    data: MedicationStop,
) -> PatientMedication:
    row = MedicationRepository(session, actor).one(patient_id, medication_id)
    if row is None:
        raise NotFound("no such medication")
    if row.stopped_on is not None:
        raise InvalidInput.one("stopped_on", "this medication is already stopped")
    if data.stopped_on < row.started_on:
        raise InvalidInput.one("stopped_on", f"must be on or after the start date {row.started_on}")
    row.stopped_on, row.stop_reason = data.stopped_on, data.reason
    row.stopped_by, row.stopped_at = actor.user_id, utcnow()
    audit.record(session, actor, "medication.stop", "medication", row.id, patient_id=patient_id)
    return row


def medications(
    session: Session, actor: Actor, patient_id: uuid.UUID, current_only: bool = True
) -> list[PatientMedication]:
    patients_service.get(session, actor, patient_id, audit_view=False)
    return MedicationRepository(session, actor).of_patient(patient_id, current_only)


def current_drug_classes(
    session: Session, actor: Actor, table: Mapping[str, Drug], patient_id: uuid.UUID
) -> set[str]:
    """The classes of everything the patient takes now: the input of the safety screening."""
    classes: set[str] = set()
    for row in medications(session, actor, patient_id):
        drug = table.get(row.drug_name.lower())
        classes.update(drug.classes if drug else ())
    return classes


def change_dose(
    session: Session,
    actor: Actor,
    table: Mapping[str, Drug],
    patient_id: uuid.UUID,
    medication_id: uuid.UUID,
    data: DoseChange,
) -> PatientMedication:
    """Stop the current entry on the change date and start the new dose from it, both audited."""
    row = MedicationRepository(session, actor).one(patient_id, medication_id)
    if row is None:
        raise NotFound("no such medication")
    same = (data.dose_amount, data.dose_unit, data.frequency.strip()) == (
        row.dose_amount,
        row.dose_unit,
        row.frequency,
    )
    if same:
        raise InvalidInput.one("dose_amount", "is the same dose and frequency as now")
    new_dose = f"{data.dose_amount:g} {data.dose_unit} {data.frequency.strip()}"
    stop(
        session,
        actor,
        patient_id,
        medication_id,
        MedicationStop(
            stopped_on=data.changed_on, reason=f"dose changed to {new_dose}: {data.reason}"
        ),
    )
    return add(
        session,
        actor,
        table,
        patient_id,
        MedicationCreate(
            drug_name=row.drug_name,
            dose_amount=data.dose_amount,
            dose_unit=data.dose_unit,
            frequency=data.frequency,
            started_on=data.changed_on,
            prescriber=data.prescriber or row.prescriber,
        ),
    )


def review(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: ReviewCreate
) -> MedicationReview:
    """Record that the list was reconciled at a visit and nothing changed."""
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    row = MedicationReview(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient_id,
        reviewed_on=data.reviewed_on,
        outcome="no_change",
        note=data.note,
    )
    MedicationRepository(session, actor).add(row)
    audit.record(
        session, actor, "medication.review", "medication_review", row.id, patient_id=patient_id
    )
    return row


def reviews(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[MedicationReview]:
    patients_service.get(session, actor, patient_id, audit_view=False)
    return MedicationRepository(session, actor).reviews(patient_id)


def one(
    session: Session, actor: Actor, patient_id: uuid.UUID, medication_id: uuid.UUID
) -> PatientMedication:
    """One entry of the patient's list, current or stopped."""
    row = MedicationRepository(session, actor).one(patient_id, medication_id)
    if row is None:
        raise NotFound("no such medication")
    return row
