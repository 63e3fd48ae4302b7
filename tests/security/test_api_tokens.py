"""Personal API tokens: shown once, bearer authentication, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import ApiToken, User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.kit.security.tokens import token_hash
from tests.conftest import post_form
from tests.security.conftest import assert_login_redirect, bearer


def create_token(client: TestClient, name: str = "outcomes notebook") -> str:
    response = post_form(client, "/account/tokens", {"name": name})
    assert response.status_code == 201, response.text
    match = re.search(r'id="new-token">([^<]+)<', response.text)
    assert match, "the new token is not shown"
    return match.group(1)


def tokens_of(db: Session, user: User) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


class TestTokenIsShownOnce:
    def test_created_token_appears_only_in_the_creation_answer(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        raw = create_token(client)
        assert raw.startswith("kct_") and len(raw) >= 40
        account = client.get("/account")
        assert account.status_code == 200
        assert "outcomes notebook" in account.text  # listed by name…
        assert raw not in account.text  # …but never shown again
        assert 'id="new-token"' not in account.text

    def test_each_token_is_different(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        assert create_token(client, "one") != create_token(client, "two")

    def test_creation_is_audited_without_the_token(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        user = signed_in("nurse")
        raw = create_token(client)
        (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.create"))
        assert event.actor_user_id == user.id
        assert raw not in str(event.chained_fields())

    def test_creating_a_token_needs_a_signed_in_browser(
        self, client: TestClient, db: Session
    ) -> None:
        response = post_form(client, "/account/tokens", {"name": "sneaky"})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
        assert db.scalars(select(ApiToken)).all() == []


class TestBearerAuthentication:
    def test_token_authenticates_as_its_owner_without_cookies(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        user = signed_in("nurse")
        patient_id = make_patient(user)
        raw = create_token(client)
        script = new_client()
        response = script.get(f"/api/v1/patients/{patient_id}", headers=bearer(raw))
        assert response.status_code == 200
        assert response.json()["patient"]["family_name"] == "Lovelace"

    def test_no_token_or_unknown_token_is_401(self, new_client: Callable[[], TestClient]) -> None:
        script = new_client()
        for headers in ({}, bearer("kct_" + "A" * 43), bearer(""), {"Authorization": "Basic eDp5"}):
            response = script.get("/api/v1/patients", headers=headers)
            assert response.status_code == 401, headers
            assert response.json() == {"detail": "authentication required"}

    def test_use_is_recorded(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        raw = create_token(client)
        new_client().get("/api/v1/patients", headers=bearer(raw))
        (row,) = tokens_of(db, user)
        assert row.last_used_at is not None


class TestOnlyAHashIsStored:
    def test_raw_token_is_nowhere_in_the_row(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        settings: Settings,
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        raw = create_token(client)
        (row,) = tokens_of(db, user)
        assert not any(raw in str(value) for value in row.__dict__.values())
        assert row.token_hash != hashlib.sha256(raw.encode()).hexdigest()
        assert row.token_hash == token_hash(settings.secret_key.get_secret_value(), raw)


class TestRevokedToken:
    def test_revoked_token_is_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        user = signed_in("nurse")
        raw = create_token(client)
        keep = create_token(client, "keep")
        script = new_client()
        assert script.get("/api/v1/patients", headers=bearer(raw)).status_code == 200
        row = next(t for t in tokens_of(db, user) if t.name == "outcomes notebook")
        response = post_form(client, f"/account/tokens/{row.id}/revoke", {})
        assert response.status_code == 303
        assert script.get("/api/v1/patients", headers=bearer(raw)).status_code == 401
        assert script.get("/api/v1/patients", headers=bearer(keep)).status_code == 200
        assert "revoked" in client.get("/account").text

    def test_cannot_revoke_someone_elses_token(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        signed_in("nurse")
        colleague = make_user("nurse")
        raw = make_token(colleague)
        (row,) = tokens_of(db, colleague)
        response = post_form(client, f"/account/tokens/{row.id}/revoke", {})
        assert response.status_code == 404
        assert new_client().get("/api/v1/patients", headers=bearer(raw)).status_code == 200


class TestTokensOpenTheApiOnly:
    def test_a_token_does_not_open_pages_or_mint_more_tokens(
        self,
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        db: Session,
    ) -> None:
        admin = make_user("admin")
        raw = make_token(admin)
        script = new_client()
        assert script.get("/api/v1/patients", headers=bearer(raw)).status_code == 200
        for url in ("/admin/users", "/account", "/patients"):
            response = script.get(url, headers=bearer(raw), follow_redirects=False)
            assert_login_redirect(response)
        minted = script.post(
            "/account/tokens", data={"name": "more"}, headers=bearer(raw), follow_redirects=False
        )
        assert minted.status_code == 403  # no CSRF exemption outside /api/ either
        assert len(tokens_of(db, admin)) == 1
