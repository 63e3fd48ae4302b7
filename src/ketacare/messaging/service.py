"""Outbox use cases for staff: queue, list, send now, re-queue, cancel. Never commits.

Every change is audited in the caller's transaction. The worker's side is ``delivery``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound, PermissionDenied
from ketacare.messaging import repository, rules
from ketacare.messaging.models import MessageAttempt, OutboundMessage
from ketacare.messaging.repository import MessageRepository
from ketacare.scheduling.models import Appointment

DESK_ROLES = ("front_desk", "admin")
READ_ROLES = ("front_desk", "admin", "physician", "nurse", "therapist")
UNSENT = ("queued", "retrying", "failed")


@dataclass(frozen=True)
class NewMessage:
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    topic: str
    to_address: str
    subject: str
    send_at: datetime
    hours_before: int | None = None
    questionnaire_id: str | None = None


def queue(session: Session, actor: Actor, new: NewMessage) -> OutboundMessage:
    repo = MessageRepository(session, actor)
    row = OutboundMessage(
        clinic_id=repo.clinic_id,
        created_by=actor.user_id,
        patient_id=new.patient_id,
        appointment_id=new.appointment_id,
        topic=new.topic,
        hours_before=new.hours_before,
        to_address=new.to_address,
        subject=new.subject,
        questionnaire_id=new.questionnaire_id,
        send_at=new.send_at,
        next_attempt_at=new.send_at,
        status="queued",
        attempts=0,
        attempts_at_requeue=0,
    )
    repo.add(row)
    audit.record(
        session,
        actor,
        "outbound_message.queue",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
        details={"topic": row.topic, "send_at": row.send_at.isoformat()},
    )
    return row


def cancel_for_appointment(
    session: Session, actor: Actor, appointment_id: uuid.UUID, reason: str
) -> int:
    """Withdraw what has not gone out; a try already "sending" cannot be called back."""
    rows = MessageRepository(session, actor).for_appointments([appointment_id])
    unsent = [row for row in rows if row.status in UNSENT]
    for row in unsent:
        _cancel(session, actor, row, reason)
    return len(unsent)


def summaries(
    session: Session, actor: Actor, appointment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    by_appointment: dict[uuid.UUID, list[str]] = {}
    for row in MessageRepository(session, actor).for_appointments(appointment_ids):
        if row.appointment_id is not None:
            by_appointment.setdefault(row.appointment_id, []).append(row.status)
    return {key: rules.summary_line(statuses) for key, statuses in by_appointment.items()}


@dataclass(frozen=True)
class Listing:
    outstanding: list[OutboundMessage]
    sent: list[OutboundMessage]
    attempts: dict[uuid.UUID, list[MessageAttempt]]
    appointments: dict[uuid.UUID, Appointment]


def listing(session: Session, actor: Actor) -> Listing:
    _require(actor, READ_ROLES)
    repo = MessageRepository(session, actor)
    outstanding, sent = repo.outstanding(), repo.recently_sent()
    attempts = repo.attempts_of([m.id for m in outstanding + sent])
    wanted = {m.appointment_id for m in outstanding + sent if m.appointment_id}
    booked = repository.appointments(session, repo.clinic_id, wanted)
    audit.record(
        session,
        actor,
        "outbound_message.list",
        "outbound_message",
        details={"outstanding": len(outstanding), "sent": len(sent)},
    )
    return Listing(outstanding, sent, attempts, booked)


def failed_count(session: Session, actor: Actor) -> int:
    return MessageRepository(session, actor).count_failed()


def send_now(session: Session, actor: Actor, message_id: uuid.UUID) -> OutboundMessage:
    """Queued or retrying: due now. Failed: a new round of tries (re-queue)."""
    _require(actor, DESK_ROLES)
    row = _get(session, actor, message_id)
    if row.status not in UNSENT:
        raise InvalidInput.one("message", f"this message is {row.status}; nothing to send")
    action = "outbound_message.requeue" if row.status == "failed" else "outbound_message.send_now"
    if row.status == "failed":
        row.status, row.attempts_at_requeue = "queued", row.attempts
    row.next_attempt_at = utcnow()
    audit.record(session, actor, action, "outbound_message", row.id, patient_id=row.patient_id)
    return row


def cancel(session: Session, actor: Actor, message_id: uuid.UUID, reason: str) -> OutboundMessage:
    _require(actor, DESK_ROLES)
    row = _get(session, actor, message_id)
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise InvalidInput.one(
            "reason", "is required: say why (3 to 500 characters)", min_length=3, max_length=500
        )
    if row.status not in UNSENT:
        raise InvalidInput.one("reason", f"this message is {row.status}; it cannot be cancelled")
    _cancel(session, actor, row, reason)
    return row


def _cancel(session: Session, actor: Actor, row: OutboundMessage, reason: str) -> None:
    row.status, row.cancelled_at = "cancelled", utcnow()
    row.cancelled_by, row.cancel_reason = actor.user_id, reason[:500]
    row.next_attempt_at = None
    audit.record(
        session,
        actor,
        "outbound_message.cancel",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
    )


def _get(session: Session, actor: Actor, message_id: uuid.UUID) -> OutboundMessage:
    row = MessageRepository(session, actor).get(message_id)
    if row is None:
        raise NotFound("no such message")
    return row


def _require(actor: Actor, roles: tuple[str, ...]) -> None:
    if actor.role not in roles:
        raise PermissionDenied("your role cannot do this with patients' messages")
