"""Pure ASGI middleware: security headers on every response and the CSRF seed cookie."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ketacare.config import Settings
from ketacare.kit.web.cookies import cookie_options, csrf_cookie_name
from ketacare.kit.web.csrf import new_seed

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def security_headers(settings: Settings, *, static: bool = False) -> dict[str, str]:
    """The headers every answer carries (also used for 500 pages, sent outside this middleware)."""
    headers = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        # Not "no-referrer": under it browsers send "Origin: null" on same-origin form posts,
        # which the CSRF check must refuse. "same-origin" still tells other sites nothing.
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=()",
    }
    if not static:
        headers["cache-control"] = "no-store"
    if settings.secure_cookies:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cookie_name = csrf_cookie_name(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seed = self._existing_seed(scope)
        fresh_seed = seed is None
        scope.setdefault("state", {})["csrf_seed"] = seed or new_seed()
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(security_headers(self.settings, static=is_static))
                if fresh_seed:
                    headers.append("set-cookie", self._seed_cookie(scope["state"]["csrf_seed"]))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _existing_seed(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    return None
                if self.cookie_name in jar:
                    return jar[self.cookie_name].value
        return None

    def _seed_cookie(self, seed: str) -> str:
        options = cookie_options(self.settings)
        parts = [
            f"{self.cookie_name}={seed}",
            f"Path={options['path']}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if options["secure"]:
            parts.append("Secure")
        return "; ".join(parts)
