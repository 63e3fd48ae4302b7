"""ZAP-style passive checks on pages and the API, and error answers that leak nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from ketacare.accounts.models import User
from tests.conftest import post_form
from tests.security.conftest import NEW_PATIENT, bearer, page_csrf

SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
LEAKS = (
    "Traceback",
    'File "',
    ".py",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "starlette",
    "fastapi",
    "pydantic",
    "uvicorn",
    "Exception",
    "Error:",
)


def csp(response: httpx.Response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, f"no CSP on {response.request.url}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response: httpx.Response) -> None:
    policy = csp(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, "CSP does not restrict scripts"
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert "*" not in scripts
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("base-uri") in (["'none'"], ["'self'"])
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("referrer-policy") in SAFE_REFERRER_POLICIES
    assert "server" not in response.headers
    assert "x-powered-by" not in response.headers
    assert "x-aspnet-version" not in response.headers


def assert_not_cached(response: httpx.Response) -> None:
    assert "no-store" in response.headers.get("cache-control", "")


def assert_leaks_nothing(response: httpx.Response, *secrets: str) -> None:
    for marker in (*LEAKS, *secrets):
        assert marker not in response.text, marker


class TestSecurityHeadersOnPages:
    def test_login_page(self, client: TestClient) -> None:
        response = client.get("/login")
        assert response.status_code == 200
        assert_secure_headers(response)
        assert_not_cached(response)

    def test_patient_pages_are_never_cached(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        user = signed_in("physician")
        patient_id = make_patient(user)
        for path in (
            "/patients",
            "/patients?q=Lovelace",
            f"/patients/{patient_id}",
            f"/patients/{patient_id}/history",
            f"/patients/{patient_id}/amend",
            "/patients/new",
            "/account",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            assert_secure_headers(response)
            assert_not_cached(response)

    def test_redirects_carry_the_headers_too(self, client: TestClient) -> None:
        response = client.get("/patients", follow_redirects=False)
        assert response.status_code == 303
        assert_secure_headers(response)

    def test_no_inline_scripts_or_handlers_that_the_csp_would_block(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        user = signed_in("physician")
        patient_id = make_patient(user)
        for path in ("/login", "/patients", f"/patients/{patient_id}"):
            html = client.get(path).text.lower()
            assert "<script>" not in html and "javascript:" not in html, path
            assert " onclick=" not in html and " onsubmit=" not in html, path

    def test_static_script_referenced_by_pages_is_served(self, client: TestClient) -> None:
        response = client.get("/static/ketacare.js")
        assert response.status_code == 200
        assert response.headers.get("x-content-type-options") == "nosniff"


class TestReferrerPolicyKeepsOwnFormsWorking:
    """Fetch spec, "append a request Origin header": under ``no-referrer`` a browser sends
    ``Origin: null`` on every POST, even to its own site, and the CSRF check refuses ``null``."""

    def test_policy_lets_same_origin_posts_carry_their_origin(self, client: TestClient) -> None:
        policy = client.get("/login").headers["referrer-policy"]
        assert policy in {"same-origin", "strict-origin", "strict-origin-when-cross-origin"}

    def test_a_post_as_a_browser_sends_it_is_accepted(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("front_desk")
        page = client.get("/patients/new")
        origin = "null" if page.headers["referrer-policy"] == "no-referrer" else "http://testserver"
        response = client.post(
            "/patients",
            data={**NEW_PATIENT, "csrf_token": page_csrf(page.text)},
            headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text


class TestSecurityHeadersOnApi:
    def test_api_answers_carry_headers_and_are_not_cached(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        physician = make_user("physician")
        patient_id = make_patient(physician)
        headers = bearer(make_token(physician))
        for path in ("/api/v1/patients", f"/api/v1/patients/{patient_id}"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/json")
            assert_secure_headers(response)
            assert_not_cached(response)

    def test_unauthenticated_api_answer(self, client: TestClient) -> None:
        response = client.get("/api/v1/patients")
        assert response.status_code == 401
        assert response.headers.get("www-authenticate") == "Bearer"
        assert_secure_headers(response)

    def test_interactive_docs_are_not_published_on_the_site(self, client: TestClient) -> None:
        for path in ("/docs", "/redoc", "/openapi.json", "/api/v1/docs"):
            assert client.get(path).status_code == 404, path


class TestErrorPagesLeakNothing:
    def test_unknown_page_404(self, client: TestClient) -> None:
        response = client.get("/no/such/page")
        assert response.status_code == 404
        assert "There is nothing here." in response.text
        assert_secure_headers(response)
        assert_leaks_nothing(response)

    def test_unknown_patient_404_on_page_and_api(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
    ) -> None:
        signed_in("physician")
        page = client.get(f"/patients/{uuid.uuid4()}")
        assert page.status_code == 404
        assert_leaks_nothing(page)
        api = client.get(f"/api/v1/patients/{uuid.uuid4()}")
        assert api.status_code == 404
        assert api.json() == {"detail": "There is nothing here."}

    def test_role_403_on_page_and_api(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        signed_in("therapist")
        patient_id = make_patient(make_user("physician"))
        page = client.get("/patients/new")
        assert page.status_code == 403
        assert "Your role does not allow this." in page.text
        assert_secure_headers(page)
        # Nothing about which roles would have been allowed.
        assert_leaks_nothing(page, "physician", "front_desk", "Front desk", "REGISTER_ROLES")
        api = client.patch(
            f"/api/v1/patients/{patient_id}",
            json={"given_name": "X", "reason": "testing access"},
            headers={"X-CSRF-Token": page_csrf(page.text)},
        )
        assert api.status_code == 403
        assert api.json() == {"detail": "Your role does not allow this."}
        assert_secure_headers(api)

    def test_malformed_id_is_a_clean_422(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("physician")
        response = client.get("/patients/1' OR '1'='1")
        assert response.status_code == 422
        assert_leaks_nothing(response, "OR '1'='1", "OR &#39;1&#39;=&#39;1")


class TestServerErrorLeaksNothing:
    SECRET = "kaboom-internal-detail-7731"

    @pytest.fixture
    def crashing(self, custom_app: Callable[..., tuple[FastAPI, TestClient]]) -> TestClient:
        application, client = custom_app(raise_server_exceptions=False)

        def boom() -> None:
            raise LookupError(f"{self.SECRET} at /srv/ketacare/secret.py line 42")

        application.add_api_route("/boom", boom)
        api = next(
            route.app
            for route in application.routes
            if isinstance(route, Mount) and route.path == "/api/v1"
        )
        assert isinstance(api, FastAPI)
        api.add_api_route("/boom", boom)
        return client

    def test_page_500_is_generic(self, crashing: TestClient) -> None:
        response = crashing.get("/boom")
        assert response.status_code == 500
        assert "Something went wrong" in response.text
        assert_leaks_nothing(response, self.SECRET, "LookupError", "/srv/ketacare")

    def test_api_500_is_generic_json(self, crashing: TestClient) -> None:
        response = crashing.get("/api/v1/boom")
        assert response.status_code == 500
        assert response.json() == {"detail": "The error was logged. Please try again."}
        assert_leaks_nothing(response, self.SECRET, "LookupError", "/srv/ketacare")

    def test_500_carries_the_security_headers(self, crashing: TestClient) -> None:
        for path in ("/boom", "/api/v1/boom"):
            response = crashing.get(path)
            assert response.status_code == 500
            assert_secure_headers(response)
            assert_not_cached(response)


class TestOutputIsEscaped:
    PAYLOAD = '<script>alert("x")</script>'

    def test_stored_and_reflected_markup_is_escaped(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        user = signed_in("physician")
        patient_id = make_patient(user, family_name=self.PAYLOAD)
        for path, params in (
            ("/patients", {}),
            ("/patients", {"q": self.PAYLOAD}),  # reflected in the search box and status line
            (f"/patients/{patient_id}", {}),
        ):
            response = client.get(path, params=params)
            assert response.status_code == 200
            assert self.PAYLOAD not in response.text, path
            assert "&lt;script&gt;" in response.text, path

    def test_login_form_does_not_reflect_markup(self, client: TestClient) -> None:
        response = post_form(
            client, "/login", {"email": '"><svg onload=alert(1)>', "password": "x", "next": "/"}
        )
        assert response.status_code == 401
        assert "<svg onload" not in response.text
