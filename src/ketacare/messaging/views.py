"""/messages: what the front desk needs to know about reminder e-mails, and what it can do."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts.deps import RequireRole, settings_of
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.forms import FormData
from ketacare.kit.web.templates import render
from ketacare.messaging import service
from ketacare.patients import service as patients_service

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(RequireRole(*service.READ_ROLES))]
Desk = Annotated[Actor, Depends(RequireRole(*service.DESK_ROLES))]

STATUS_LABELS = {
    "queued": "queued",
    "sending": "sending",
    "retrying": "retrying",
    "failed": "failed",
    "sent": "sent",
    "cancelled": "cancelled",
}


def _page(
    request: Request,
    db: DbSession,
    actor: Actor,
    errors: dict[uuid.UUID, str] | None = None,
    notice: str = "",
) -> Response:
    found = service.listing(db, actor)
    patients = {m.patient_id for m in found.outstanding + found.sent}
    zone = settings_of(request).zone

    def local(moment: datetime | None) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""

    context = {
        "listing": found,
        "names": patients_service.names_of(db, actor, patients),
        "local": local,
        "zone": settings_of(request).clinic_timezone,
        "may_act": actor.role in service.DESK_ROLES,
        "errors": errors or {},
        "notice": notice,
        "labels": STATUS_LABELS,
    }
    status = 422 if errors else 200
    return render(request, "messaging/messages.html", context, status_code=status)


@router.get("/messages")
def messages_page(request: Request, db: DbSession, actor: Reader) -> Response:
    notice = {
        "sent": "Queued to go out at the worker's next run (within a minute).",
        "cancelled": "The message was cancelled.",
    }.get(request.query_params.get("done", ""), "")
    return _page(request, db, actor, notice=notice)


@router.post("/messages/{message_id}/send")
def send_now(message_id: uuid.UUID, db: DbSession, actor: Desk) -> Response:
    service.send_now(db, actor, message_id)
    return RedirectResponse("/messages?done=sent", status_code=303)


@router.post("/messages/{message_id}/cancel")
def cancel(
    request: Request, message_id: uuid.UUID, db: DbSession, actor: Desk, form: FormData
) -> Response:
    try:
        service.cancel(db, actor, message_id, form.get("reason", ""))
    except InvalidInput as error:
        return _page(
            request, db, actor, errors={message_id: error.by_field().get("reason", str(error))}
        )
    return RedirectResponse("/messages?done=cancelled", status_code=303)
