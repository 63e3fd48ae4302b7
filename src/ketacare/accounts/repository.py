"""All SQL for clinics, users, sessions, tokens and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ketacare.accounts.models import ApiToken, Clinic, LoginAttempt, User, UserSession


class AccountsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # clinics
    def clinic_by_slug(self, slug: str) -> Clinic | None:
        return self.session.scalars(select(Clinic).where(Clinic.slug == slug)).first()

    def clinic_by_id(self, clinic_id: uuid.UUID) -> Clinic | None:
        return self.session.get(Clinic, clinic_id)

    def clinics(self) -> list[Clinic]:
        return list(self.session.scalars(select(Clinic).order_by(Clinic.name)))

    # users
    def user_by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(User.email == email.lower())).first()

    def user_in_clinic(self, clinic_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        return self.session.scalars(
            select(User).where(User.id == user_id, User.clinic_id == clinic_id)
        ).first()

    def users_in_clinic(self, clinic_id: uuid.UUID) -> list[User]:
        return list(
            self.session.scalars(
                select(User).where(User.clinic_id == clinic_id).order_by(User.role, User.full_name)
            )
        )

    # sessions
    def session_by_token_hash(self, token_hash: str) -> UserSession | None:
        return self.session.scalars(
            select(UserSession).where(UserSession.token_hash == token_hash)
        ).first()

    def revoke_sessions_of(self, user_id: uuid.UUID, now: datetime) -> None:
        self.session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # API tokens
    def api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(
            select(ApiToken).where(ApiToken.token_hash == token_hash)
        ).first()

    def api_tokens_of(self, user_id: uuid.UUID) -> list[ApiToken]:
        return list(
            self.session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at)
            )
        )

    # login attempts
    def recent_failures_for_account(self, email: str, since: datetime) -> int:
        last_success = self.session.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
            )
        )
        start = max(since, last_success) if last_success else since
        return (
            self.session.scalar(
                select(func.count()).where(
                    LoginAttempt.email == email,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.attempted_at > start,
                )
            )
            or 0
        )

    def recent_failures_from_ip(self, ip: str, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count()).where(
                    LoginAttempt.ip == ip,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.attempted_at > since,
                )
            )
            or 0
        )
