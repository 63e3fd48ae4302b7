"""Opaque bearer tokens: random to the holder, only a keyed hash at rest (as Polar does)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    """A 256-bit random token; the readable prefix tells a leaked token's kind at a glance."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
