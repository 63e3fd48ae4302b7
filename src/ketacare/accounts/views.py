"""Sign-in, second factor, sign-out, the user's own account page and API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts import api_tokens, mfa, signin
from ketacare.accounts.deps import (
    CurrentActor,
    CurrentAuth,
    client_ip,
    pending_session,
    settings_of,
)
from ketacare.accounts.models import UserSession
from ketacare.accounts.rules import ROLE_LABELS
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.cookies import cookie_options, session_cookie_name
from ketacare.kit.web.forms import FormData, safe_path
from ketacare.kit.web.templates import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return safe_path(target)


def _with_session_cookie(response: Response, request: Request, token: str) -> Response:
    settings = settings_of(request)
    response.set_cookie(session_cookie_name(settings), token, **cookie_options(settings))
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "accounts/login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login")
def login(request: Request, db: DbSession, form: FormData) -> Response:
    settings = settings_of(request)
    email, target = form.get("email", ""), _safe_next(form.get("next"))
    try:
        outcome = signin.log_in(
            db,
            settings,
            email,
            form.get("password", ""),
            client_ip(request),
            request.headers.get("user-agent", ""),
        )
    except signin.LoginRefused as refused:
        message = (
            "Too many failed attempts. Wait a few minutes and try again."
            if refused.reason == "throttled"
            else "E-mail or password is not correct."
        )
        status = 429 if refused.reason == "throttled" else 401
        context = {"error": message, "email": email, "next": target}
        return render(request, "accounts/login.html", context, status_code=status)
    destination = {"done": target, "mfa": "/login/mfa", "enrol": "/account/mfa"}[outcome.next_step]
    return _with_session_cookie(RedirectResponse(destination, 303), request, outcome.token)


@router.get("/login/mfa")
def mfa_page(request: Request, db: DbSession) -> Response:
    if pending_session(request, db) is None:
        return RedirectResponse("/login", 303)
    return render(request, "accounts/mfa.html")


@router.post("/login/mfa")
def mfa_submit(request: Request, db: DbSession, form: FormData) -> Response:
    user_session = pending_session(request, db)
    if user_session is None or not user_session.user.mfa_enrolled:
        return RedirectResponse("/login", 303)
    token = signin.verify_mfa_code(
        db, settings_of(request), user_session, form.get("code", ""), client_ip(request)
    )
    if token is None:
        context = {"error": "That code is not valid (or was already used). Try the next one."}
        return render(request, "accounts/mfa.html", context, status_code=401)
    return _with_session_cookie(RedirectResponse("/", 303), request, token)


@router.get("/account/mfa")
def enrol_page(request: Request, db: DbSession) -> Response:
    user_session = pending_session(request, db)
    if user_session is None:
        return RedirectResponse("/login?next=/account/mfa", 303)
    if user_session.user.mfa_enrolled:
        return RedirectResponse("/account", 303)
    return _enrol_form(request, db, user_session)


def _enrol_form(
    request: Request,
    db: DbSession,
    user_session: UserSession,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    secret = signin.start_mfa_enrolment(db, settings_of(request), user_session)
    uri = mfa.provisioning_uri(secret, user_session.user.email)
    context = {
        "secret": secret,
        "qr_svg": mfa.qr_svg(uri),
        "error": error,
        "required": not user_session.mfa_satisfied,
    }
    return render(request, "accounts/enrol.html", context, status_code=status_code)


@router.post("/account/mfa")
def enrol_submit(request: Request, db: DbSession, form: FormData) -> Response:
    user_session = pending_session(request, db)
    if user_session is None:
        return RedirectResponse("/login", 303)
    if user_session.user.mfa_enrolled:
        # As on the GET: no new authenticator over an existing one (a password-only session
        # would otherwise replace the factor it has not proved).
        return RedirectResponse("/account", 303)
    try:
        token = signin.confirm_mfa_enrolment(
            db, settings_of(request), user_session, form.get("code", ""), client_ip(request)
        )
    except InvalidInput as invalid:
        return _enrol_form(request, db, user_session, invalid.by_field()["code"], 422)
    return _with_session_cookie(RedirectResponse("/", 303), request, token)


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    user_session = pending_session(request, db)
    if user_session is not None:
        signin.log_out(db, user_session, client_ip(request))
    response = RedirectResponse("/login", 303)
    settings = settings_of(request)
    # Same attributes as when set: browsers ignore a __Host- cookie deletion without Secure.
    response.delete_cookie(session_cookie_name(settings), **cookie_options(settings))
    return response


@router.get("/account")
def account_page(request: Request, db: DbSession, auth: CurrentAuth) -> Response:
    tokens = api_tokens.api_tokens_of(db, auth.user)
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "role_label": ROLE_LABELS[auth.user.role]},
    )


@router.post("/account/tokens")
def create_token(
    request: Request, db: DbSession, auth: CurrentAuth, actor: CurrentActor, form: FormData
) -> Response:
    context: dict[str, object] = {"role_label": ROLE_LABELS[auth.user.role]}
    try:
        _, raw = api_tokens.create_api_token(
            db, settings_of(request), auth.user, form.get("name", ""), actor
        )
        context["new_token"] = raw
        status = 201
    except InvalidInput as invalid:
        context["errors"] = invalid.by_field()
        status = 422
    context["tokens"] = api_tokens.api_tokens_of(db, auth.user)
    return render(request, "accounts/account.html", context, status_code=status)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: uuid.UUID, db: DbSession, auth: CurrentAuth, actor: CurrentActor
) -> Response:
    api_tokens.revoke_api_token(db, actor, auth.user, token_id)
    return RedirectResponse("/account", 303)
