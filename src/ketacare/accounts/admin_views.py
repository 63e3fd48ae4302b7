"""The clinic administrator's pages: staff accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import service
from ketacare.accounts.deps import RequireRole, settings_of
from ketacare.accounts.rules import ROLE_LABELS, ROLES
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.forms import FormData
from ketacare.kit.web.templates import render

router = APIRouter(include_in_schema=False, prefix="/admin")
Admin = Annotated[Actor, Depends(RequireRole("admin"))]


def _page(request: Request, db: DbSession, actor: Actor, **extra: object) -> Response:
    status = 422 if extra.get("errors") else 200
    context = {
        "users": service.users_of_clinic(db, actor),
        "roles": ROLES,
        "role_labels": ROLE_LABELS,
        "form": {},
        "errors": {},
        **extra,
    }
    return render(request, "accounts/users.html", context, status_code=status)


@router.get("/users")
def users_page(request: Request, db: DbSession, actor: Admin) -> Response:
    return _page(request, db, actor)


@router.post("/users")
def create_user(request: Request, db: DbSession, actor: Admin, form: FormData) -> Response:
    clinic = service.clinic_of(db, actor)
    try:
        service.create_user(
            db,
            settings_of(request),
            actor,
            clinic,
            email=form.get("email", ""),
            full_name=form.get("full_name", ""),
            role=form.get("role", ""),
            password=form.get("password", ""),
        )
    except InvalidInput as invalid:
        safe_form = {key: value for key, value in form.items() if key != "password"}
        return _page(request, db, actor, errors=invalid.by_field(), form=safe_form)
    return RedirectResponse("/admin/users", 303)


@router.post("/users/{user_id}/disable")
def disable_user(user_id: uuid.UUID, db: DbSession, actor: Admin) -> Response:
    service.set_user_active(db, actor, user_id, active=False)
    return RedirectResponse("/admin/users", 303)


@router.post("/users/{user_id}/enable")
def enable_user(user_id: uuid.UUID, db: DbSession, actor: Admin) -> Response:
    service.set_user_active(db, actor, user_id, active=True)
    return RedirectResponse("/admin/users", 303)
