"""CSRF: unsafe requests must come from our own pages, with the browser's own signed token."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from tests.conftest import PASSWORD, csrf
from tests.security.conftest import API_PATIENT, NEW_PATIENT, bearer, page_csrf


def patient_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Patient)) or 0


def register(client: TestClient, token: str | None, **headers: str) -> object:
    data = dict(NEW_PATIENT)
    if token is not None:
        data["csrf_token"] = token
    return client.post("/patients", data=data, headers=headers, follow_redirects=False)


class TestFormPostWithoutValidToken:
    def test_own_token_is_accepted(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, csrf(client))
        assert response.status_code == 303, response.text
        assert patient_count(db) == 1

    def test_missing_token_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, None)
        assert response.status_code == 403
        assert "CSRF" in response.text
        assert patient_count(db) == 0

    def test_wrong_token_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        genuine = csrf(client)
        forged = ("0" if genuine[0] != "0" else "1") + genuine[1:]
        assert register(client, forged).status_code == 403
        assert register(client, "").status_code == 403
        assert patient_count(db) == 0

    def test_token_of_another_browser_is_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        signed_in("front_desk")
        attacker = new_client()
        attackers_token = csrf(attacker)  # valid, but bound to the attacker's own CSRF cookie
        assert attackers_token != csrf(client)
        assert register(client, attackers_token).status_code == 403
        assert patient_count(db) == 0

    def test_token_in_the_header_works_for_forms_too(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, None, **{"X-CSRF-Token": csrf(client)})
        assert response.status_code == 303
        assert patient_count(db) == 1

    def test_logout_needs_the_token_too(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        assert client.post("/logout", follow_redirects=False).status_code == 403
        assert client.get("/patients", follow_redirects=False).status_code == 200


class TestCrossSiteRequestRefused:
    def test_foreign_origin_is_refused_even_with_a_valid_token(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, csrf(client), Origin="https://evil.example")
        assert response.status_code == 403
        assert patient_count(db) == 0

    def test_opaque_null_origin_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        assert register(client, csrf(client), Origin="null").status_code == 403
        assert patient_count(db) == 0

    def test_own_origin_is_accepted(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, csrf(client), Origin="http://testserver")
        assert response.status_code == 303
        assert patient_count(db) == 1

    def test_fetch_metadata_cross_site_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, csrf(client), **{"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403
        assert patient_count(db) == 0

    def test_fetch_metadata_same_origin_is_accepted(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = register(client, csrf(client), **{"Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 303
        assert patient_count(db) == 1

    def test_login_form_is_protected_against_login_csrf(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        user = make_user("nurse")
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "ketacare_session" not in response.headers.get("set-cookie", "")


class TestJsonApiCsrf:
    def test_session_cookie_without_header_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = client.post("/api/v1/patients", json=API_PATIENT)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/json")
        assert patient_count(db) == 0

    def test_session_cookie_with_wrong_header_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = client.post(
            "/api/v1/patients", json=API_PATIENT, headers={"X-CSRF-Token": "f" * 64}
        )
        assert response.status_code == 403
        assert patient_count(db) == 0

    def test_session_cookie_with_header_from_the_page_is_accepted(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        token = page_csrf(client.get("/patients").text)
        response = client.post(
            "/api/v1/patients", json=API_PATIENT, headers={"X-CSRF-Token": token}
        )
        assert response.status_code == 201, response.text
        assert patient_count(db) == 1

    def test_session_cookie_with_header_but_foreign_origin_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        token = page_csrf(client.get("/patients").text)
        response = client.post(
            "/api/v1/patients",
            json=API_PATIENT,
            headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
        )
        assert response.status_code == 403
        assert patient_count(db) == 0

    def test_bearer_token_needs_no_csrf_token(
        self,
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        db: Session,
    ) -> None:
        script = new_client()  # no cookies at all: a script, not a browser
        token = make_token(make_user("front_desk"))
        response = script.post("/api/v1/patients", json=API_PATIENT, headers=bearer(token))
        assert response.status_code == 201, response.text
        assert patient_count(db) == 1

    def test_bogus_bearer_token_skips_csrf_but_is_not_authenticated(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        """A bearer header turns the ambient cookie off: it cannot be used to dodge CSRF."""
        signed_in("front_desk")
        response = client.post("/api/v1/patients", json=API_PATIENT, headers=bearer("kct_bogus"))
        assert response.status_code == 401
        assert patient_count(db) == 0
