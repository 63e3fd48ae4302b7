"""Personal API tokens: shown once, stored as keyed hashes, revocable."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ketacare.accounts.models import ApiToken, User
from ketacare.accounts.repository import AccountsRepository
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.kit.security.tokens import new_token, token_hash


def create_api_token(
    session: Session, settings: Settings, user: User, name: str, actor: Actor
) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.one("name", "is required, at most 100 characters", max_length=100)
    raw = new_token("kct")
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_hash(settings.secret_key.get_secret_value(), raw),
    )
    AccountsRepository(session).add(row)
    audit.record(session, actor, "api_token.create", "api_token", row.id, clinic_id=user.clinic_id)
    return row, raw


def resolve_api_token(session: Session, settings: Settings, raw: str) -> User | None:
    row = AccountsRepository(session).api_token_by_hash(
        token_hash(settings.secret_key.get_secret_value(), raw)
    )
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user


def api_tokens_of(session: Session, user: User) -> list[ApiToken]:
    return AccountsRepository(session).api_tokens_of(user.id)


def revoke_api_token(session: Session, actor: Actor, user: User, token_id: uuid.UUID) -> None:
    for row in AccountsRepository(session).api_tokens_of(user.id):
        if row.id == token_id:
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                audit.record(session, actor, "api_token.revoke", "api_token", row.id)
            return
    raise NotFound("no such token")
