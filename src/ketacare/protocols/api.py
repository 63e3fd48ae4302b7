"""JSON API for protocols: the clinic's library and new versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ketacare.kit.db.session import DbSession
from ketacare.kit.schemas import InputSchema
from ketacare.protocols import service
from ketacare.protocols.models import ProtocolVersion
from ketacare.protocols.permissions import ProtocolEditor, ProtocolReader

router = APIRouter(tags=["protocols"])


class ProtocolRead(BaseModel):
    id: uuid.UUID
    key: str
    version: int
    name: str
    treatment: str
    created_at: datetime
    change_note: str
    protocol: dict[str, Any]
    text: str


class VersionCreate(InputSchema):
    text: str = Field(min_length=10, max_length=100_000, description="The protocol as TOML")
    change_note: str = Field(min_length=3, max_length=500)


def _read(row: ProtocolVersion) -> ProtocolRead:
    return ProtocolRead(
        id=row.id,
        key=row.key,
        version=row.version,
        name=row.name,
        treatment=row.treatment,
        created_at=row.created_at,
        change_note=row.change_note,
        protocol=service.parsed(row).model_dump(),
        text=row.text,
    )


@router.get("/protocols", response_model=list[ProtocolRead])
def list_protocols(db: DbSession, actor: ProtocolReader) -> list[ProtocolRead]:
    """The current version of every protocol of the clinic."""
    return [_read(row) for row in service.current(db, actor)]


@router.post("/protocols/{key}/versions", response_model=ProtocolRead, status_code=201)
def publish_version(
    key: str, data: VersionCreate, db: DbSession, actor: ProtocolEditor
) -> ProtocolRead:
    """A new version; an invalid protocol is refused with 422 naming each field and why."""
    return _read(service.publish(db, actor, key, data.text, data.change_note))
