"""A treatment session at the chair: its state, an append-only event log and the vital signs.

The session row holds the current state and what was fixed at the time (the order, the lot); every
change of state, pump action, override and response is an event row with who, when and why.
"""

from __future__ import annotations

import uuid
from datetime import datetime
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord

_STATES = (
    "'scheduled', 'checked_in', 'prechecked', 'dosing', 'observation', 'discharged', "
    "'cancelled', 'aborted'"
)


class TreatmentSession(ClinicalRecord, Base):
    __tablename__ = "treatment_sessions"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state_known"),
        CheckConstraint("ordered_dose_mg > 0", name="dose_positive"),
        # For the outcomes dashboard (migration 0015): aborted sessions only.
        Index(
            "ix_treatment_sessions_aborted",
            "clinic_id",
            "course_session_id",
            sqlite_where=text("state = 'aborted' AND voided_at IS NULL"),
            postgresql_where=text("state = 'aborted' AND voided_at IS NULL"),
        ),
    )

    course_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_sessions.id"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    treatment: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    checked_in_at: Mapped[datetime]
    ordered_dose_mg: Mapped[float] = mapped_column(Float)
    ordered_rate_ml_per_h: Mapped[float | None] = mapped_column(Float)
    final_volume_ml: Mapped[float | None] = mapped_column(Float)
    devices_ordered: Mapped[int | None]
    order_signed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    order_signed_at: Mapped[datetime | None]
    lot_number: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(20))
    dosing_started_at: Mapped[datetime | None]
    dosing_ended_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]


class SessionEvent(ClinicalRecord, Base):
    """Append-only: transitions, pre-checks, pump actions, overrides, responses, addenda."""

    __tablename__ = "session_events"
    __table_args__ = (
        Index("ix_session_events_session", "session_id", "at"),
        # For the outcomes dashboard (migration 0015): adverse events only.
        Index(
            "ix_session_events_adverse",
            "clinic_id",
            "session_id",
            sqlite_where=text("kind = 'adverse_event' AND voided_at IS NULL"),
            postgresql_where=text("kind = 'adverse_event' AND voided_at IS NULL"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_sessions.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)


class VitalReading(ClinicalRecord, Base):
    """One set of vital signs; a device's retry of the same reading is the same row."""

    __tablename__ = "vital_readings"
    __table_args__ = (
        UniqueConstraint("session_id", "device", "measured_at", name="one_reading_per_device_time"),
        CheckConstraint("spo2_pct IS NULL OR spo2_pct <= 100", name="spo2_at_most_100"),
        # For the outcomes dashboard (migration 0015): readings that raised an alert only.
        Index(
            "ix_vital_readings_alerted",
            "clinic_id",
            "session_id",
            sqlite_where=text("json_array_length(alerts) > 0 AND voided_at IS NULL"),
            postgresql_where=text("json_array_length(alerts) > 0 AND voided_at IS NULL"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    device: Mapped[str] = mapped_column(String(60))  # "manual" for readings typed at the chair
    measured_at: Mapped[datetime]
    systolic_mmhg: Mapped[int | None]
    diastolic_mmhg: Mapped[int | None]
    heart_rate_bpm: Mapped[int | None]
    spo2_pct: Mapped[int | None]
    resp_rate: Mapped[int | None]
    alerts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
