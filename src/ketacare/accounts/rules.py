"""Pure account rules: roles, session lifetimes, login throttling and MFA policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ROLES = ("admin", "physician", "nurse", "therapist", "front_desk")

ROLE_LABELS = {
    "admin": "Clinic administrator",
    "physician": "Physician",
    "nurse": "Nurse",
    "therapist": "Therapist",
    "front_desk": "Front desk",
}

# Who may do what with patient records (function-level authorisation; data-level is in repositories).
CLINICAL_ROLES = ("physician", "nurse", "therapist")
PATIENT_READERS = ("admin", "physician", "nurse", "therapist", "front_desk")
PATIENT_REGISTRARS = ("admin", "physician", "nurse", "front_desk")
CLINICAL_RECORDERS = ("physician", "nurse")


def mfa_required(role: str, clinic_requires_all: bool) -> bool:
    return role == "admin" or clinic_requires_all


@dataclass(frozen=True)
class SessionTimes:
    created_at: datetime
    last_seen_at: datetime
    absolute_expires_at: datetime
    revoked_at: datetime | None


def session_expired(times: SessionTimes, now: datetime, idle: timedelta) -> str | None:
    """Why a session may no longer be used, or None while it is live."""
    if times.revoked_at is not None:
        return "revoked"
    if now >= times.absolute_expires_at:
        return "absolute timeout"
    if now - times.last_seen_at >= idle:
        return "idle timeout"
    return None


@dataclass(frozen=True)
class ThrottlePolicy:
    account_max_failures: int
    ip_max_failures: int
    window: timedelta


def throttle_reason(policy: ThrottlePolicy, account_failures: int, ip_failures: int) -> str | None:
    """Whether to refuse an attempt before checking the password (NIST 800-63B 5.2.2)."""
    if account_failures >= policy.account_max_failures:
        return "account"
    if ip_failures >= policy.ip_max_failures:
        return "ip"
    return None
