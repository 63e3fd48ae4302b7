"""All SQL for the outbox. Staff see their clinic only; the worker's queries span clinics."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.messaging.models import OUTSTANDING, MessageAttempt, OutboundMessage
from ketacare.scheduling.models import Appointment


class MessageRepository(ClinicScopedRepository):
    def get(self, message_id: uuid.UUID) -> OutboundMessage | None:
        return self.session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.clinic_id == self.clinic_id, OutboundMessage.id == message_id
            )
        ).first()

    def for_appointments(self, appointment_ids: list[uuid.UUID]) -> list[OutboundMessage]:
        if not appointment_ids:
            return []
        statement = select(OutboundMessage).where(
            OutboundMessage.clinic_id == self.clinic_id,
            OutboundMessage.appointment_id.in_(appointment_ids),
        )
        return list(self.session.scalars(statement.order_by(OutboundMessage.send_at)))

    def outstanding(self, limit: int = 200) -> list[OutboundMessage]:
        statement = select(OutboundMessage).where(
            OutboundMessage.clinic_id == self.clinic_id,
            OutboundMessage.status.in_(OUTSTANDING),
        )
        order = (OutboundMessage.status != "failed", OutboundMessage.send_at)
        return list(self.session.scalars(statement.order_by(*order).limit(limit)))

    def recently_sent(self, limit: int = 20) -> list[OutboundMessage]:
        statement = select(OutboundMessage).where(
            OutboundMessage.clinic_id == self.clinic_id, OutboundMessage.status == "sent"
        )
        return list(
            self.session.scalars(statement.order_by(OutboundMessage.sent_at.desc()).limit(limit))
        )

    def count_failed(self) -> int:
        statement = select(func.count()).where(
            OutboundMessage.clinic_id == self.clinic_id, OutboundMessage.status == "failed"
        )
        return self.session.scalar(statement) or 0

    def attempts_of(self, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[MessageAttempt]]:
        found: dict[uuid.UUID, list[MessageAttempt]] = {m: [] for m in message_ids}
        if not message_ids:
            return found
        statement = select(MessageAttempt).where(
            MessageAttempt.clinic_id == self.clinic_id, MessageAttempt.message_id.in_(message_ids)
        )
        for row in self.session.scalars(statement.order_by(MessageAttempt.number)):
            found[row.message_id].append(row)
        return found


# The worker (system, all clinics). Each message is then handled with an actor of its own clinic.


def due_ids(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    statement = (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.status.in_(("queued", "retrying")),
            OutboundMessage.next_attempt_at <= now,
        )
        .order_by(OutboundMessage.next_attempt_at)
        .limit(limit)
    )
    return list(session.scalars(statement))


def stale_ids(session: Session, claimed_before: datetime) -> list[uuid.UUID]:
    statement = select(OutboundMessage.id).where(
        OutboundMessage.status == "sending", OutboundMessage.claimed_at < claimed_before
    )
    return list(session.scalars(statement))


def claim(session: Session, message_id: uuid.UUID, now: datetime) -> OutboundMessage | None:
    """Take a due message for one try: only one worker wins, even with several consumers."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == message_id,
            OutboundMessage.status.in_(("queued", "retrying")),
            OutboundMessage.next_attempt_at <= now,
        )
        .values(status="sending", claimed_at=now, attempts=OutboundMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return message(session, message_id)


def message(session: Session, message_id: uuid.UUID) -> OutboundMessage | None:
    return session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.id == message_id)
        .execution_options(populate_existing=True)
    ).first()


def attempt(session: Session, message_id: uuid.UUID, number: int) -> MessageAttempt | None:
    return session.scalars(
        select(MessageAttempt).where(
            MessageAttempt.message_id == message_id, MessageAttempt.number == number
        )
    ).first()


def appointments(
    session: Session, clinic_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Appointment]:
    if not ids:
        return {}
    statement = select(Appointment).where(
        Appointment.clinic_id == clinic_id, Appointment.id.in_(ids)
    )
    return {row.id: row for row in session.scalars(statement)}
