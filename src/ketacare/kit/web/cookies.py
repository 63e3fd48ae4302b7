"""Cookie names and attributes: ``__Host-`` + Secure in production, plain names on http dev."""

from __future__ import annotations

from typing import Any

from ketacare.config import Settings


def session_cookie_name(settings: Settings) -> str:
    return "__Host-ketacare_session" if settings.secure_cookies else "ketacare_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-ketacare_csrf" if settings.secure_cookies else "ketacare_csrf"


def cookie_options(settings: Settings) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": settings.secure_cookies, "path": "/"}
