"""The audit_event table: append-only (triggers refuse UPDATE and DELETE), one global chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_clinic_occurred", "clinic_id", "occurred_at"),
        Index("ix_audit_events_patient", "patient_id"),
    )

    # Assigned by the writer under the chain lock (previous + 1), never by the database.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    occurred_at: Mapped[datetime]
    # No foreign keys: the trail must outlive, and never block, anything it describes.
    clinic_id: Mapped[uuid.UUID | None]
    actor_user_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None]
    outcome: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)

    def chained_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": str(self.event_id),
            "occurred_at": self.occurred_at,
            "clinic_id": str(self.clinic_id) if self.clinic_id else None,
            "actor_user_id": str(self.actor_user_id) if self.actor_user_id else None,
            "actor_label": self.actor_label,
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "patient_id": str(self.patient_id) if self.patient_id else None,
            "outcome": self.outcome,
            "ip": self.ip,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "row_hash": self.row_hash,
        }
