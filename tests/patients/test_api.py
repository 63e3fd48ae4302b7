"""The patient JSON API: personal API tokens, 201/422/404 answers, OpenAPI."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.patients.models import BodyMeasurement, Patient
from tests.conftest import bearer_for

BODY = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1976-12-09",
    "sex": "female",
    "referring_clinician": "Dr Aiken",
}


@pytest.fixture
def bearer(
    session_factory: sessionmaker[Session], settings: Settings, make_user: Callable[..., User]
) -> Callable[[str], dict[str, str]]:
    def make(role: str) -> dict[str, str]:
        return bearer_for(session_factory, settings, make_user(role))

    return make


def create(client: TestClient, headers: dict[str, str], **changes: Any) -> Any:
    return client.post("/api/v1/patients", json={**BODY, **changes}, headers=headers)


class TestRegisterAndRead:
    def test_register_then_read_chart_header(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]]
    ) -> None:
        headers = bearer("physician")
        created = create(client, headers)
        assert created.status_code == 201, created.text
        patient_id = created.json()["id"]
        assert created.json()["mrn"] == "KC000001"
        for body in ({"weight_kg": 70}, {"height_cm": 175}):
            assert (
                client.post(
                    f"/api/v1/patients/{patient_id}/measurements", json=body, headers=headers
                ).status_code
                == 201
            )
        diagnosis = client.post(
            f"/api/v1/patients/{patient_id}/diagnoses",
            json={"icd10_code": "F33.2"},
            headers=headers,
        )
        assert diagnosis.status_code == 201
        chart = client.get(f"/api/v1/patients/{patient_id}", headers=headers).json()
        assert chart["weight_kg"] == 70
        assert chart["bmi"] == 22.9
        assert chart["diagnoses"][0]["icd10_code"] == "F33.2"
        assert chart["age_years"] >= 49

    def test_search(self, client: TestClient, bearer: Callable[[str], dict[str, str]]) -> None:
        headers = bearer("front_desk")
        create(client, headers)
        create(client, headers, given_name="Alan", family_name="Turing", sex="male")
        found = client.get("/api/v1/patients", params={"q": "tur"}, headers=headers).json()
        assert [p["family_name"] for p in found["items"]] == ["Turing"]
        assert found["total"] == 1


class TestBadInput:
    def test_422_names_each_field_and_its_range_and_stores_nothing(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]], db: Session
    ) -> None:
        headers = bearer("physician")
        response = create(client, headers, sex="robot", date_of_birth="not a date", colour="blue")
        assert response.status_code == 422
        fields = {problem["field"] for problem in response.json()["detail"]}
        assert fields == {"sex", "date_of_birth", "colour"}
        assert db.scalar(select(func.count()).select_from(Patient)) == 0

    def test_out_of_range_measurement_reports_the_allowed_range(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]]
    ) -> None:
        headers = bearer("nurse")
        patient_id = create(client, headers).json()["id"]
        response = client.post(
            f"/api/v1/patients/{patient_id}/measurements", json={"weight_kg": 1000}, headers=headers
        )
        assert response.status_code == 422
        problem = response.json()["detail"][0]
        assert problem["field"] == "weight_kg"
        assert problem["allowed"] == {"le": "350.0"}

    def test_amend_needs_a_reason(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]]
    ) -> None:
        headers = bearer("front_desk")
        patient_id = create(client, headers).json()["id"]
        response = client.patch(
            f"/api/v1/patients/{patient_id}", json={"given_name": "G."}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "reason"
        amended = client.patch(
            f"/api/v1/patients/{patient_id}",
            json={"given_name": "G.", "reason": "preferred name"},
            headers=headers,
        )
        assert amended.status_code == 200
        assert amended.json()["revision"] == 2

    def test_unknown_patient_is_404(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]]
    ) -> None:
        response = client.get(f"/api/v1/patients/{uuid.uuid4()}", headers=bearer("nurse"))
        assert response.status_code == 404


class TestVoid:
    def test_voided_measurement_leaves_the_chart_but_stays_stored(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]], db: Session
    ) -> None:
        headers = bearer("nurse")
        patient_id = create(client, headers).json()["id"]
        url = f"/api/v1/patients/{patient_id}/measurements"
        client.post(
            url, json={"weight_kg": 80, "measured_at": "2026-01-01T09:00:00Z"}, headers=headers
        )
        wrong = client.post(
            url, json={"weight_kg": 60, "measured_at": "2026-02-01T09:00:00Z"}, headers=headers
        ).json()
        assert (
            client.get(f"/api/v1/patients/{patient_id}", headers=headers).json()["weight_kg"] == 60
        )
        voided = client.post(
            f"/api/v1/patients/{patient_id}/measurement/{wrong['id']}/void",
            json={"reason": "wrong patient"},
            headers=headers,
        )
        assert voided.status_code == 204
        assert (
            client.get(f"/api/v1/patients/{patient_id}", headers=headers).json()["weight_kg"] == 80
        )
        row = db.get(BodyMeasurement, uuid.UUID(wrong["id"]))
        assert row is not None
        assert row.void_reason == "wrong patient"
        assert row.voided_at is not None

    def test_void_needs_a_reason(
        self, client: TestClient, bearer: Callable[[str], dict[str, str]]
    ) -> None:
        headers = bearer("nurse")
        patient_id = create(client, headers).json()["id"]
        row = client.post(
            f"/api/v1/patients/{patient_id}/measurements", json={"weight_kg": 70}, headers=headers
        ).json()
        response = client.post(
            f"/api/v1/patients/{patient_id}/measurement/{row['id']}/void",
            json={"reason": ""},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "reason"


class TestOpenApi:
    def test_schema_lists_the_patient_routes(self, client: TestClient) -> None:
        schema = client.get("/api/v1/openapi.json").json()
        assert "/patients" in schema["paths"]
        assert "/patients/{patient_id}" in schema["paths"]
