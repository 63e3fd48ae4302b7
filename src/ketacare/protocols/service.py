"""Protocol use cases: the clinic's library, new versions, copies. Nothing is ever edited in place."""

from __future__ import annotations

import re
import uuid
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.protocols.library import parse_protocol, shipped
from ketacare.protocols.models import ProtocolVersion
from ketacare.protocols.schema import Protocol

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,59}$")


class ProtocolRepository(ClinicScopedRepository):
    def versions(self, key: str | None = None) -> list[ProtocolVersion]:
        statement = select(ProtocolVersion).where(ProtocolVersion.clinic_id == self.clinic_id)
        if key is not None:
            statement = statement.where(ProtocolVersion.key == key)
        return list(
            self.session.scalars(statement.order_by(ProtocolVersion.key, ProtocolVersion.version))
        )

    def one(self, version_id: uuid.UUID) -> ProtocolVersion | None:
        row = self.session.get(ProtocolVersion, version_id)
        return row if row is not None and row.clinic_id == self.clinic_id else None


@lru_cache(maxsize=256)
def _parse_cached(text: str) -> Protocol:
    return parse_protocol(text)


def parsed(row: ProtocolVersion) -> Protocol:
    return _parse_cached(row.text)


def _add(
    session: Session,
    actor: Actor,
    key: str,
    version: int,
    text: str,
    copied_from: str | None,
    note: str,
) -> ProtocolVersion:
    protocol = parse_protocol(text)
    assert actor.clinic_id is not None and actor.user_id is not None
    row = ProtocolVersion(
        clinic_id=actor.clinic_id,
        created_by=actor.user_id,
        key=key,
        version=version,
        name=protocol.name,
        treatment=protocol.treatment,
        text=text,
        copied_from=copied_from,
        change_note=note,
    )
    ProtocolRepository(session, actor).add(row)
    audit.record(
        session,
        actor,
        "protocol.publish",
        "protocol_version",
        row.id,
        details={"key": key, "version": version, "copied_from": copied_from},
    )
    return row


def library(session: Session, actor: Actor) -> dict[str, list[ProtocolVersion]]:
    """Every protocol of the clinic by key, oldest version first. A clinic without any gets the
    shipped defaults as version 1, so a course always has a protocol to follow."""
    rows = ProtocolRepository(session, actor).versions()
    if not rows:
        for key, (text, _) in shipped().items():
            rows.append(_add(session, actor, key, 1, text, f"ketacare:{key}", "shipped default"))
    grouped: dict[str, list[ProtocolVersion]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    return grouped


def current(session: Session, actor: Actor) -> list[ProtocolVersion]:
    return [versions[-1] for versions in library(session, actor).values()]


def versions_of(session: Session, actor: Actor, key: str) -> list[ProtocolVersion]:
    found = library(session, actor).get(key)
    if not found:
        raise NotFound("no such protocol")
    return found


def version(session: Session, actor: Actor, version_id: uuid.UUID) -> ProtocolVersion:
    row = ProtocolRepository(session, actor).one(version_id)
    if row is None:
        raise NotFound("no such protocol version")
    return row


def publish(session: Session, actor: Actor, key: str, text: str, note: str) -> ProtocolVersion:
    """A new version of an existing protocol; refused with the field and reason if invalid."""
    existing = versions_of(session, actor, key)
    if len(note.strip()) < 3:
        raise InvalidInput.one("change_note", "is required: say what changed and why")
    if text.strip() == existing[-1].text.strip():
        raise InvalidInput.one("text", "is the same as the current version")
    return _add(session, actor, key, existing[-1].version + 1, text, None, note.strip())


def copy(session: Session, actor: Actor, version_id: uuid.UUID, new_key: str) -> ProtocolVersion:
    source = version(session, actor, version_id)
    if not KEY.match(new_key):
        raise InvalidInput.one(
            "new_key", "must be 2-60 lower-case letters, digits, '-' or '_', starting with one"
        )
    if new_key in library(session, actor):
        raise InvalidInput.one("new_key", f"'{new_key}' is already a protocol of this clinic")
    origin = f"{source.key} v{source.version}"
    return _add(session, actor, new_key, 1, source.text, origin, f"copied from {origin}")
