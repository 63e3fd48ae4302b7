"""A patient's medications over time. Stopping is a new fact (date, who, why); errors are voided."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord


class PatientMedication(ClinicalRecord, Base):
    __tablename__ = "patient_medications"
    __table_args__ = (
        CheckConstraint("dose_amount > 0", name="dose_positive"),
        CheckConstraint("stopped_on IS NULL OR stopped_on >= started_on", name="stop_after_start"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    drug_name: Mapped[str] = mapped_column(String(100))
    dose_amount: Mapped[float] = mapped_column(Float)
    dose_unit: Mapped[str] = mapped_column(String(10))
    frequency: Mapped[str] = mapped_column(String(60))
    started_on: Mapped[date]
    prescriber: Mapped[str | None] = mapped_column(String(200))
    stopped_on: Mapped[date | None]
    stopped_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(Text)


class MedicationReview(ClinicalRecord, Base):
    """Reconciliation at a visit: the list was reviewed; "no change" is a fact worth recording."""

    __tablename__ = "medication_reviews"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    reviewed_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(20))  # "no_change" or "changed"
    note: Mapped[str | None] = mapped_column(Text)


class MedicationVisit(ClinicalRecord, Base):
    """A medication-management visit note: signed when saved; a wrong note is voided and rewritten."""

    __tablename__ = "medication_visits"
    __table_args__ = (
        CheckConstraint(
            "adherence IN ('good', 'partial', 'poor', 'not_assessed')", name="adherence_known"
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    visited_on: Mapped[date]
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
    reason: Mapped[str] = mapped_column(String(200))
    adherence: Mapped[str] = mapped_column(String(15))
    side_effects: Mapped[str | None] = mapped_column(Text)
    assessment: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text)
