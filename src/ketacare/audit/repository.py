"""All SQL for the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ketacare.audit.models import AuditEvent

# An arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_CHAIN_LOCK_KEY = 7_271_900_001


@dataclass(frozen=True)
class AuditFilter:
    clinic_id: uuid.UUID | None
    action: str | None = None
    actor: str | None = None
    patient_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_chain(self) -> None:
        """Serialise writers so every event links to the one before it."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY}
            )
        # SQLite: every transaction starts with BEGIN IMMEDIATE, which already serialises writers.

    def head(self) -> AuditEvent | None:
        return self.session.scalars(
            select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()

    def add(self, event: AuditEvent) -> None:
        self.session.add(event)
        self.session.flush()

    def all_in_order(self, batch: int = 1000) -> Iterator[AuditEvent]:
        statement = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
        yield from self.session.scalars(statement)

    def search(self, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
        statement = select(AuditEvent)
        if where.clinic_id is not None:
            statement = statement.where(AuditEvent.clinic_id == where.clinic_id)
        if where.action:
            statement = statement.where(AuditEvent.action == where.action)
        if where.actor:
            statement = statement.where(AuditEvent.actor_label.ilike(f"%{where.actor}%"))
        if where.patient_id:
            statement = statement.where(AuditEvent.patient_id == where.patient_id)
        if where.since:
            statement = statement.where(AuditEvent.occurred_at >= where.since)
        if where.until:
            statement = statement.where(AuditEvent.occurred_at < where.until)
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self.session.scalars(
            statement.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
        ).all()
        return list(rows), total

    def actions(self) -> list[str]:
        return list(
            self.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        )
