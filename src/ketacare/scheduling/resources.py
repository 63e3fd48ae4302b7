"""Chairs and rooms: create, list, retire (never deleted). Admin and front desk manage them."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound, PermissionDenied
from ketacare.scheduling.models import ScheduleResource
from ketacare.scheduling.repository import ScheduleRepository
from ketacare.scheduling.schemas import ResourceCreate

MANAGER_ROLES = ("admin", "front_desk")


def _check_may_manage(actor: Actor) -> None:
    if actor.role not in MANAGER_ROLES:
        raise PermissionDenied("only the front desk or an administrator manages chairs and rooms")


def listing(
    session: Session, actor: Actor, include_retired: bool = False
) -> list[ScheduleResource]:
    return ScheduleRepository(session, actor).resources(include_retired)


def create(session: Session, actor: Actor, data: ResourceCreate) -> ScheduleResource:
    _check_may_manage(actor)
    repo = ScheduleRepository(session, actor)
    name = " ".join(data.name.split())
    if repo.resource_named(name) is not None:
        raise InvalidInput.one("name", f"{name} is already used in this clinic (also when retired)")
    row = ScheduleResource(
        clinic_id=repo.clinic_id, created_by=actor.user_id, name=name, kind=data.kind
    )
    repo.add(row)
    audit.record(
        session,
        actor,
        "schedule_resource.create",
        "schedule_resource",
        row.id,
        details={"kind": row.kind},
    )
    return row


def retire(session: Session, actor: Actor, resource_id: uuid.UUID) -> ScheduleResource:
    """No new bookings from now on; existing appointments keep it."""
    _check_may_manage(actor)
    row = ScheduleRepository(session, actor).resource(resource_id)
    if row is None:
        raise NotFound("no such chair or room")
    if row.retired_at is not None:
        raise InvalidInput.one("resource_id", f"{row.name} is already retired")
    row.retired_at, row.retired_by = utcnow(), actor.user_id
    audit.record(session, actor, "schedule_resource.retire", "schedule_resource", row.id)
    return row
