"""The outbox: e-mails to patients waiting to be sent, and every delivery attempt.

A row is written in the same transaction as what caused it (a booking) and sent later by the job
worker. Rows are never deleted: a reminder that should no longer go out is cancelled with who, when
and why; each try leaves a ``MessageAttempt`` so the front desk sees the history.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord, UUIDPrimaryKey, one_of
from ketacare.kit.db.types import utcnow

MESSAGE_STATUSES = ("queued", "sending", "sent", "retrying", "failed", "cancelled")
OUTSTANDING = ("queued", "sending", "retrying", "failed")
ATTEMPT_OUTCOMES = ("in_progress", "sent", "refused", "unknown")


class OutboundMessage(ClinicalRecord, Base):
    """One e-mail to one patient. ``body`` is the text as sent (a questionnaire token masked)."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(one_of("status", MESSAGE_STATUSES), name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
        Index("ix_outbound_messages_due", "status", "next_attempt_at"),
        Index("ix_outbound_messages_clinic_status", "clinic_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id"), index=True
    )
    topic: Mapped[str] = mapped_column(String(40))
    hours_before: Mapped[int | None]  # which reminder (e.g. 48, 24); 0 = sent straight away
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)  # written when sent
    questionnaire_id: Mapped[str | None] = mapped_column(String(40))  # invite to this instrument
    questionnaire_link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("questionnaire_links.id")
    )
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    attempts_at_requeue: Mapped[int] = mapped_column(default=0)  # a re-queue starts a new budget
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # when the current "sending" try began
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class MessageAttempt(UUIDPrimaryKey, Base):
    """One try at handing a message to the SMTP server (written by the worker, not a user)."""

    __tablename__ = "message_attempts"
    __table_args__ = (
        CheckConstraint(one_of("outcome", ATTEMPT_OUTCOMES), name="outcome_known"),
        Index("ix_message_attempts_message", "message_id", "number"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_messages.id"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(12), default="in_progress")
    error: Mapped[str | None] = mapped_column(Text)
