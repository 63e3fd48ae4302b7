"""Who is calling: ``CurrentUser``, ``CurrentActor`` and ``RequireRole`` for routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ketacare.accounts import api_tokens, service, signin
from ketacare.accounts.models import User, UserSession
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.web.cookies import session_cookie_name


class LoginRequired(Exception):
    """No usable credentials: HTML routes redirect to the login page, API routes answer 401."""


class SecondFactorRequired(Exception):
    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step  # "mfa" or "enrol"


class RoleRequired(Exception):
    """Authenticated, but this role may not do this: 403."""


@dataclass(frozen=True)
class PageUser:
    """What pages show about the signed-in user; a plain copy that outlives the DB session."""

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    clinic_name: str
    mfa_enrolled: bool

    @classmethod
    def of(cls, user: User) -> PageUser:
        return cls(
            user.id, user.email, user.full_name, user.role, user.clinic.name, user.mfa_enrolled
        )


@dataclass(frozen=True)
class Auth:
    user: User
    session: UserSession | None  # None when the caller used an API token


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_api_request(request: Request) -> bool:
    """API tokens open the JSON API only: a leaked token cannot mint tokens or run admin pages."""
    return request.url.path.startswith("/api/")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def pending_session(request: Request, db: DbSession) -> UserSession | None:
    """The browser's session even if its second factor is still outstanding."""
    settings = settings_of(request)
    token = request.cookies.get(session_cookie_name(settings))
    return signin.resolve_session(db, settings, token) if token else None


def get_auth(request: Request, db: DbSession) -> Auth:
    settings = settings_of(request)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer ") and is_api_request(request):
        user = api_tokens.resolve_api_token(db, settings, authorization[7:].strip())
        if user is None:
            raise LoginRequired()
        auth = Auth(user, None)
    else:
        user_session = pending_session(request, db)
        if user_session is None:
            raise LoginRequired()
        if not user_session.mfa_satisfied:
            raise SecondFactorRequired("mfa" if user_session.user.mfa_enrolled else "enrol")
        auth = Auth(user_session.user, user_session)
    request.state.user = PageUser.of(auth.user)
    return auth


CurrentAuth = Annotated[Auth, Depends(get_auth)]


def get_current_user(auth: CurrentAuth) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_actor(request: Request, auth: CurrentAuth) -> Actor:
    return service.actor_for(auth.user, client_ip(request))


CurrentActor = Annotated[Actor, Depends(get_actor)]


def RequireRole(*roles: str) -> Callable[[Actor], Actor]:
    """A dependency that lets only the named roles through and yields the actor."""

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise RoleRequired()
        return actor

    return check
