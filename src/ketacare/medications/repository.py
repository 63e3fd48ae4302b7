"""All SQL for patients' medications, scoped to the actor's clinic."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.medications.models import MedicationReview, PatientMedication


class MedicationRepository(ClinicScopedRepository):
    def of_patient(self, patient_id: uuid.UUID, current_only: bool) -> list[PatientMedication]:
        statement = select(PatientMedication).where(
            PatientMedication.clinic_id == self.clinic_id,
            PatientMedication.patient_id == patient_id,
            PatientMedication.voided_at.is_(None),
        )
        if current_only:
            statement = statement.where(PatientMedication.stopped_on.is_(None))
        return list(self.session.scalars(statement.order_by(PatientMedication.started_on.desc())))

    def one(self, patient_id: uuid.UUID, medication_id: uuid.UUID) -> PatientMedication | None:
        return self.session.scalars(
            select(PatientMedication).where(
                PatientMedication.clinic_id == self.clinic_id,
                PatientMedication.patient_id == patient_id,
                PatientMedication.id == medication_id,
                PatientMedication.voided_at.is_(None),
            )
        ).first()

    def reviews(self, patient_id: uuid.UUID) -> list[MedicationReview]:
        statement = select(MedicationReview).where(
            MedicationReview.clinic_id == self.clinic_id,
            MedicationReview.patient_id == patient_id,
            MedicationReview.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(MedicationReview.reviewed_on.desc())))
