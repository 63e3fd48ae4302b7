"""Writing and checking the audit trail. Events join the caller's transaction: no change without its event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from ketacare.audit.models import AuditEvent
from ketacare.audit.repository import AuditFilter, AuditRepository
from ketacare.audit.rules import GENESIS_HASH, ChainReport, event_hash, verify_chain
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow


def record(
    session: Session,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    patient_id: uuid.UUID | None = None,
    clinic_id: uuid.UUID | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``details`` names categories and ids, never clinical values (ASVS 16.2.5)."""
    repository = AuditRepository(session)
    repository.lock_chain()
    head = repository.head()
    event = AuditEvent(
        seq=(head.seq + 1) if head else 1,
        event_id=uuid.uuid4(),
        occurred_at=utcnow(),
        clinic_id=clinic_id if clinic_id is not None else actor.clinic_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        patient_id=patient_id,
        outcome=outcome,
        ip=actor.ip,
        details=details or {},
        prev_hash=head.row_hash if head else GENESIS_HASH,
    )
    event.row_hash = event_hash(event.prev_hash, event.chained_fields())
    repository.add(event)
    return event


def verify(session: Session) -> ChainReport:
    return verify_chain(event.chained_fields() for event in AuditRepository(session).all_in_order())


def search(
    session: Session, where: AuditFilter, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    return AuditRepository(session).search(where, limit, offset)


def known_actions(session: Session) -> list[str]:
    return AuditRepository(session).actions()
