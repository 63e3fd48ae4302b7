"""Scale responses, patients' questionnaire links and safety alerts. Never deleted: voided."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord


class ScaleResponse(ClinicalRecord, Base):
    """One administration of an instrument, with the answers as given and the score as computed.

    ``created_by`` is the clinician who entered it, or for a patient's self-report the clinician
    who issued the link (``source`` = "patient", ``link_id`` set).
    """

    __tablename__ = "scale_responses"
    __table_args__ = (
        CheckConstraint("source IN ('clinician', 'patient', 'api')", name="source_known"),
        Index(
            "ix_scale_responses_patient_instrument",
            "patient_id",
            "instrument_id",
            "administered_at",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    instrument_id: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    administered_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(10))
    link_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("questionnaire_links.id"))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    total: Mapped[int | None]
    severity: Mapped[str | None] = mapped_column(String(60))
    risk: Mapped[str | None] = mapped_column(String(20))
    subscores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    loinc_panel: Mapped[str | None] = mapped_column(String(20))
    loinc_total: Mapped[str | None] = mapped_column(String(20))


class QuestionnaireLink(ClinicalRecord, Base):
    """An expiring, single-use link for a patient to complete a self-report on their phone.

    Only a keyed hash of the token is stored. ``draft_answers`` keeps answers already given so a
    reload loses nothing.
    """

    __tablename__ = "questionnaire_links"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    delivery: Mapped[str] = mapped_column(String(10))  # "email" or "desk"
    sent_to: Mapped[str | None] = mapped_column(String(320))
    draft_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class SafetyAlert(ClinicalRecord, Base):
    """Raised by a response (e.g. PHQ-9 item 9 above zero); open until a clinician acknowledges it."""

    __tablename__ = "safety_alerts"
    __table_args__ = (Index("ix_safety_alerts_clinic_open", "clinic_id", "acknowledged_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scale_responses.id"))
    kind: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(300))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    action_note: Mapped[str | None] = mapped_column(Text)
