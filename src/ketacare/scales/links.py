"""Patients' questionnaire links: issue (e-mail or desk QR), open, keep drafts, submit once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.kit.mail import send_mail
from ketacare.kit.security.tokens import new_token, token_hash
from ketacare.patients import service as patients_service
from ketacare.scales import service
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import QuestionnaireLink, ScaleResponse
from ketacare.scales.repository import ScalesRepository, link_by_token_hash


@dataclass(frozen=True)
class IssuedLink:
    link: QuestionnaireLink
    url: str  # holds the raw token: shown or sent once, never stored


def issue_link(
    session: Session,
    actor: Actor,
    settings: Settings,
    instrument: Instrument,
    patient_id: uuid.UUID,
    delivery: str,
) -> IssuedLink:
    """Create a link; with delivery "email" send it to the patient's address on file."""
    issued = create_link(session, actor, settings, instrument, patient_id, delivery)
    if delivery == "email" and issued.link.sent_to:
        send_mail(
            settings,
            issued.link.sent_to,
            "A short questionnaire from your clinic",
            _email_body(instrument, issued.url, settings.questionnaire_link_hours),
        )
    return issued


def create_link(
    session: Session,
    actor: Actor,
    settings: Settings,
    instrument: Instrument,
    patient_id: uuid.UUID,
    delivery: str,
    *,
    created_by: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> IssuedLink:
    """Create (and audit) a link without sending it, e.g. to put its URL inside a reminder.

    ``created_by`` names the staff member on whose behalf a background job creates it (default:
    the actor); ``expires_at`` may only shorten the configured lifetime.
    """
    if instrument.rater != "self":
        raise InvalidInput.one(
            "instrument",
            f"{instrument.short_name} is clinician-rated; "
            "only self-report questionnaires can be sent to patients",
        )
    if delivery not in ("email", "desk"):
        raise InvalidInput.one("delivery", "must be 'email' or 'desk'")
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    if delivery == "email" and not patient.email:
        raise InvalidInput.one("delivery", "the patient has no e-mail address on file")
    raw = new_token("kcq")
    latest = utcnow() + timedelta(hours=settings.questionnaire_link_hours)
    link = QuestionnaireLink(
        clinic_id=patient.clinic_id,
        created_by=created_by or actor.user_id,
        patient_id=patient.id,
        instrument_id=instrument.id,
        token_hash=token_hash(_key(settings), raw),
        expires_at=min(expires_at, latest) if expires_at else latest,
        delivery=delivery,
        sent_to=patient.email if delivery == "email" else None,
    )
    ScalesRepository(session, actor).add(link)
    url = f"{settings.public_base_url.rstrip('/')}/q/{raw}"
    audit.record(
        session,
        actor,
        "questionnaire_link.issue",
        "questionnaire_link",
        link.id,
        patient_id=patient.id,
        details={"instrument": instrument.id, "delivery": delivery},
    )
    return IssuedLink(link, url)


def _email_body(instrument: Instrument, url: str, hours: int) -> str:
    # No clinical details in e-mail: just what to do and until when.
    return (
        "Hello,\n\nYour care team asks you to answer a short questionnaire "
        f"({instrument.short_name}). It takes a few minutes on your phone:\n\n{url}\n\n"
        f"The link works once and expires in {hours} hours.\n"
        "If you are in crisis, call your local emergency number now.\n"
    )


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def _patient_actor(link: QuestionnaireLink, ip: str | None) -> Actor:
    return Actor(
        user_id=None,
        clinic_id=link.clinic_id,
        role="patient",
        label=f"patient via link {str(link.id)[:8]}",
        ip=ip,
    )


def open_link(session: Session, settings: Settings, raw: str, ip: str | None) -> QuestionnaireLink:
    """The link for a token if it can still be answered; one answer for every other case."""
    link = link_by_token_hash(session, token_hash(_key(settings), raw))
    if (
        link is None
        or link.voided_at is not None
        or link.completed_at is not None
        or link.expires_at <= utcnow()
    ):
        raise NotFound("this link has expired or was already used")
    if link.opened_at is None:
        link.opened_at = utcnow()
        audit.record(
            session,
            _patient_actor(link, ip),
            "questionnaire_link.open",
            "questionnaire_link",
            link.id,
            patient_id=link.patient_id,
        )
    return link


def save_draft(
    session: Session, settings: Settings, raw: str, answers: Mapping[str, int], ip: str | None
) -> None:
    link = open_link(session, settings, raw, ip)
    link.draft_answers = {**link.draft_answers, **{str(k): int(v) for k, v in answers.items()}}


def submit(
    session: Session,
    settings: Settings,
    instrument: Instrument,
    raw: str,
    answers: Mapping[str, int],
    ip: str | None,
) -> ScaleResponse:
    link = open_link(session, settings, raw, ip)
    if link.instrument_id != instrument.id:
        raise NotFound("this link has expired or was already used")
    actor = _patient_actor(link, ip)
    response, _ = service.record_response(
        session,
        actor,
        instrument,
        link.patient_id,
        answers,
        source="patient",
        link_id=link.id,
        created_by=link.created_by,
    )
    link.completed_at = utcnow()
    link.draft_answers = {}
    return response
