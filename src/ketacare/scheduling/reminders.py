"""Reminders for appointments: planned when booked, cancelled with the appointment.

``plan`` queues one e-mail per offset in ``KETACARE_REMINDER_HOURS_BEFORE`` (default 48 and 24 hours)
whose time is still ahead. A booking made closer to the visit than every offset gets one reminder
straight away, so the patient still receives the pre-visit instructions. Nothing is queued for a
patient without an e-mail address, nor for a visit already started. The questionnaire invitation
(per kind, knowledge/instructions.toml) goes with the first reminder only: one link per visit.
The text itself is written when the worker sends it (``messaging.reminder_content``).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.messaging import compose, instructions, rules
from ketacare.messaging import service as messaging
from ketacare.patients import service as patients_service
from ketacare.scheduling.models import Appointment

TOPIC = "appointment_reminder"


def plan(session: Session, actor: Actor, settings: Settings, appointment: Appointment) -> None:
    """Queue the reminder e-mails for a newly booked appointment (same transaction)."""
    patient = patients_service.get(session, actor, appointment.patient_id, audit_view=False)
    if not patient.email or appointment.status != "booked":
        return
    times = rules.send_times(utcnow(), appointment.starts_at, settings.reminder_hours_before)
    questionnaire = instructions.load().questionnaire_for(appointment.kind)
    subject = compose.subject(appointment.starts_at.astimezone(settings.zone))
    for index, (hours, send_at) in enumerate(times):
        messaging.queue(
            session,
            actor,
            messaging.NewMessage(
                patient_id=patient.id,
                appointment_id=appointment.id,
                topic=TOPIC,
                to_address=patient.email,
                subject=subject,
                send_at=send_at,
                hours_before=hours,
                questionnaire_id=questionnaire if index == 0 else None,
            ),
        )


def cancel(session: Session, actor: Actor, appointment: Appointment, reason: str) -> None:
    """Withdraw the appointment's unsent reminders (same transaction)."""
    messaging.cancel_for_appointment(
        session, actor, appointment.id, f"appointment cancelled: {reason}"
    )


def summary(
    session: Session, actor: Actor, appointment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """One line per appointment for the front desk, e.g. "2 queued" or "1 sent · 1 failed"."""
    return messaging.summaries(session, actor, appointment_ids)
