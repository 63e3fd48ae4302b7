"""The worker's side of the outbox: find due messages, try each once, record what happened.

Design (robust to a lost job and to a crash between sending and committing):

- The database is the queue's source of truth. A periodic job (every minute) sweeps for messages
  that are ``queued`` or ``retrying`` with ``next_attempt_at`` passed; nothing depends on a job
  enqueued at booking time surviving, so a lost or flushed job queue loses no reminder.
- Each try runs in three short transactions: *claim* (a conditional UPDATE to ``sending`` that only
  one worker can win, the attempt row, the text with its questionnaire link; audited), *send* (SMTP,
  outside any transaction), *record* (``sent``, or ``retrying`` with the next time, or ``failed``
  after ``message_max_attempts`` tries; audited).
- A crash after the claim leaves the row ``sending``. After ``rules.SENDING_LEASE`` the sweep marks
  that attempt "unknown" and retries it: delivery is at-least-once, so a patient may rarely get a
  reminder twice, but never silently none. The front desk sees the attempt and its note.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.kit.mail import MailNotSent, send_mail
from ketacare.messaging import reminder_content, rules
from ketacare.messaging import repository as repo
from ketacare.messaging.models import MessageAttempt, OutboundMessage
from ketacare.patients.models import Patient
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import QuestionnaireLink

log = logging.getLogger(__name__)

NO_ADDRESS = "no e-mail address on file"
INTERRUPTED = "the worker stopped during this try; the e-mail may or may not have gone out"


def worker_actor(clinic_id: uuid.UUID) -> Actor:
    """The background worker, scoped to the clinic of the message it handles."""
    return Actor(user_id=None, clinic_id=clinic_id, role="system", label="message worker")


@dataclass(frozen=True)
class Prepared:
    message_id: uuid.UUID
    clinic_id: uuid.UUID
    number: int
    to: str
    subject: str
    body: str


def sweep(
    factory: sessionmaker[Session],
    settings: Settings,
    instruments: Mapping[str, Instrument],
    now: datetime | None = None,
    limit: int = 200,
) -> dict[str, int]:
    """Recover interrupted tries, then try every due message once. Returns counts by result."""
    now = now or utcnow()
    with transaction(factory) as session:
        stale = repo.stale_ids(session, now - rules.SENDING_LEASE)
    for message_id in stale:
        with transaction(factory) as session:
            _recover(session, settings, message_id, now)
    with transaction(factory) as session:
        due = repo.due_ids(session, now, limit)
    results = Counter(deliver(factory, settings, instruments, m, now) for m in due)
    if due or stale:
        log.info("messages: %s; interrupted tries recovered: %d", dict(results), len(stale))
    return dict(results)


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    instruments: Mapping[str, Instrument],
    message_id: uuid.UUID,
    now: datetime | None = None,
) -> str:
    """One try at one message: "sent", "retrying", "failed", "cancelled" or "skipped"."""
    now = now or utcnow()
    with transaction(factory) as session:
        prepared = _claim(session, settings, instruments, message_id, now)
    if isinstance(prepared, str):
        return prepared
    try:
        send_mail(settings, prepared.to, prepared.subject, prepared.body)
    except MailNotSent as error:
        log.warning("message %s try %d refused: %s", message_id, prepared.number, error)
        with transaction(factory) as session:
            return _record_failure(session, settings, prepared, str(error), now)
    with transaction(factory) as session:
        _record_sent(session, prepared)
    log.info("message %s sent (try %d)", message_id, prepared.number)
    return "sent"


def _claim(
    session: Session,
    settings: Settings,
    instruments: Mapping[str, Instrument],
    message_id: uuid.UUID,
    now: datetime,
) -> Prepared | str:
    row = repo.claim(session, message_id, now)
    if row is None:
        return "skipped"  # not due any more, or another worker has it
    actor = worker_actor(row.clinic_id)
    reason = reminder_content.reason_not_to_send(session, row, now)
    if reason is not None:
        _withdraw(session, actor, row, reason)
        return "cancelled"
    attempt = MessageAttempt(
        clinic_id=row.clinic_id, message_id=row.id, number=row.attempts, started_at=utcnow()
    )
    session.add(attempt)
    patient = session.get(Patient, row.patient_id)
    if patient is None or not patient.email:
        session.flush()
        _fail_attempt(session, settings, row, attempt, NO_ADDRESS, now, permanent=True)
        return "failed"
    row.to_address = patient.email  # the address on file now, not at booking
    try:
        with session.begin_nested():
            text = reminder_content.build(session, actor, settings, instruments, row)
    except Exception as error:  # any fault in making the text counts as a failed try
        log.exception("message %s: could not make the text", row.id)
        session.flush()
        return _fail_attempt(
            session, settings, row, attempt, f"could not make the text: {error}", now
        )
    row.body, row.questionnaire_link_id = text.stored, text.link_id
    audit.record(
        session,
        actor,
        "outbound_message.attempt",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
        details={"attempt": attempt.number},
    )
    return Prepared(row.id, row.clinic_id, attempt.number, row.to_address, row.subject, text.sent)


def _record_sent(session: Session, prepared: Prepared) -> None:
    row, attempt = _rows(session, prepared.message_id, prepared.number)
    now = utcnow()
    row.status, row.sent_at, row.next_attempt_at, row.claimed_at = "sent", now, None, None
    attempt.outcome, attempt.finished_at = "sent", now
    audit.record(
        session,
        worker_actor(row.clinic_id),
        "outbound_message.sent",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
        details={"attempt": attempt.number},
    )


def _record_failure(
    session: Session, settings: Settings, prepared: Prepared, error: str, now: datetime
) -> str:
    row, attempt = _rows(session, prepared.message_id, prepared.number)
    if row.questionnaire_link_id is not None:
        # Never delivered: nobody holds its token, so close it rather than leave it open.
        link = session.get(QuestionnaireLink, row.questionnaire_link_id)
        if link is not None and link.voided_at is None:
            link.void(None, "the reminder carrying this link was not delivered")
            audit.record(
                session,
                worker_actor(row.clinic_id),
                "questionnaire_link.void",
                "questionnaire_link",
                link.id,
                patient_id=link.patient_id,
            )
    return _fail_attempt(session, settings, row, attempt, error, now)


def _fail_attempt(
    session: Session,
    settings: Settings,
    row: OutboundMessage,
    attempt: MessageAttempt,
    error: str,
    now: datetime,
    *,
    permanent: bool = False,
    outcome: str = "refused",
) -> str:
    budget = settings.message_max_attempts
    used = row.attempts - row.attempts_at_requeue
    after = rules.after_failure(
        now, budget if permanent else used, budget, settings.message_retry_minutes
    )
    row.status, row.next_attempt_at, row.claimed_at = after.status, after.next_attempt_at, None
    row.last_error = error[:1000]
    attempt.outcome, attempt.finished_at, attempt.error = outcome, utcnow(), error[:1000]
    audit.record(
        session,
        worker_actor(row.clinic_id),
        "outbound_message.send_failed",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
        outcome="failure",
        details={"attempt": attempt.number, "status": after.status},
    )
    return after.status


def _recover(session: Session, settings: Settings, message_id: uuid.UUID, now: datetime) -> None:
    row = repo.message(session, message_id)
    if row is None or row.status != "sending":
        return
    attempt = repo.attempt(session, message_id, row.attempts)
    if attempt is None:
        attempt = MessageAttempt(
            clinic_id=row.clinic_id, message_id=row.id, number=row.attempts, started_at=now
        )
        session.add(attempt)
    log.warning("message %s: try %d was interrupted; it will be retried", row.id, row.attempts)
    _fail_attempt(session, settings, row, attempt, INTERRUPTED, now, outcome="unknown")
    if row.status == "retrying":
        row.next_attempt_at = now  # at-least-once: try again straight away


def _withdraw(session: Session, actor: Actor, row: OutboundMessage, reason: str) -> None:
    row.status, row.cancelled_at, row.cancel_reason = "cancelled", utcnow(), reason
    row.next_attempt_at = row.claimed_at = None
    row.attempts -= 1  # the claim was not a try
    audit.record(
        session,
        actor,
        "outbound_message.cancel",
        "outbound_message",
        row.id,
        patient_id=row.patient_id,
        details={"reason": "automatic: " + reason},
    )


def _rows(
    session: Session, message_id: uuid.UUID, number: int
) -> tuple[OutboundMessage, MessageAttempt]:
    row = repo.message(session, message_id)
    attempt = repo.attempt(session, message_id, number)
    assert row is not None and attempt is not None
    return row, attempt
