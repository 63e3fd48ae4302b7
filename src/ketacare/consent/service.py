"""Consent use cases: documents by version, signing, withdrawal, status. Audited; never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.consent import rules
from ketacare.consent.models import ConsentDocument, ConsentSignature
from ketacare.consent.permissions import PUBLISH_ROLES, WITHDRAW_ROLES, WITNESS_ROLES, require
from ketacare.consent.repository import ConsentRepository
from ketacare.eligibility.screening import Treatment
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound
from ketacare.patients import service as patients_service

NAME_MESSAGE = (
    "must be the patient's full name as registered (given name and family name); "
    "if the registration is wrong, ask staff to correct it first"
)
UNCONFIRMED = "must be ticked by the staff member who was present"


@dataclass(frozen=True)
class ConsentStatus:
    treatment: Treatment
    valid: bool
    signature: ConsentSignature | None
    current_version: int
    reason: str


@cache
def default_text(treatment: Treatment) -> tuple[str, str]:
    """The project's default (title, body) for a treatment, from ``defaults/<treatment>.md``."""
    text = resources.files("ketacare.consent").joinpath(f"defaults/{treatment}.md").read_text()
    first, _, rest = text.partition("\n")
    return first.lstrip("#").strip(), rules.normalise_body(rest)


def _add_document(
    session: Session, actor: Actor, treatment: Treatment, title: str, body: str, action: str
) -> ConsentDocument:
    repository = ConsentRepository(session, actor)
    body = rules.normalise_body(body)
    row = ConsentDocument(
        clinic_id=repository.clinic_id,
        created_by=actor.user_id,
        treatment=treatment,
        version=repository.highest_version(treatment) + 1,
        title=title.strip(),
        body=body,
        body_sha256=rules.sha256_of(body),
    )
    repository.add(row)
    details = {"treatment": treatment, "version": row.version}
    audit.record(session, actor, action, "consent_document", row.id, details=details)
    return row


def current_document(session: Session, actor: Actor, treatment: Treatment) -> ConsentDocument:
    """The version to sign now; a clinic without one gets the default text as version 1."""
    found = ConsentRepository(session, actor).latest_document(treatment)
    if found is not None:
        return found
    title, body = default_text(treatment)
    return _add_document(session, actor, treatment, title, body, "consent_document.default")


def ensure_defaults(session: Session, actor: Actor) -> list[ConsentDocument]:
    """Give the actor's clinic a current document for every treatment (for the demo and set-up)."""
    return [current_document(session, actor, treatment) for treatment in rules.TREATMENTS]


def versions(session: Session, actor: Actor, treatment: Treatment) -> list[ConsentDocument]:
    """Every version, newest first."""
    current_document(session, actor, treatment)
    return ConsentRepository(session, actor).versions(treatment)


def document_version(
    session: Session, actor: Actor, treatment: Treatment, version: int
) -> ConsentDocument:
    found = next((d for d in versions(session, actor, treatment) if d.version == version), None)
    if found is None:
        raise NotFound("no such version")
    return found


def publish_version(
    session: Session, actor: Actor, treatment: Treatment, title: str, body: str
) -> ConsentDocument:
    """A new text is a new version (previous + 1); patients must sign it again."""
    require(actor, PUBLISH_ROLES)
    current = current_document(session, actor, treatment)
    problems = []
    if not 3 <= len(title.strip()) <= 200:
        problems.append(FieldProblem("title", "must be 3 to 200 characters"))
    if not 50 <= len(body.strip()) <= 50_000:
        problems.append(FieldProblem("body", "must be 50 to 50000 characters"))
    elif rules.sha256_of(rules.normalise_body(body)) == current.body_sha256:
        message = f"is the same as version {current.version}: change the text to publish a new one"
        problems.append(FieldProblem("body", message))
    if problems:
        raise InvalidInput(problems)
    return _add_document(session, actor, treatment, title, body, "consent_document.publish")


def sign(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    document_id: uuid.UUID,
    typed_name: str,
    signed_on: date,
    staff_confirmed: bool,
    *,
    treatment: Treatment | None = None,
) -> ConsentSignature:
    """Store the patient's signature on the current version with the exact text they read.

    The actor is the witness: the signed-in staff member who was present and ticked the box.
    """
    require(actor, WITNESS_ROLES)
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    repository = ConsentRepository(session, actor)
    document = repository.document(document_id)
    if document is None or (treatment is not None and document.treatment != treatment):
        raise InvalidInput.one("document_id", "is not a consent document for this treatment")
    doc_treatment = rules.treatment_of(document.treatment)
    assert doc_treatment is not None
    current = current_document(session, actor, doc_treatment)
    problems = []
    if document.id != current.id:
        problems.append(
            FieldProblem(
                "document_id",
                f"version {document.version} is no longer current: version {current.version} "
                "was published since, and the patient must read and sign that text",
                {"current_version": current.version},
            )
        )
    elif any(
        s.document_id == document.id and s.withdrawn_at is None
        for s in repository.signatures(patient.id, document.treatment)
    ):
        problems.append(FieldProblem("document_id", "is already signed by this patient"))
    if not rules.name_matches(typed_name, patient.given_name, patient.family_name):
        problems.append(FieldProblem("typed_name", NAME_MESSAGE))
    today = utcnow().date()
    date_problem = rules.signed_on_problem(signed_on, today)
    if date_problem:
        earliest, latest = rules.signing_window(today)
        window = {"min": earliest.isoformat(), "max": latest.isoformat()}
        problems.append(FieldProblem("signed_on", date_problem, window))
    if not staff_confirmed:
        problems.append(FieldProblem("staff_confirmed", UNCONFIRMED))
    if problems:
        raise InvalidInput(problems)
    if rules.sha256_of(document.body) != document.body_sha256:
        raise RuntimeError(f"consent document {document.id} does not match its stored hash")
    assert actor.user_id is not None
    row = ConsentSignature(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        document_id=document.id,
        treatment=document.treatment,
        document_version=document.version,
        document_sha256=document.body_sha256,
        signed_text=document.body,
        typed_name=" ".join(typed_name.split()),
        signed_on=signed_on,
        signed_at=utcnow(),
        witnessed_by=actor.user_id,
    )
    repository.add(row)
    details = {"treatment": row.treatment, "version": row.document_version}
    audit.record(
        session,
        actor,
        "consent.sign",
        "consent_signature",
        row.id,
        patient_id=patient.id,
        details=details,
    )
    return row


def withdraw(
    session: Session, actor: Actor, patient_id: uuid.UUID, treatment: Treatment, reason: str
) -> ConsentSignature:
    """The patient withdraws consent for a treatment: every live signature for it is withdrawn."""
    require(actor, WITHDRAW_ROLES)
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    if not 3 <= len(reason.strip()) <= 500:
        raise InvalidInput.one("reason", "must be 3 to 500 characters")
    live = [
        s
        for s in ConsentRepository(session, actor).signatures(patient.id, treatment)
        if s.withdrawn_at is None
    ]
    if not live:
        raise InvalidInput.one("treatment", "has no signed consent to withdraw")
    now = utcnow()
    for row in live:
        row.withdrawn_at, row.withdrawn_by, row.withdrawal_reason = now, actor.user_id, reason
        audit.record(
            session,
            actor,
            "consent.withdraw",
            "consent_signature",
            row.id,
            patient_id=patient.id,
            details={"treatment": treatment},
        )
    return live[0]


def void_signature(
    session: Session, actor: Actor, patient_id: uuid.UUID, signature_id: uuid.UUID, reason: str
) -> ConsentSignature:
    """A signature entered in error (wrong patient, wrong treatment) is voided with a reason."""
    require(actor, WITHDRAW_ROLES)
    row = ConsentRepository(session, actor).signature(patient_id, signature_id)
    if row is None or row.is_voided:
        raise NotFound("no such signature")
    if not 3 <= len(reason.strip()) <= 500:
        raise InvalidInput.one("reason", "must be 3 to 500 characters")
    row.void(actor.user_id, reason)
    audit.record(session, actor, "consent.void", "consent_signature", row.id, patient_id=patient_id)
    return row


def consent_status(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    treatment: Treatment,
    *,
    audit_view: bool = True,
) -> ConsentStatus:
    """Whether the patient has valid consent for the treatment now (treatment sessions ask this)."""
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    current = current_document(session, actor, treatment)
    signatures = ConsentRepository(session, actor).signatures(patient.id, treatment)
    latest = signatures[0] if signatures else None
    facts = None
    if latest is not None:
        withdrawn = latest.withdrawn_at.date() if latest.withdrawn_at else None
        facts = rules.SignatureFacts(
            latest.document_version, latest.signed_on, withdrawn, latest.withdrawal_reason
        )
    valid, reason = rules.judge(facts, current.version)
    if audit_view:
        audit.record(
            session,
            actor,
            "consent.view",
            "consent",
            patient_id=patient.id,
            details={"treatment": treatment},
        )
    return ConsentStatus(treatment, valid, latest, current.version, reason)


def statuses(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[ConsentStatus]:
    """Both treatments' status, audited as one view."""
    found = [
        consent_status(session, actor, patient_id, t, audit_view=False) for t in rules.TREATMENTS
    ]
    audit.record(session, actor, "consent.view", "consent", patient_id=patient_id)
    return found


def history(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[ConsentSignature]:
    """Every signature, voided ones included (the overview marks them)."""
    patients_service.get(session, actor, patient_id, audit_view=False)
    return ConsentRepository(session, actor).signatures(patient_id, include_voided=True)


def signature(
    session: Session, actor: Actor, patient_id: uuid.UUID, signature_id: uuid.UUID
) -> ConsentSignature:
    row = ConsentRepository(session, actor).signature(patient_id, signature_id)
    if row is None:
        raise NotFound("no such signature")
    audit.record(
        session,
        actor,
        "consent_signature.view",
        "consent_signature",
        row.id,
        patient_id=patient_id,
    )
    return row
