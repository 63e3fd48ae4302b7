"""TOTP second factor: enforced enrolment, codes at login, no reuse, encrypted secrets."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts import mfa
from ketacare.accounts.models import Clinic, User, UserSession
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from tests.conftest import enrol_mfa, login, post_form
from tests.security.conftest import next_code, wrong_code

PROTECTED = ("/", "/patients", "/admin/users", "/admin/audit", "/account")


def enrolled_admin(
    make_user: Callable[..., User], new_client: Callable[[], TestClient]
) -> tuple[User, str]:
    admin = make_user("admin")
    first = new_client()
    assert login(first, admin).headers["location"] == "/account/mfa"
    return admin, enrol_mfa(first)


class TestAdminMustEnrol:
    def test_first_login_goes_to_enrolment(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        response = login(client, make_user("admin"))
        assert response.status_code == 303
        assert response.headers["location"] == "/account/mfa"
        page = client.get("/account/mfa")
        assert page.status_code == 200
        assert 'id="totp-secret"' in page.text

    def test_every_protected_page_redirects_to_enrolment_until_done(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("admin"))
        for path in PROTECTED:
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/account/mfa", path
        api = client.get("/api/v1/patients")
        assert api.status_code == 401
        assert api.json() == {"detail": "second factor required"}
        enrol_mfa(client)
        assert client.get("/admin/users").status_code == 200

    def test_wrong_enrolment_code_is_refused(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        page = client.get("/account/mfa").text
        secret = page.split('id="totp-secret">')[1].split("<")[0]
        response = post_form(client, "/account/mfa", {"code": wrong_code(secret)})
        assert response.status_code == 422
        row = db.get(User, admin.id)
        assert row is not None and row.totp_secret_encrypted is None
        assert client.get("/admin/users", follow_redirects=False).status_code == 303

    def test_nurse_in_an_ordinary_clinic_is_not_asked(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        response = login(client, make_user("nurse"))
        assert response.headers["location"] == "/"
        assert client.get("/patients").status_code == 200


class TestClinicPolicyRequiresMfaForAll:
    def test_nurse_must_enrol_when_the_clinic_requires_it(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
    ) -> None:
        strict = make_clinic("strict-clinic", mfa_required_for_all=True)
        nurse = make_user("nurse", strict)
        response = login(client, nurse)
        assert response.headers["location"] == "/account/mfa"
        page = client.get("/patients", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/account/mfa"
        enrol_mfa(client)
        assert client.get("/patients").status_code == 200


class TestLoginRequiresCode:
    def test_enrolled_user_is_sent_to_the_code_page_and_held_there(
        self,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        admin, _ = enrolled_admin(make_user, new_client)
        browser = new_client()
        response = login(browser, admin)
        assert response.headers["location"] == "/login/mfa"
        assert browser.get("/login/mfa").status_code == 200
        for path in PROTECTED:
            held = browser.get(path, follow_redirects=False)
            assert held.status_code == 303 and held.headers["location"] == "/login/mfa", path
        assert browser.get("/api/v1/patients").status_code == 401

    def test_right_code_completes_sign_in(
        self, make_user: Callable[..., User], new_client: Callable[[], TestClient], db: Session
    ) -> None:
        admin, secret = enrolled_admin(make_user, new_client)
        browser = new_client()
        login(browser, admin)
        response = post_form(browser, "/login/mfa", {"code": next_code(secret)})
        assert response.status_code == 303
        assert browser.get("/admin/users").status_code == 200
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.mfa")).all()
        assert [e.outcome for e in events] == ["success"]

    def test_wrong_code_is_refused(
        self, make_user: Callable[..., User], new_client: Callable[[], TestClient], db: Session
    ) -> None:
        admin, secret = enrolled_admin(make_user, new_client)
        browser = new_client()
        login(browser, admin)
        for code in (wrong_code(secret), "abcdef", "", "1234567"):
            response = post_form(browser, "/login/mfa", {"code": code})
            assert response.status_code == 401, code
            assert "not valid" in response.text
        assert browser.get("/admin/users", follow_redirects=False).status_code == 303
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.mfa")).all()
        assert {e.outcome for e in events} == {"failure"}

    def test_code_page_without_a_password_step_sends_to_login(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        _, secret = enrolled_admin(make_user, new_client)
        response = post_form(client, "/login/mfa", {"code": next_code(secret)})
        assert response.status_code == 303 and response.headers["location"] == "/login"


class TestCodeReplay:
    def test_a_code_cannot_be_used_twice(
        self, make_user: Callable[..., User], new_client: Callable[[], TestClient]
    ) -> None:
        admin, secret = enrolled_admin(make_user, new_client)
        code = next_code(secret)
        first = new_client()
        login(first, admin)
        assert post_form(first, "/login/mfa", {"code": code}).status_code == 303
        second = new_client()  # e.g. an attacker who watched the code being typed
        login(second, admin)
        response = post_form(second, "/login/mfa", {"code": code})
        assert response.status_code == 401
        assert second.get("/admin/users", follow_redirects=False).status_code == 303

    def test_the_enrolment_code_cannot_be_reused_at_login(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        page = client.get("/account/mfa").text
        secret = page.split('id="totp-secret">')[1].split("<")[0]
        code = pyotp.TOTP(secret).now()
        assert post_form(client, "/account/mfa", {"code": code}).status_code == 303
        browser = new_client()
        login(browser, admin)
        # Still inside the accepted window (one step either side), so only the replay rule stops it.
        assert pyotp.TOTP(secret).verify(code, valid_window=1)
        assert post_form(browser, "/login/mfa", {"code": code}).status_code == 401


class TestCodeGuessingIsThrottled:
    def test_too_many_wrong_codes_lock_the_account(
        self,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
        settings: Settings,
    ) -> None:
        admin, secret = enrolled_admin(make_user, new_client)
        browser = new_client()
        login(browser, admin)
        for _ in range(settings.login_account_max_failures):
            post_form(browser, "/login/mfa", {"code": wrong_code(secret)})
        response = post_form(browser, "/login/mfa", {"code": next_code(secret)})
        assert response.status_code == 401
        assert login(new_client(), admin).status_code == 429

    def test_signing_in_again_with_the_password_does_not_reset_code_guessing(
        self,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
        settings: Settings,
        db: Session,
    ) -> None:
        """Someone with the password only must not get unlimited code guesses by re-logging in."""
        admin, secret = enrolled_admin(make_user, new_client)
        attacker = new_client()
        for _ in range(3):
            if login(attacker, admin).status_code != 303:
                break
            for _ in range(settings.login_account_max_failures - 1):
                post_form(attacker, "/login/mfa", {"code": wrong_code(secret)})
        checked = db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "login.mfa", AuditEvent.outcome == "failure"
            )
        ).all()
        assert len(checked) <= settings.login_account_max_failures
        response = post_form(attacker, "/login/mfa", {"code": next_code(secret)})
        assert response.status_code == 401  # even the right code is refused now
        assert login(new_client(), admin).status_code == 429


class TestEnrolledFactorCannotBeReplaced:
    """With only the password, nobody may enrol a new authenticator over the existing one."""

    def test_password_only_session_cannot_start_or_confirm_a_new_enrolment(
        self,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
        settings: Settings,
        db: Session,
    ) -> None:
        admin, secret = enrolled_admin(make_user, new_client)
        stored = db.get(User, admin.id)
        assert stored is not None
        original = stored.totp_secret_encrypted
        attacker = new_client()
        assert login(attacker, admin).headers["location"] == "/login/mfa"

        page = attacker.get("/account/mfa", follow_redirects=False)
        assert 'id="totp-secret"' not in page.text
        response = post_form(attacker, "/account/mfa", {"code": "000000"})
        assert 'id="totp-secret"' not in response.text
        pending = db.scalars(
            select(UserSession.pending_totp_secret_encrypted).where(UserSession.user_id == admin.id)
        ).all()
        assert pending == [None, None]

        # Even knowing what a fresh secret's code looks like gets nowhere.
        rogue = pyotp.random_base32()
        post_form(attacker, "/account/mfa", {"code": pyotp.TOTP(rogue).now()})
        assert attacker.get("/admin/users", follow_redirects=False).status_code == 303
        stored = db.get(User, admin.id)
        assert stored is not None and stored.totp_secret_encrypted == original
        assert mfa.decrypt_secret(settings, original or "") == secret


class TestSecretIsEncryptedAtRest:
    def test_stored_secret_is_ciphertext_that_decrypts_to_the_shown_secret(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings, db: Session
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        secret = enrol_mfa(client)
        row = db.get(User, admin.id)
        assert row is not None and row.totp_secret_encrypted
        assert secret not in row.totp_secret_encrypted
        assert secret.lower() not in row.totp_secret_encrypted.lower()
        assert mfa.decrypt_secret(settings, row.totp_secret_encrypted) == secret

    def test_pending_secret_during_enrolment_is_encrypted_too(
        self, client: TestClient, make_user: Callable[..., User], settings: Settings, db: Session
    ) -> None:
        admin = make_user("admin")
        login(client, admin)
        page = client.get("/account/mfa").text
        secret = page.split('id="totp-secret">')[1].split("<")[0]
        (pending,) = db.scalars(
            select(UserSession.pending_totp_secret_encrypted).where(UserSession.user_id == admin.id)
        ).all()
        assert pending and secret not in pending
        assert mfa.decrypt_secret(settings, pending) == secret

    def test_secret_is_not_shown_again_after_enrolment(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("admin"))
        secret = enrol_mfa(client)
        assert client.get("/account/mfa").status_code == 200  # the account page, after redirect
        assert secret not in client.get("/account").text
        assert secret not in client.get("/account/mfa").text
