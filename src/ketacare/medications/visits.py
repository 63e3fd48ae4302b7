"""Medication-management visit notes: written and signed by the prescriber, voided never edited."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.errors import NotFound
from ketacare.medications import service
from ketacare.medications.models import MedicationVisit
from ketacare.medications.schemas import ReviewCreate, VisitCreate
from ketacare.patients import service as patients_service


class VisitRepository(ClinicScopedRepository):
    def of_patient(self, patient_id: uuid.UUID) -> list[MedicationVisit]:
        statement = select(MedicationVisit).where(
            MedicationVisit.clinic_id == self.clinic_id,
            MedicationVisit.patient_id == patient_id,
            MedicationVisit.voided_at.is_(None),
        )
        order = (MedicationVisit.visited_on.desc(), MedicationVisit.created_at.desc())
        return list(self.session.scalars(statement.order_by(*order)))

    def one(self, patient_id: uuid.UUID, visit_id: uuid.UUID) -> MedicationVisit | None:
        return self.session.scalars(
            select(MedicationVisit).where(
                MedicationVisit.clinic_id == self.clinic_id,
                MedicationVisit.patient_id == patient_id,
                MedicationVisit.id == visit_id,
                MedicationVisit.voided_at.is_(None),
            )
        ).first()


def record(
    session: Session, actor: Actor, patient_id: uuid.UUID, data: VisitCreate
) -> MedicationVisit:
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    row = MedicationVisit(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        visited_on=data.visited_on,
        appointment_id=data.appointment_id,
        reason=data.reason,
        adherence=data.adherence,
        side_effects=data.side_effects or None,
        assessment=data.assessment,
        plan=data.plan,
    )
    VisitRepository(session, actor).add(row)
    audit.record(
        session, actor, "medication_visit.create", "medication_visit", row.id, patient_id=patient.id
    )
    if data.list_reviewed_no_change:
        service.review(
            session,
            actor,
            patient.id,
            ReviewCreate(reviewed_on=data.visited_on, note=f"at the visit: {data.reason}"),
        )
    return row


def visits(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[MedicationVisit]:
    patients_service.get(session, actor, patient_id, audit_view=False)
    rows = VisitRepository(session, actor).of_patient(patient_id)
    audit.record(session, actor, "medication_visit.list", "medication_visit", patient_id=patient_id)
    return rows


def void(
    session: Session, actor: Actor, patient_id: uuid.UUID, visit_id: uuid.UUID, reason: str
) -> MedicationVisit:
    row = VisitRepository(session, actor).one(patient_id, visit_id)
    if row is None:
        raise NotFound("no such visit note")
    row.void(actor.user_id, reason)
    audit.record(
        session,
        actor,
        "medication_visit.void",
        "medication_visit",
        row.id,
        patient_id=patient_id,
        details={"reason_given": True},
    )
    return row
