"""Declarative base, naming convention and the mixins every clinical table shares."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, MetaData, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from ketacare.kit.actor import Actor
from ketacare.kit.db.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class ClinicalRecord(UUIDPrimaryKey):
    """Columns on every clinical row: tenant, creation and the OpenMRS-style void fields.

    Rows are never deleted (database triggers refuse it); a wrong entry is voided with a reason.
    """

    @declared_attr
    def clinic_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("clinics.id"), index=True)

    @declared_attr
    def created_by(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def voided_by(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("users.id"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def void(self, by: uuid.UUID | None, reason: str) -> None:
        """Hide from the record with who, when and why; the row itself stays."""
        self.voided_at = utcnow()
        self.voided_by = by
        self.void_reason = reason


class ClinicScopedRepository:
    """Base for repositories of clinical data: every query starts from the actor's clinic."""

    def __init__(self, session: Session, actor: Actor) -> None:
        if actor.clinic_id is None:
            raise PermissionError("clinical data is only reachable from within a clinic")
        self.session = session
        self.clinic_id: uuid.UUID = actor.clinic_id

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()


def short_text(length: int = 200) -> String:
    return String(length)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression limiting ``column`` to ``values`` (the same SQL on both engines)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
