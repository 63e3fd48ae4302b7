"""The administrator's audit log browser, filtered and paged, scoped to their clinic."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from ketacare.accounts.deps import RequireRole
from ketacare.audit import service
from ketacare.audit.repository import AuditFilter
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.web.templates import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Actor, Depends(RequireRole("admin"))]
PAGE_SIZE = 50


def _day_start(value: str | None) -> datetime | None:
    try:
        return (
            datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), UTC)
            if value
            else None
        )
    except ValueError:
        return None


@router.get("/admin/audit")
def audit_log(
    request: Request,
    db: DbSession,
    actor: Admin,
    action: Annotated[str | None, Query(max_length=40)] = None,
    who: Annotated[str | None, Query(max_length=320)] = None,
    patient: uuid.UUID | None = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    end = _day_start(until)
    where = AuditFilter(
        clinic_id=actor.clinic_id,
        action=action or None,
        actor=who or None,
        patient_id=patient,
        since=_day_start(since),
        until=end + timedelta(days=1) if end else None,
    )
    events, total = service.search(db, where, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    service.record(db, actor, "audit.view", "audit_log", details={"page": page})
    context = {
        "events": events,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "actions": service.known_actions(db),
        "filters": {
            "action": action or "",
            "who": who or "",
            "patient": patient or "",
            "since": since or "",
            "until": until or "",
        },
    }
    return render(request, "audit/log.html", context)
