"""Password sign-in: generic failures, audit of failures, throttling per account and per IP."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import LoginAttempt, User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from tests.conftest import PASSWORD, login, post_form

GENERIC_FAILURE = "E-mail or password is not correct."
THROTTLED = "Too many failed attempts"


def attempt(client: TestClient, email: str, password: str) -> object:
    return post_form(client, "/login", {"email": email, "password": password, "next": "/"})


def login_events(db: Session) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.seq))
    )


class TestWrongPassword:
    def test_is_refused_with_401_and_the_generic_message(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        user = make_user("nurse")
        response = attempt(client, user.email, "not the password at all")
        assert response.status_code == 401
        assert GENERIC_FAILURE in response.text
        assert "ketacare_session" not in response.headers.get("set-cookie", "")
        assert client.get("/patients", follow_redirects=False).status_code == 303

    def test_unknown_email_gets_exactly_the_same_answer(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        user = make_user("nurse")
        known = attempt(client, user.email, "not the password at all")
        unknown = attempt(client, "nobody-here@example.com", "not the password at all")
        assert unknown.status_code == known.status_code == 401
        assert GENERIC_FAILURE in unknown.text
        # Apart from the echoed e-mail, the two pages are identical: no account enumeration.
        assert known.text.replace(user.email, "E") == unknown.text.replace(
            "nobody-here@example.com", "E"
        )

    def test_disabled_account_with_right_password_gets_the_same_answer(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
    ) -> None:
        user = make_user("nurse")
        with transaction(session_factory) as session:
            session.execute(update(User).where(User.id == user.id).values(is_active=False))
        response = login(client, user)
        assert response.status_code == 401
        assert GENERIC_FAILURE in response.text


class TestFailedLoginIsAudited:
    def test_wrong_password_stores_a_failure_event_for_the_account(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        user = make_user("nurse")
        attempt(client, user.email, "not the password at all")
        events = login_events(db)
        assert len(events) == 1
        event = events[0]
        assert event.outcome == "failure"
        assert event.resource_id == str(user.id)
        assert event.clinic_id == user.clinic_id
        assert event.actor_user_id is None  # not authenticated
        assert event.actor_label == user.email
        assert event.ip == "testclient"
        assert "not the password" not in str(event.details)  # the password is never logged

    def test_unknown_email_stores_a_failure_event(self, client: TestClient, db: Session) -> None:
        attempt(client, "Nobody-Here@Example.com", "not the password at all")
        events = login_events(db)
        assert [(e.outcome, e.actor_label, e.resource_id) for e in events] == [
            ("failure", "nobody-here@example.com", None)
        ]

    def test_success_is_audited_as_success(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        user = make_user("nurse")
        assert login(client, user).status_code == 303
        events = login_events(db)
        assert [(e.outcome, e.actor_user_id) for e in events] == [("success", user.id)]


class TestAccountThrottle:
    def test_after_max_failures_even_the_right_password_is_refused(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings, db: Session
    ) -> None:
        user = make_user("nurse")
        for _ in range(settings.login_account_max_failures):
            assert attempt(client, user.email, "wrong password guess").status_code == 401
        response = login(client, user)
        assert response.status_code == 429
        assert THROTTLED in response.text
        assert "ketacare_session" not in response.headers.get("set-cookie", "")
        assert client.get("/patients", follow_redirects=False).status_code == 303
        throttled = [e for e in login_events(db) if e.outcome == "throttled"]
        assert len(throttled) == 1
        assert throttled[0].details == {"by": "account"}

    def test_one_failure_short_of_the_limit_still_signs_in(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings
    ) -> None:
        user = make_user("nurse")
        for _ in range(settings.login_account_max_failures - 1):
            attempt(client, user.email, "wrong password guess")
        assert login(client, user).status_code == 303

    def test_unknown_email_is_throttled_the_same_way(
        self, client: TestClient, settings: Settings
    ) -> None:
        for _ in range(settings.login_account_max_failures):
            assert attempt(client, "ghost@example.com", "wrong").status_code == 401
        assert attempt(client, "ghost@example.com", "wrong").status_code == 429

    def test_other_accounts_from_the_same_address_are_not_locked(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings
    ) -> None:
        victim, other = make_user("nurse"), make_user("nurse")
        for _ in range(settings.login_account_max_failures):
            attempt(client, victim.email, "wrong password guess")
        assert login(client, victim).status_code == 429
        assert login(client, other).status_code == 303

    def test_email_case_and_spaces_do_not_dodge_the_counter(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings
    ) -> None:
        user = make_user("nurse")
        for index in range(settings.login_account_max_failures):
            variant = f" {user.email.upper()} " if index % 2 else user.email.title()
            attempt(client, variant, "wrong password guess")
        assert login(client, user).status_code == 429


class TestIpThrottle:
    def test_many_accounts_guessed_from_one_address_locks_the_address(
        self,
        custom_app: Callable[..., tuple[object, TestClient]],
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        _, client = custom_app(login_ip_max_failures=3)
        user = make_user("nurse")
        attempt(client, "spray-1@example.com", "Winter2025!")
        attempt(client, "spray-2@example.com", "Winter2025!")
        # Below the limit, a real user from the same address still gets in.
        assert login(client, user).status_code == 303
        attempt(client, "spray-3@example.com", "Winter2025!")
        response = login(client, user)
        assert response.status_code == 429
        assert THROTTLED in response.text
        throttled = [e for e in login_events(db) if e.outcome == "throttled"]
        assert [e.details for e in throttled] == [{"by": "ip"}]
        # Each e-mail failed only once: it is the address, not an account, that is counted.
        emails = {a.email for a in db.scalars(select(LoginAttempt)) if not a.succeeded}
        assert {"spray-1@example.com", "spray-2@example.com", "spray-3@example.com"} <= emails


class TestSuccessResetsAccountCounter:
    def test_failures_before_a_success_no_longer_count(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings
    ) -> None:
        user = make_user("nurse")
        short = settings.login_account_max_failures - 1
        for _ in range(short):
            attempt(client, user.email, "wrong password guess")
        assert login(client, user).status_code == 303
        for _ in range(short):
            assert attempt(client, user.email, "wrong password guess").status_code == 401
        # 2 x (max - 1) failures in the window, but only (max - 1) since the last success.
        assert login(client, user).status_code == 303
        # The counter still works after a reset.
        for _ in range(settings.login_account_max_failures):
            attempt(client, user.email, "wrong password guess")
        assert login(client, user).status_code == 429


def stays_on_this_site(location: str) -> bool:
    """Resolve a Location header the way a browser does (WHATWG URL: tabs and newlines are
    dropped, a backslash counts as a slash in http URLs) and check the host did not change."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://testserver/login", cleaned)).netloc == "testserver"


class TestLoginRedirectTarget:
    """``next`` after sign-in must stay on this site (no open redirect)."""

    def test_a_local_path_is_followed(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        user = make_user("nurse")
        response = post_form(
            client,
            "/login",
            {"email": user.email, "password": PASSWORD, "next": "/patients?q=smith"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/patients?q=smith"

    def test_other_sites_are_replaced_by_the_start_page(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        user = make_user("nurse")
        for target in (
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/\\/evil.example/",
            "/\t/evil.example/",
            "\\\\evil.example",
            "javascript:alert(1)",
        ):
            browser = new_client()
            response = post_form(
                browser, "/login", {"email": user.email, "password": PASSWORD, "next": target}
            )
            assert response.status_code == 303, target
            assert stays_on_this_site(response.headers["location"]), target
