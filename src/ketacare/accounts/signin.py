"""Signing in: passwords with throttling, the TOTP second factor, server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from ketacare.accounts import mfa
from ketacare.accounts.models import LoginAttempt, User, UserSession
from ketacare.accounts.repository import AccountsRepository
from ketacare.accounts.rules import SessionTimes, ThrottlePolicy, session_expired, throttle_reason
from ketacare.accounts.rules import mfa_required as policy_requires_mfa
from ketacare.accounts.service import actor_for, passwords
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import InvalidInput, PermissionDenied
from ketacare.kit.security.tokens import new_token, token_hash


@dataclass(frozen=True)
class LoginOutcome:
    """A successful password step. ``token`` goes in the cookie; the next step is ``next_step``."""

    user: User
    token: str
    next_step: str  # "done", "mfa" (enter a code) or "enrol" (MFA required but not yet set up)


class LoginRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "throttled"


def _throttle(session: Session, settings: Settings, email: str, ip: str) -> str | None:
    repository = AccountsRepository(session)
    window = timedelta(minutes=settings.login_window_minutes)
    since = utcnow() - window
    policy = ThrottlePolicy(
        settings.login_account_max_failures, settings.login_ip_max_failures, window
    )
    return throttle_reason(
        policy,
        repository.recent_failures_for_account(email, since),
        repository.recent_failures_from_ip(ip, since),
    )


def log_in(
    session: Session, settings: Settings, email: str, password: str, ip: str, user_agent: str
) -> LoginOutcome:
    """Check a password. Failures are recorded and audited; the caller commits either way."""
    email = email.strip().lower()[:320]
    repository = AccountsRepository(session)
    anonymous = Actor.anonymous(email or "(blank)", ip)
    throttled = _throttle(session, settings, email, ip)
    if throttled:
        repository.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        audit.record(
            session, anonymous, "login", "user", outcome="throttled", details={"by": throttled}
        )
        raise LoginRefused("throttled")
    user = repository.user_by_email(email)
    checker = passwords(settings)
    valid = checker.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        repository.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        audit.record(
            session,
            anonymous,
            "login",
            "user",
            user.id if user else None,
            clinic_id=user.clinic_id if user else None,
            outcome="failure",
        )
        raise LoginRefused("invalid")
    if checker.needs_rehash(user.password_hash):
        user.password_hash = checker.hash(password)
    needs_mfa = user.mfa_enrolled or policy_requires_mfa(
        user.role, user.clinic.mfa_required_for_all
    )
    if not needs_mfa:
        # Only a complete sign-in resets the failure count: the password alone must not wipe
        # out failed one-time codes, or re-entering it would allow unlimited code guesses.
        repository.add(LoginAttempt(email=email, ip=ip, succeeded=True))
    token = _open_session(session, settings, user, ip, user_agent, mfa_satisfied=not needs_mfa)
    next_step = "done" if not needs_mfa else ("mfa" if user.mfa_enrolled else "enrol")
    audit.record(
        session,
        actor_for(user, ip),
        "login",
        "user",
        user.id,
        outcome="success" if next_step == "done" else "password_ok",
        details={"next": next_step},
    )
    return LoginOutcome(user, token, next_step)


def _open_session(
    session: Session, settings: Settings, user: User, ip: str, user_agent: str, mfa_satisfied: bool
) -> str:
    token = new_token("kcs")
    now = utcnow()
    AccountsRepository(session).add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(settings.secret_key.get_secret_value(), token),
            mfa_satisfied=mfa_satisfied,
            created_at=now,
            last_seen_at=now,
            absolute_expires_at=now + timedelta(hours=settings.session_absolute_hours),
            ip=ip,
            user_agent=user_agent[:300],
        )
    )
    return token


def rotate_session_token(session: Session, settings: Settings, user_session: UserSession) -> str:
    """A fresh token after a privilege change (ASVS 7.2.4); the old cookie stops working."""
    token = new_token("kcs")
    user_session.token_hash = token_hash(settings.secret_key.get_secret_value(), token)
    session.flush()
    return token


def resolve_session(
    session: Session, settings: Settings, token: str, *, touch: bool = True
) -> UserSession | None:
    """The live session for a cookie, or None when unknown, expired, revoked or disabled."""
    repository = AccountsRepository(session)
    found = repository.session_by_token_hash(
        token_hash(settings.secret_key.get_secret_value(), token)
    )
    if found is None or not found.user.is_active:
        return None
    now = utcnow()
    times = SessionTimes(
        found.created_at, found.last_seen_at, found.absolute_expires_at, found.revoked_at
    )
    if session_expired(times, now, timedelta(minutes=settings.session_idle_minutes)):
        return None
    if touch:
        found.last_seen_at = now
    return found


def log_out(session: Session, user_session: UserSession, ip: str | None) -> None:
    user_session.revoked_at = utcnow()
    audit.record(session, actor_for(user_session.user, ip), "logout", "user", user_session.user_id)


def verify_mfa_code(
    session: Session, settings: Settings, user_session: UserSession, code: str, ip: str
) -> str | None:
    """Second factor at login. Returns a rotated session token, or None for a wrong code."""
    user = user_session.user
    email = user.email
    if _throttle(session, settings, email, ip):
        audit.record(
            session, actor_for(user, ip), "login.mfa", "user", user.id, outcome="throttled"
        )
        return None
    assert user.totp_secret_encrypted is not None
    secret = mfa.decrypt_secret(settings, user.totp_secret_encrypted)
    timecode = mfa.accepted_timecode(secret, code, user.totp_last_timecode)
    repository = AccountsRepository(session)
    repository.add(LoginAttempt(email=email, ip=ip, succeeded=timecode is not None))
    if timecode is None:
        audit.record(session, actor_for(user, ip), "login.mfa", "user", user.id, outcome="failure")
        return None
    user.totp_last_timecode = timecode
    user_session.mfa_satisfied = True
    audit.record(session, actor_for(user, ip), "login.mfa", "user", user.id)
    return rotate_session_token(session, settings, user_session)


def start_mfa_enrolment(session: Session, settings: Settings, user_session: UserSession) -> str:
    """A new TOTP secret held on the session until the user proves they have it."""
    if user_session.pending_totp_secret_encrypted:
        return mfa.decrypt_secret(settings, user_session.pending_totp_secret_encrypted)
    secret = mfa.new_secret()
    user_session.pending_totp_secret_encrypted = mfa.encrypt_secret(settings, secret)
    session.flush()
    return secret


def confirm_mfa_enrolment(
    session: Session, settings: Settings, user_session: UserSession, code: str, ip: str
) -> str:
    """Enable TOTP once a code from the new secret checks out; returns a rotated session token."""
    if user_session.user.mfa_enrolled:
        raise PermissionDenied("two-factor sign-in is already set up for this account")
    pending = user_session.pending_totp_secret_encrypted
    if pending is None:
        raise InvalidInput.one("code", "start the set-up again: no code was expected")
    secret = mfa.decrypt_secret(settings, pending)
    timecode = mfa.accepted_timecode(secret, code, None)
    if timecode is None:
        raise InvalidInput.one("code", "does not match; enter the 6-digit code your app shows now")
    user = user_session.user
    user.totp_secret_encrypted = pending
    user.totp_last_timecode = timecode
    user_session.pending_totp_secret_encrypted = None
    user_session.mfa_satisfied = True
    audit.record(session, actor_for(user, ip), "mfa.enrol", "user", user.id)
    return rotate_session_token(session, settings, user_session)
