"""Protocol pages: the clinic's library, one protocol with its versions, publish and copy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service as accounts_service
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.forms import FormData
from ketacare.kit.web.templates import render
from ketacare.protocols import service
from ketacare.protocols.permissions import ProtocolEditor, ProtocolReader

router = APIRouter(include_in_schema=False, prefix="/protocols")


@router.get("")
def library(request: Request, db: DbSession, actor: ProtocolReader) -> Response:
    rows = service.current(db, actor)
    context = {"rows": rows, "parsed": {r.id: service.parsed(r) for r in rows}}
    return render(request, "protocols/library.html", context)


def _page(
    request: Request,
    db: DbSession,
    actor: Actor,
    key: str,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    versions = service.versions_of(db, actor, key)
    current = versions[-1]
    context = {
        "key": key,
        "current": current,
        "protocol": service.parsed(current),
        "versions": list(reversed(versions)),
        "authors": accounts_service.names_of(db, actor, {v.created_by for v in versions}),
        "form": form or {"text": current.text},
        "errors": errors or {},
    }
    return render(request, "protocols/protocol.html", context, status_code=422 if errors else 200)


@router.get("/{key}")
def protocol_page(request: Request, key: str, db: DbSession, actor: ProtocolReader) -> Response:
    return _page(request, db, actor, key)


@router.post("/{key}")
def publish(
    request: Request, key: str, db: DbSession, actor: ProtocolEditor, form: FormData
) -> Response:
    try:
        service.publish(db, actor, key, form.get("text", ""), form.get("change_note", ""))
    except InvalidInput as invalid:
        db.rollback()
        return _page(request, db, actor, key, form, invalid.by_field())
    return RedirectResponse(f"/protocols/{key}", 303)


@router.post("/{key}/copy")
def copy(
    request: Request, key: str, db: DbSession, actor: ProtocolEditor, form: FormData
) -> Response:
    current = service.versions_of(db, actor, key)[-1]
    new_key = form.get("new_key", "").strip()
    try:
        service.copy(db, actor, current.id, new_key)
    except InvalidInput as invalid:
        db.rollback()
        return _page(request, db, actor, key, form, invalid.by_field())
    return RedirectResponse(f"/protocols/{new_key}", 303)
