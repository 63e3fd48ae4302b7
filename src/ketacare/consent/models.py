"""Consent documents (one row per version, never edited) and the signatures given on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord

_TREATMENTS = "treatment IN ('iv_ketamine', 'esketamine')"


class ConsentDocument(ClinicalRecord, Base):
    """One version of a clinic's consent text for a treatment; a new text is a new version."""

    __tablename__ = "consent_documents"
    __table_args__ = (
        UniqueConstraint("clinic_id", "treatment", "version"),
        CheckConstraint(_TREATMENTS, name="treatment_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    treatment: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))


class ConsentSignature(ClinicalRecord, Base):
    """A patient's signature on one version, with the exact text they read, stored unchanged.

    Withdrawal is the patient's decision (a new fact); a void means the entry was made in error.
    """

    __tablename__ = "consent_signatures"
    __table_args__ = (
        CheckConstraint(_TREATMENTS, name="treatment_known"),
        CheckConstraint(
            "withdrawn_at IS NULL OR (withdrawn_by IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name="withdrawal_complete",
        ),
        Index("ix_consent_signatures_patient_treatment", "patient_id", "treatment"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consent_documents.id"))
    treatment: Mapped[str] = mapped_column(String(20))
    document_version: Mapped[int]
    document_sha256: Mapped[str] = mapped_column(String(64))
    signed_text: Mapped[str] = mapped_column(Text)
    typed_name: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date]
    signed_at: Mapped[datetime]
    witnessed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
