"""Psychotherapy rows: sessions, addenda, walled-off process notes and the clinic's grants.

Process notes and their voids are append-only (the database refuses UPDATE and DELETE); a signed
session is locked by a trigger except for its void fields; nothing here is ever deleted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord, UUIDPrimaryKey, one_of
from ketacare.kit.db.types import utcnow
from ketacare.therapy.rules import DELIVERIES, GRANTABLE_ROLES, MODALITIES, THERAPY_TYPES


class TherapySession(ClinicalRecord, Base):
    """One psychotherapy session. ``progress_note`` is the part other clinicians see."""

    __tablename__ = "therapy_sessions"
    __table_args__ = (
        CheckConstraint(one_of("therapy_type", THERAPY_TYPES), name="type_known"),
        CheckConstraint(
            "therapy_type != 'other' OR type_detail IS NOT NULL", name="other_has_detail"
        ),
        CheckConstraint("duration_min BETWEEN 1 AND 480", name="duration_range"),
        CheckConstraint(one_of("modality", MODALITIES), name="modality_known"),
        CheckConstraint(one_of("delivery", DELIVERIES), name="delivery_known"),
        CheckConstraint("(signed_at IS NULL) = (signed_by IS NULL)", name="signed_has_signer"),
        Index("ix_therapy_sessions_patient_held", "patient_id", "held_on"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    held_on: Mapped[date]
    therapy_type: Mapped[str] = mapped_column(String(20))
    type_detail: Mapped[str | None] = mapped_column(String(200))
    duration_min: Mapped[int]
    modality: Mapped[str] = mapped_column(String(12))
    delivery: Mapped[str] = mapped_column(String(12))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    homework: Mapped[str | None] = mapped_column(Text)
    progress_note: Mapped[str] = mapped_column(Text)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
    course_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("course_sessions.id"))
    signed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class TherapyAddendum(UUIDPrimaryKey, Base):
    """A later addition to a signed session; append-only (a wrong addendum gets a correcting one)."""

    __tablename__ = "therapy_addenda"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    therapy_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("therapy_sessions.id"), index=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class ProcessNote(UUIDPrimaryKey, Base):
    """The therapist's psychotherapy process note: walled off, never updated, never deleted."""

    __tablename__ = "therapy_process_notes"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    therapy_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("therapy_sessions.id"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_process_notes.id"))


class ProcessNoteVoid(UUIDPrimaryKey, Base):
    """That a process note was withdrawn, by whom, when and why (the note row stays as written)."""

    __tablename__ = "therapy_process_note_voids"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    process_note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("therapy_process_notes.id"), unique=True
    )
    voided_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class ProcessNoteGrant(UUIDPrimaryKey, Base):
    """A clinic lets a role read process notes; revoking keeps the row with who, when and why."""

    __tablename__ = "process_note_grants"
    __table_args__ = (
        CheckConstraint(one_of("role", GRANTABLE_ROLES), name="role_grantable"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name="revoked_has_who"),
        Index(
            "uq_process_note_grants_active",
            "clinic_id",
            "role",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
