"""An appointment reminder's text, made when it is sent: checks first, then wording and link."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.messaging import compose, instructions
from ketacare.messaging.models import OutboundMessage
from ketacare.scales import links
from ketacare.scales.definitions import Instrument
from ketacare.scheduling.models import Appointment, ScheduleResource
from ketacare.treatment.models import Course, CourseSession


@dataclass(frozen=True)
class Text:
    sent: str  # what goes to the patient
    stored: str  # the same with the questionnaire token masked (the raw token is never stored)
    link_id: uuid.UUID | None


def reason_not_to_send(session: Session, message: OutboundMessage, now: datetime) -> str | None:
    """Looked at again just before each try: the booking may have changed since it was queued."""
    if message.appointment_id is None:
        return None
    appointment = session.get(Appointment, message.appointment_id)
    if appointment is None or appointment.voided_at is not None:
        return "the appointment no longer exists"
    if appointment.status != "booked":
        return f"the appointment is {appointment.status}"
    if appointment.starts_at <= now:
        return "the visit started before the reminder could be sent"
    return None


def build(
    session: Session,
    actor: Actor,
    settings: Settings,
    instruments: Mapping[str, Instrument],
    message: OutboundMessage,
) -> Text:
    appointment = session.get(Appointment, message.appointment_id)
    assert appointment is not None  # reason_not_to_send ran first
    knowledge = instructions.load()
    zone = settings.zone
    reminder = compose.Reminder(
        clinic_name=_clinic_name(session, message.clinic_id),
        place=_place(session, appointment),
        starts=appointment.starts_at.astimezone(zone),
        instructions=(
            knowledge.for_treatment(_treatment(session, appointment))
            if appointment.kind == "treatment"
            else []
        ),
    )
    if not message.questionnaire_id:
        text = compose.body(reminder, None)
        return Text(text, text, None)
    instrument = instruments[message.questionnaire_id]
    issued = links.create_link(
        session,
        actor,
        settings,
        instrument,
        message.patient_id,
        "email",
        created_by=message.created_by,
        expires_at=appointment.starts_at + timedelta(hours=knowledge.link_hours_after_visit),
    )
    expires = issued.link.expires_at.astimezone(zone)
    sent = compose.body(reminder, compose.Invitation(instrument.short_name, issued.url, expires))
    masked = compose.Invitation(instrument.short_name, compose.MASK, expires)
    return Text(sent, compose.body(reminder, masked), issued.link.id)


def _clinic_name(session: Session, clinic_id: uuid.UUID) -> str:
    clinic = session.get(Clinic, clinic_id)
    return clinic.name if clinic else "your clinic"


def _place(session: Session, appointment: Appointment) -> str:
    if appointment.resource_id is None:
        return ""
    resource = session.get(ScheduleResource, appointment.resource_id)
    return resource.name if resource else ""


def _treatment(session: Session, appointment: Appointment) -> str | None:
    if appointment.course_session_id is None:
        return None
    statement = (
        select(Course.treatment)
        .join(CourseSession, CourseSession.course_id == Course.id)
        .where(CourseSession.id == appointment.course_session_id)
    )
    return session.scalar(statement)
