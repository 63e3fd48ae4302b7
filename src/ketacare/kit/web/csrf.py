"""CSRF defence in depth: Fetch-Metadata and Origin checks, plus a signed double-submit token.

Every browser carries a random, HttpOnly CSRF cookie; forms and htmx send
HMAC(secret, cookie) back. A cross-site page can neither read the cookie nor compute the HMAC.
Requests that authenticate with a bearer API token carry no ambient credential and are exempt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.exceptions import HTTPException

from ketacare.config import Settings
from ketacare.kit.web.cookies import csrf_cookie_name

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def new_seed() -> str:
    return secrets.token_urlsafe(32)


def token_for_seed(settings: Settings, seed: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token to put in this page's forms (the middleware guarantees a seed)."""
    settings: Settings = request.app.state.settings
    return token_for_seed(settings, request.state.csrf_seed)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuse unsafe requests that did not come from our own pages."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path.startswith("/api/") and request.headers.get(
        "authorization", ""
    ).lower().startswith("bearer "):
        return  # API tokens are not ambient credentials (and are honoured under /api/ only)
    if request.headers.get("sec-fetch-site") == "cross-site" or not _same_origin(request):
        raise HTTPException(403, "cross-site request refused")
    settings: Settings = request.app.state.settings
    seed = request.cookies.get(csrf_cookie_name(settings))
    sent = request.headers.get(HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(FORM_FIELD)
        sent = value if isinstance(value, str) else None
    if not seed or not sent or not hmac.compare_digest(token_for_seed(settings, seed), sent):
        raise HTTPException(403, "missing or invalid CSRF token; reload the page and try again")
