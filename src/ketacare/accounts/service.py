"""Account use cases: clinics and staff accounts. Never commits.

Signing in lives in ``signin``, personal API tokens in ``api_tokens``.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache

from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.repository import AccountsRepository
from ketacare.accounts.rules import (
    ROLES,
)
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from ketacare.kit.security.passwords import Passwords, password_problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")


def actor_for(user: User, ip: str | None = None) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, user.email, ip)


def passwords(settings: Settings) -> Passwords:
    return _passwords(settings.argon2_time_cost, settings.argon2_memory_kib)


@lru_cache
def _passwords(time_cost: int, memory_kib: int) -> Passwords:
    return Passwords(time_cost, memory_kib)


# clinics and users ---------------------------------------------------------------------------


def create_clinic(session: Session, actor: Actor, name: str, slug: str) -> Clinic:
    repository = AccountsRepository(session)
    if not name.strip() or len(name) > 200:
        raise InvalidInput.one("name", "is required, at most 200 characters", max_length=200)
    if not _SLUG.match(slug):
        raise InvalidInput.one("slug", "must be 3-60 lower-case letters, digits or dashes")
    if repository.clinic_by_slug(slug):
        raise InvalidInput.one("slug", f"a clinic '{slug}' already exists")
    clinic = Clinic(name=name.strip(), slug=slug)
    repository.add(clinic)
    audit.record(session, actor, "clinic.create", "clinic", clinic.id, clinic_id=clinic.id)
    return clinic


def clinic_by_slug(session: Session, slug: str) -> Clinic:
    clinic = AccountsRepository(session).clinic_by_slug(slug)
    if clinic is None:
        raise NotFound(f"no clinic '{slug}'")
    return clinic


def create_user(
    session: Session,
    settings: Settings,
    actor: Actor,
    clinic: Clinic,
    *,
    email: str,
    full_name: str,
    role: str,
    password: str,
) -> User:
    repository = AccountsRepository(session)
    email = email.strip().lower()
    problems = []
    if not _EMAIL.match(email) or len(email) > 320:
        problems.append(("email", "must be an e-mail address such as name@clinic.org"))
    elif repository.user_by_email(email):
        problems.append(("email", "is already used by another account"))
    if not full_name.strip() or len(full_name) > 200:
        problems.append(("full_name", "is required, at most 200 characters"))
    if role not in ROLES:
        problems.append(("role", f"must be one of: {', '.join(ROLES)}"))
    weak = password_problem(password, settings.password_min_length)
    if weak:
        problems.append(("password", weak))
    if problems:
        raise InvalidInput([FieldProblem(field, message) for field, message in problems])
    user = User(
        clinic_id=clinic.id,
        email=email,
        full_name=full_name.strip(),
        role=role,
        password_hash=passwords(settings).hash(password),
    )
    repository.add(user)
    audit.record(
        session, actor, "user.create", "user", user.id, clinic_id=clinic.id, details={"role": role}
    )
    return user


def clinic_of(session: Session, actor: Actor) -> Clinic:
    clinic = AccountsRepository(session).clinic_by_id(actor.clinic_id) if actor.clinic_id else None
    if clinic is None:
        raise NotFound("no clinic")
    return clinic


def names_of(session: Session, actor: Actor, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of staff in the actor's clinic, for "recorded by" columns."""
    if actor.clinic_id is None:
        return {}
    users = AccountsRepository(session).users_in_clinic(actor.clinic_id)
    return {user.id: user.full_name for user in users if user.id in user_ids}


def user_by_email(session: Session, email: str) -> User:
    user = AccountsRepository(session).user_by_email(email.strip().lower())
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user


def users_of_clinic(session: Session, actor: Actor) -> list[User]:
    assert actor.clinic_id is not None
    return AccountsRepository(session).users_in_clinic(actor.clinic_id)


def set_user_active(session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> User:
    """Disable (or re-enable) an account; disabling ends all its sessions (ASVS 7.4.2)."""
    if actor.clinic_id is None or actor.role != "admin":
        raise PermissionDenied("only a clinic administrator can disable accounts")
    repository = AccountsRepository(session)
    user = repository.user_in_clinic(actor.clinic_id, user_id)
    if user is None:
        raise NotFound("no such user")
    if user.id == actor.user_id and not active:
        raise InvalidInput.one("user", "you cannot disable your own account")
    now = utcnow()
    user.is_active = active
    user.disabled_at = None if active else now
    if not active:
        repository.revoke_sessions_of(user.id, now)
    audit.record(session, actor, "user.enable" if active else "user.disable", "user", user.id)
    return user
