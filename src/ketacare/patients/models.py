"""Patient tables. Nothing here is ever deleted: rows are voided, demographics amended by revision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord

_SEXES = "'female', 'male', 'other', 'unknown'"


class Patient(ClinicalRecord, Base):
    """The current demographics; every version, the first included, is kept in PatientRevision."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "mrn"),
        CheckConstraint(f"sex IN ({_SEXES})", name="sex_known"),
        Index("ix_patients_clinic_family_given", "clinic_id", "family_name", "given_name"),
    )

    mrn: Mapped[str] = mapped_column(String(40))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(String(300))
    referring_clinician: Mapped[str | None] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(default=1)

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class PatientRevision(ClinicalRecord, Base):
    """An immutable snapshot of a patient's demographics, with who changed them, when and why."""

    __tablename__ = "patient_revisions"
    __table_args__ = (UniqueConstraint("patient_id", "revision"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    revision: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)


class BodyMeasurement(ClinicalRecord, Base):
    """Weight and/or height at a point in time. CHECKs hold physical limits; plausibility is policy."""

    __tablename__ = "body_measurements"
    __table_args__ = (
        CheckConstraint("weight_kg IS NOT NULL OR height_cm IS NOT NULL", name="has_a_value"),
        CheckConstraint(
            "weight_kg IS NULL OR (weight_kg > 0 AND weight_kg < 700)", name="weight_kg"
        ),
        CheckConstraint(
            "height_cm IS NULL OR (height_cm > 0 AND height_cm < 300)", name="height_cm"
        ),
        Index("ix_body_measurements_patient_measured", "patient_id", "measured_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    measured_at: Mapped[datetime]
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)


class Allergy(ClinicalRecord, Base):
    __tablename__ = "allergies"
    __table_args__ = (
        CheckConstraint("severity IN ('mild', 'moderate', 'severe', 'unknown')", name="severity"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    substance: Mapped[str] = mapped_column(String(200))
    reaction: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(10))


class Diagnosis(ClinicalRecord, Base):
    """A problem on the medical and psychiatric history: ICD-10-CM coded, screening-coded, or both.

    Resolving records the date with who and when; a wrong entry is voided instead.
    """

    __tablename__ = "diagnoses"
    __table_args__ = (
        CheckConstraint("icd10_code IS NOT NULL OR condition IS NOT NULL", name="coded"),
        CheckConstraint(
            "resolved_on IS NULL OR onset_date IS NULL OR resolved_on >= onset_date",
            name="resolved_after_onset",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    icd10_code: Mapped[str | None] = mapped_column(String(10))
    condition: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(300))
    onset_date: Mapped[date | None]
    resolved_on: Mapped[date | None]
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
