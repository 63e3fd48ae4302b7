"""Courses, their planned sessions and the proposals made at decision points."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord


class Course(ClinicalRecord, Base):
    """Started once; its dose, phase and end follow from the accepted proposals."""

    __tablename__ = "treatment_courses"
    __table_args__ = (
        CheckConstraint("treatment IN ('iv_ketamine', 'esketamine')", name="treatment_known"),
        CheckConstraint("start_dose > 0", name="start_dose_positive"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocol_versions.id"))
    eligibility_assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("eligibility_assessments.id")
    )
    treatment: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date]
    start_dose: Mapped[float] = mapped_column(Float)  # mg/kg (IV) or mg (fixed-dose)


class CourseSession(ClinicalRecord, Base):
    """A planned session; recording it as given fills the completion fields once."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'completed', 'cancelled')", name="status_known"),
        CheckConstraint("dose_given_mg IS NULL OR dose_given_mg > 0", name="dose_positive"),
        Index("ix_course_sessions_course", "course_id", "number"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_courses.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    number: Mapped[int]
    phase: Mapped[str] = mapped_column(String(40))
    number_in_phase: Mapped[int]
    planned_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="planned")
    completed_on: Mapped[date | None]
    dose_given_mg: Mapped[float | None] = mapped_column(Float)
    tolerated: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]


class CourseProposal(ClinicalRecord, Base):
    """Proposed by a decision point, never applied until a physician accepts it."""

    __tablename__ = "course_proposals"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('dose_step_up', 'start_next_phase', 'end_course', 'physician_review')",
            name="kind_known",
        ),
        CheckConstraint("status IN ('open', 'accepted', 'declined')", name="status_known"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_courses.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    after_session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course_sessions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    clinic_choice: Mapped[bool] = mapped_column(Boolean)
    improvement_pct: Mapped[float | None] = mapped_column(Float)
    from_dose: Mapped[float | None] = mapped_column(Float)
    to_dose: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="open")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
