"""The consent JSON API: status, signatures with 422 field errors, versions, roles, scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.config import Settings
from ketacare.consent.models import ConsentSignature
from tests.conftest import bearer_for, login
from tests.consent.helpers import today
from tests.patients.test_views import register


def setup(
    client: TestClient,
    make_user: Callable[..., User],
    factory: sessionmaker[Session],
    settings: Settings,
    role: str = "nurse",
) -> tuple[str, dict[str, str]]:
    user = make_user(role)
    login(client, user)
    return register(client), bearer_for(factory, settings, user)


def body(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    versions = client.get("/api/v1/consent/documents/iv_ketamine", headers=headers).json()
    return {
        "document_id": versions[0]["id"],
        "typed_name": "Ada Lovelace",
        "signed_on": today().isoformat(),
        "staff_confirmed": True,
        **changes,
    }


class TestApi:
    def test_status_sign_and_versions(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient_id, headers = setup(client, make_user, session_factory, settings)
        before = client.get(f"/api/v1/patients/{patient_id}/consent", headers=headers).json()
        assert [(s["treatment"], s["valid"], s["reason"]) for s in before] == [
            ("iv_ketamine", False, "no consent on file"),
            ("esketamine", False, "no consent on file"),
        ]
        versions = client.get("/api/v1/consent/documents/iv_ketamine", headers=headers).json()
        assert [v["version"] for v in versions] == [1]
        url = f"/api/v1/patients/{patient_id}/consent/iv_ketamine/signatures"
        created = client.post(url, json=body(client, headers), headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["signed_text"] == versions[0]["body"]
        assert created.json()["document_sha256"] == versions[0]["body_sha256"]
        after = client.get(f"/api/v1/patients/{patient_id}/consent", headers=headers).json()
        assert after[0]["valid"] and after[0]["reason"] == f"signed version 1 on {today()}"
        assert after[0]["signature"]["id"] == created.json()["id"]

    def test_bad_signatures_answer_422_naming_fields_and_store_nothing(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
    ) -> None:
        patient_id, headers = setup(client, make_user, session_factory, settings)
        url = f"/api/v1/patients/{patient_id}/consent/iv_ketamine/signatures"
        unticked = client.post(
            url, json=body(client, headers, staff_confirmed=False), headers=headers
        )
        assert unticked.status_code == 422
        assert [p["field"] for p in unticked.json()["detail"]] == ["staff_confirmed"]
        wrong = client.post(
            url,
            json=body(client, headers, typed_name="Grace Hopper", signed_on="2020-01-01"),
            headers=headers,
        )
        assert wrong.status_code == 422
        fields = {p["field"]: p for p in wrong.json()["detail"]}
        assert set(fields) == {"typed_name", "signed_on"}
        assert "min" in fields["signed_on"]["allowed"]
        assert db.scalar(select(func.count()).select_from(ConsentSignature)) == 0
        unknown = client.post(
            f"/api/v1/patients/{patient_id}/consent/lsd/signatures",
            json=body(client, headers),
            headers=headers,
        )
        assert unknown.status_code == 422

    def test_publish_then_withdraw(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient_id, headers = setup(client, make_user, session_factory, settings, "physician")
        url = f"/api/v1/patients/{patient_id}/consent/iv_ketamine/signatures"
        assert client.post(url, json=body(client, headers), headers=headers).status_code == 201
        published = client.post(
            "/api/v1/consent/documents/iv_ketamine",
            json={"title": "Version two", "body": "Our new consent text. " * 5},
            headers=headers,
        )
        assert published.status_code == 201 and published.json()["version"] == 2
        status = client.get(f"/api/v1/patients/{patient_id}/consent", headers=headers).json()
        assert status[0]["reason"] == "a new version (2) needs a new signature"
        withdrawn = client.post(
            f"/api/v1/patients/{patient_id}/consent/iv_ketamine/withdrawal",
            json={"reason": "moving away"},
            headers=headers,
        )
        assert (
            withdrawn.status_code == 200 and withdrawn.json()["withdrawal_reason"] == "moving away"
        )

    def test_roles_and_clinic_scope(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient_id, headers = setup(client, make_user, session_factory, settings)
        therapist = bearer_for(session_factory, settings, make_user("therapist"))
        url = f"/api/v1/patients/{patient_id}/consent/iv_ketamine/signatures"
        assert client.post(url, json=body(client, headers), headers=therapist).status_code == 403
        desk = bearer_for(session_factory, settings, make_user("front_desk"))
        publish = client.post(
            "/api/v1/consent/documents/iv_ketamine",
            json={"title": "Mine", "body": "x" * 80},
            headers=desk,
        )
        assert publish.status_code == 403
        stranger = bearer_for(session_factory, settings, make_user("nurse", make_clinic()))
        other = client.get(f"/api/v1/patients/{patient_id}/consent", headers=stranger)
        assert other.status_code == 404
        assert client.post(url, json=body(client, stranger), headers=stranger).status_code == 404
