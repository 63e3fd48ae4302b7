"""Calendar rows: the resources a clinic books (chairs, rooms) and appointments.

Clinicians are users, not resources rows. An appointment is never deleted: cancelling keeps the row
with who, when and why, and rescheduling is a cancellation plus a new booking.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord, one_of

RESOURCE_KINDS = ("chair", "room")
APPOINTMENT_KINDS = ("treatment", "therapy", "medication_visit", "other")
APPOINTMENT_STATUSES = ("booked", "cancelled", "attended", "no_show")


class ScheduleResource(ClinicalRecord, Base):
    """A bookable place: an infusion chair or a therapy/consulting room. Retired, never deleted."""

    __tablename__ = "schedule_resources"
    __table_args__ = (
        CheckConstraint(one_of("kind", RESOURCE_KINDS), name="kind_known"),
        UniqueConstraint("clinic_id", "name", name="uq_schedule_resources_clinic_name"),
    )

    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Appointment(ClinicalRecord, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(one_of("kind", APPOINTMENT_KINDS), name="kind_known"),
        CheckConstraint(one_of("status", APPOINTMENT_STATUSES), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        Index("ix_appointments_clinic_starts", "clinic_id", "starts_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schedule_resources.id"), index=True
    )
    clinician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    course_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("course_sessions.id"), index=True
    )
    therapy_type: Mapped[str | None] = mapped_column(String(30))
    desk_note: Mapped[str | None] = mapped_column(
        Text
    )  # logistics only; clinical notes live elsewhere
    status: Mapped[str] = mapped_column(String(10), default="booked")
    status_changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status_changed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
