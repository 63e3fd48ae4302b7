"""Server-side sessions: timeouts, logout, disabling, cookie attributes, hashing, rotation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User, UserSession
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.kit.security.tokens import token_hash
from tests.conftest import PASSWORD, csrf_from, enrol_mfa, login, post_form
from tests.security.conftest import (
    SESSION_COOKIE,
    assert_login_redirect,
    bearer,
    next_code,
    session_cookie,
)


def sessions_of(db: Session, user: User) -> list[UserSession]:
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def age_sessions(factory: sessionmaker[Session], user: User, **values: object) -> None:
    with transaction(factory) as session:
        session.execute(update(UserSession).where(UserSession.user_id == user.id).values(**values))


def replay(new_client: Callable[[], TestClient], token: str) -> TestClient:
    """A browser that presents a captured session cookie value."""
    thief = new_client()
    thief.cookies.set(SESSION_COOKIE, token)
    return thief


class TestIdleTimeout:
    def test_idle_session_is_refused_by_pages_and_api(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        user = signed_in("nurse")
        assert client.get("/patients").status_code == 200
        idle = timedelta(minutes=settings.session_idle_minutes, seconds=1)
        age_sessions(session_factory, user, last_seen_at=utcnow() - idle)
        assert_login_redirect(client.get("/patients", follow_redirects=False))
        api = client.get("/api/v1/patients")
        assert api.status_code == 401
        assert api.json() == {"detail": "authentication required"}

    def test_activity_within_the_idle_limit_keeps_the_session(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        almost = timedelta(minutes=settings.session_idle_minutes) - timedelta(seconds=30)
        age_sessions(session_factory, user, last_seen_at=utcnow() - almost)
        assert client.get("/patients").status_code == 200
        # The request slid the idle window forward.
        (row,) = sessions_of(db, user)
        assert utcnow() - row.last_seen_at < timedelta(seconds=30)


class TestAbsoluteTimeout:
    def test_session_past_its_absolute_expiry_is_refused_even_if_active(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        session_factory: sessionmaker[Session],
    ) -> None:
        user = signed_in("nurse")
        age_sessions(
            session_factory,
            user,
            absolute_expires_at=utcnow() - timedelta(seconds=1),
            last_seen_at=utcnow(),
        )
        assert_login_redirect(client.get("/patients", follow_redirects=False))
        assert client.get("/api/v1/patients").status_code == 401

    def test_absolute_expiry_is_set_from_the_settings(
        self, signed_in: Callable[..., User], settings: Settings, db: Session
    ) -> None:
        user = signed_in("nurse")
        (row,) = sessions_of(db, user)
        lifetime = row.absolute_expires_at - row.created_at
        assert lifetime == timedelta(hours=settings.session_absolute_hours)


class TestLogout:
    def test_old_cookie_is_useless_after_logout(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        token = session_cookie(client)
        assert token
        response = post_form(client, "/logout", {})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert session_cookie(client) is None  # the browser was told to forget it
        thief = replay(new_client, token)
        assert_login_redirect(thief.get("/patients", follow_redirects=False))
        assert thief.get("/api/v1/patients").status_code == 401
        (row,) = sessions_of(db, user)
        assert row.revoked_at is not None

    def test_logout_ends_only_this_browsers_session(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        user = signed_in("nurse")
        other = new_client()
        login(other, user)
        post_form(client, "/logout", {})
        assert other.get("/patients").status_code == 200


class TestDisablingEndsAccess:
    def test_disabled_users_sessions_and_tokens_stop_working(
        self,
        browser: Callable[..., tuple[TestClient, User]],
        make_token: Callable[[User], str],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        admin_browser, _ = browser("admin")
        nurse_browser, nurse = browser("nurse")
        token = make_token(nurse)
        script = new_client()
        assert nurse_browser.get("/patients").status_code == 200
        assert script.get("/api/v1/patients", headers=bearer(token)).status_code == 200

        response = post_form(admin_browser, f"/admin/users/{nurse.id}/disable", {})
        assert response.status_code == 303

        assert_login_redirect(nurse_browser.get("/patients", follow_redirects=False))
        assert nurse_browser.get("/api/v1/patients").status_code == 401
        assert script.get("/api/v1/patients", headers=bearer(token)).status_code == 401
        assert all(row.revoked_at is not None for row in sessions_of(db, nurse))
        assert login(new_client(), nurse).status_code == 401

    def test_admin_cannot_disable_themselves(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        admin = signed_in("admin")
        response = post_form(client, f"/admin/users/{admin.id}/disable", {})
        assert response.status_code == 422
        row = db.get(User, admin.id)
        assert row is not None and row.is_active


class TestSessionCookie:
    def test_cookie_is_httponly_samesite_lax_and_host_wide(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        response = login(client, make_user("nurse"))
        cookies = [
            c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")
        ]
        assert len(cookies) == 1
        attributes = [part.strip().lower() for part in cookies[0].split(";")[1:]]
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "path=/" in attributes
        assert not any(a.startswith("domain=") for a in attributes)
        # A session cookie: no Max-Age/Expires, so it ends with the browser as well.
        assert not any(a.startswith(("max-age=", "expires=")) for a in attributes)

    def test_csrf_cookie_is_httponly_and_samesite_lax(self, client: TestClient) -> None:
        response = client.get("/login")
        (cookie,) = [
            c for c in response.headers.get_list("set-cookie") if c.startswith("ketacare_csrf=")
        ]
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "httponly" in attributes and "samesite=lax" in attributes

    def test_production_cookies_are_secure_host_prefixed_and_hsts_is_sent(
        self,
        custom_app: Callable[..., tuple[object, TestClient]],
        make_user: Callable[..., User],
    ) -> None:
        _, client = custom_app(cookie_secure=True)
        client.base_url = client.base_url.copy_with(scheme="https")  # type: ignore[misc]
        page = client.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        (seed,) = page.headers.get_list("set-cookie")
        assert seed.startswith("__Host-ketacare_csrf=")
        assert "; Secure" in seed
        token = csrf_from(page.text)
        user = make_user("nurse")
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        (cookie,) = [
            c
            for c in response.headers.get_list("set-cookie")
            if c.startswith("__Host-ketacare_session=")
        ]
        assert "secure" in cookie.lower()

    def test_logout_clears_the_host_prefixed_cookie_in_a_way_browsers_accept(
        self,
        custom_app: Callable[..., tuple[object, TestClient]],
        make_user: Callable[..., User],
    ) -> None:
        """Browsers drop any ``__Host-`` Set-Cookie without Secure, deletions included."""
        _, client = custom_app(cookie_secure=True)
        client.base_url = client.base_url.copy_with(scheme="https")  # type: ignore[misc]
        user = make_user("nurse")
        page = client.get("/login")
        login_response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert login_response.status_code == 303
        token = csrf_from(client.get("/patients").text)
        response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        (deletion,) = [
            c
            for c in response.headers.get_list("set-cookie")
            if c.startswith("__Host-ketacare_session=")
        ]
        attributes = [part.strip().lower() for part in deletion.split(";")[1:]]
        assert "max-age=0" in attributes
        assert "secure" in attributes
        assert "path=/" in attributes
        assert not any(a.startswith("domain=") for a in attributes)


class TestOnlyAKeyedHashIsStored:
    def test_cookie_value_is_not_in_the_table(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        settings: Settings,
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        token = session_cookie(client)
        assert token and len(token) >= 40
        (row,) = sessions_of(db, user)
        stored = [str(value) for value in row.__dict__.values()]
        assert not any(token in value for value in stored)
        assert row.token_hash != hashlib.sha256(token.encode()).hexdigest()  # keyed, not plain
        assert row.token_hash == token_hash(settings.secret_key.get_secret_value(), token)


class TestSessionRotation:
    def test_token_changes_when_mfa_enrolment_completes(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        before = session_cookie(client)
        enrol_mfa(client)
        after = session_cookie(client)
        assert before and after and before != after
        assert client.get("/admin/users").status_code == 200
        # The pre-MFA value is dead, not merely superseded.
        thief = replay(new_client, before)
        response = thief.get("/admin/users", follow_redirects=False)
        assert_login_redirect(response)

    def test_token_changes_when_the_login_code_is_accepted(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        secret = enrol_mfa(client)
        browser = new_client()
        assert login(browser, admin).headers["location"] == "/login/mfa"
        before = session_cookie(browser)
        response = post_form(browser, "/login/mfa", {"code": next_code(secret)})
        assert response.status_code == 303, response.text
        after = session_cookie(browser)
        assert before and after and before != after
        assert browser.get("/admin/users").status_code == 200
        assert_login_redirect(
            replay(new_client, before).get("/admin/users", follow_redirects=False)
        )

    def test_every_login_gets_a_new_token(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        user = make_user("nurse")
        login(client, user)
        first = session_cookie(client)
        login(client, user)
        assert session_cookie(client) != first
