"""All SQL for patients. Every statement starts from the actor's clinic: other clinics do not exist."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import Select, func, or_, select

from ketacare.kit.db.base import ClinicalRecord, ClinicScopedRepository
from ketacare.patients.models import Allergy, BodyMeasurement, Diagnosis, Patient, PatientRevision

RecordT = TypeVar("RecordT", bound=ClinicalRecord)


class PatientRepository(ClinicScopedRepository):
    def _readable(self, model: type[RecordT]) -> Select[RecordT]:
        return select(model).where(
            model.clinic_id == self.clinic_id,
            model.voided_at.is_(None),
        )

    def get(self, patient_id: uuid.UUID) -> Patient | None:
        return self.session.scalars(self._readable(Patient).where(Patient.id == patient_id)).first()

    def by_mrn(self, mrn: str) -> Patient | None:
        return self.session.scalars(self._readable(Patient).where(Patient.mrn == mrn)).first()

    def mrn_taken(self, mrn: str) -> bool:
        """Voided patients keep their number: MRNs are never reused."""
        statement = select(Patient.id).where(
            Patient.clinic_id == self.clinic_id, Patient.mrn == mrn
        )
        return self.session.scalar(statement) is not None

    def count_all(self) -> int:
        statement = select(func.count()).where(Patient.clinic_id == self.clinic_id)
        return self.session.scalar(statement) or 0

    def search(self, text: str, limit: int, offset: int) -> tuple[list[Patient], int]:
        statement = self._readable(Patient)
        for word in text.split():
            pattern = f"%{word}%"
            statement = statement.where(
                or_(
                    Patient.family_name.ilike(pattern),
                    Patient.given_name.ilike(pattern),
                    Patient.mrn.ilike(pattern),
                )
            )
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self.session.scalars(
            statement.order_by(Patient.family_name, Patient.given_name, Patient.mrn)
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total

    def names(self, patient_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not patient_ids:
            return {}
        statement = self._readable(Patient).where(Patient.id.in_(patient_ids))
        return {p.id: p.display_name for p in self.session.scalars(statement)}

    def revisions(self, patient_id: uuid.UUID) -> list[PatientRevision]:
        statement = self._readable(PatientRevision).where(PatientRevision.patient_id == patient_id)
        return list(self.session.scalars(statement.order_by(PatientRevision.revision.desc())))

    def measurements(self, patient_id: uuid.UUID) -> list[BodyMeasurement]:
        statement = self._readable(BodyMeasurement).where(BodyMeasurement.patient_id == patient_id)
        return list(self.session.scalars(statement.order_by(BodyMeasurement.measured_at.desc())))

    def allergies(self, patient_id: uuid.UUID) -> list[Allergy]:
        statement = self._readable(Allergy).where(Allergy.patient_id == patient_id)
        return list(self.session.scalars(statement.order_by(Allergy.created_at)))

    def diagnoses(self, patient_id: uuid.UUID) -> list[Diagnosis]:
        statement = self._readable(Diagnosis).where(Diagnosis.patient_id == patient_id)
        return list(self.session.scalars(statement.order_by(Diagnosis.created_at)))

    def record_of(
        self, model: type[RecordT], patient_id: uuid.UUID, record_id: uuid.UUID
    ) -> RecordT | None:
        statement = self._readable(model).where(
            model.id == record_id,
            model.patient_id == patient_id,  # type: ignore[attr-defined]
        )
        return self.session.scalars(statement).first()
