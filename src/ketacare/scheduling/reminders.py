"""Reminders for appointments: planned when booked, cancelled with the appointment.

Placeholder interface, filled in by the messaging work; booking already calls it.
"""

from __future__ import annotations

# ruff: noqa: ARG001  (placeholder bodies until the messaging work lands)
import uuid

from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.scheduling.models import Appointment


def plan(session: Session, actor: Actor, settings: Settings, appointment: Appointment) -> None:
    """Queue the reminder e-mails for a newly booked appointment (same transaction)."""


def cancel(session: Session, actor: Actor, appointment: Appointment, reason: str) -> None:
    """Withdraw the appointment's unsent reminders (same transaction)."""


def summary(
    session: Session, actor: Actor, appointment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """One line per appointment for the front desk, e.g. "2 queued" or "1 sent · 1 failed"."""
    return {}
