"""Pure account rules: session expiry, throttling, MFA policy, password policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketacare.accounts.rules import (
    ROLES,
    SessionTimes,
    ThrottlePolicy,
    mfa_required,
    session_expired,
    throttle_reason,
)
from ketacare.kit.security.passwords import password_problem

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
IDLE = timedelta(minutes=15)


def times(
    last_seen_minutes_ago: float, absolute_hours: float = 12, revoked: bool = False
) -> SessionTimes:
    now = T0
    return SessionTimes(
        created_at=now - timedelta(hours=1),
        last_seen_at=now - timedelta(minutes=last_seen_minutes_ago),
        absolute_expires_at=now - timedelta(hours=1) + timedelta(hours=absolute_hours),
        revoked_at=now if revoked else None,
    )


class TestSessionExpired:
    def test_live_session(self) -> None:
        assert session_expired(times(14.9), T0, IDLE) is None

    def test_idle_timeout(self) -> None:
        assert session_expired(times(15), T0, IDLE) == "idle timeout"

    def test_absolute_timeout_wins_even_when_active(self) -> None:
        assert session_expired(times(0, absolute_hours=1), T0, IDLE) == "absolute timeout"

    def test_revoked(self) -> None:
        assert session_expired(times(0, revoked=True), T0, IDLE) == "revoked"

    @given(st.floats(min_value=0, max_value=600))
    def test_idle_boundary_property(self, minutes: float) -> None:
        expired = session_expired(times(minutes), T0, IDLE)
        assert (expired is None) == (minutes < 15)


class TestThrottle:
    policy = ThrottlePolicy(
        account_max_failures=5, ip_max_failures=30, window=timedelta(minutes=15)
    )

    @given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=100))
    def test_refuses_exactly_at_the_limits(self, account: int, ip: int) -> None:
        reason = throttle_reason(self.policy, account, ip)
        if account >= 5:
            assert reason == "account"
        elif ip >= 30:
            assert reason == "ip"
        else:
            assert reason is None


class TestMfaPolicy:
    def test_admin_always_needs_mfa(self) -> None:
        assert mfa_required("admin", clinic_requires_all=False)

    def test_others_follow_clinic_policy(self) -> None:
        for role in ROLES:
            if role != "admin":
                assert not mfa_required(role, clinic_requires_all=False)
                assert mfa_required(role, clinic_requires_all=True)


class TestPasswordPolicy:
    def test_too_short(self) -> None:
        assert password_problem("short", 12) == "must be at least 12 characters long"

    def test_common_password_is_refused(self) -> None:
        assert password_problem("password1234", 12) is not None

    def test_long_passphrase_without_composition_rules_is_fine(self) -> None:
        assert password_problem("plum orchard at dusk", 12) is None
