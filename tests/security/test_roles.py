"""Function-level authorisation: what each role may and may not do, in pages and the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.patients.models import BodyMeasurement, Diagnosis, Patient
from tests.conftest import post_form
from tests.security.conftest import API_PATIENT, NEW_PATIENT, bearer


def count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


class TestFrontDeskCannotRecordClinicalData:
    def test_measurement_form_post_is_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        db: Session,
    ) -> None:
        signed_in("front_desk")
        patient_id = make_patient(make_user("physician"))
        response = post_form(client, f"/patients/{patient_id}/measurements", {"weight_kg": "80"})
        assert response.status_code == 403
        assert "Your role does not allow this." in response.text
        assert count(db, BodyMeasurement) == 0

    def test_diagnosis_form_post_is_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        db: Session,
    ) -> None:
        signed_in("front_desk")
        patient_id = make_patient(make_user("physician"))
        response = post_form(client, f"/patients/{patient_id}/diagnoses", {"icd10_code": "F33.2"})
        assert response.status_code == 403
        assert count(db, Diagnosis) == 0

    def test_but_can_open_the_chart(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        signed_in("front_desk")
        patient_id = make_patient(make_user("physician"))
        assert client.get(f"/patients/{patient_id}").status_code == 200


class TestTherapistCannotRegisterPatients:
    def test_registration_form_is_refused(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("therapist")
        assert client.get("/patients/new").status_code == 403

    def test_registration_post_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("therapist")
        response = post_form(client, "/patients", NEW_PATIENT)
        assert response.status_code == 403
        assert count(db, Patient) == 0

    def test_amendment_is_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
    ) -> None:
        signed_in("therapist")
        patient_id = make_patient(make_user("physician"))
        assert client.get(f"/patients/{patient_id}/amend").status_code == 403
        form = {**NEW_PATIENT, "given_name": "Augusta", "reason": "name was misspelled"}
        assert post_form(client, f"/patients/{patient_id}/amend", form).status_code == 403


class TestNonAdminCannotAdminister:
    @pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
    @pytest.mark.parametrize("role", ["nurse", "physician", "front_desk", "therapist"])
    def test_admin_pages_are_refused(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        role: str,
        path: str,
    ) -> None:
        colleague = make_user("admin")
        signed_in(role)
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403
        assert "Your role does not allow this." in response.text
        assert colleague.email not in response.text

    def test_nurse_cannot_create_or_disable_accounts(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("nurse")
        colleague = make_user("physician")
        before = count(db, User)
        response = post_form(
            client,
            "/admin/users",
            {
                "email": "new-admin@example.com",
                "full_name": "Mallory",
                "role": "admin",
                "password": "a long enough new password",
            },
        )
        assert response.status_code == 403
        assert count(db, User) == before
        assert post_form(client, f"/admin/users/{colleague.id}/disable", {}).status_code == 403
        refreshed = db.get(User, colleague.id)
        assert refreshed is not None and refreshed.is_active

    def test_admin_can_open_them(
        self, client: TestClient, signed_in: Callable[..., User], make_user: Callable[..., User]
    ) -> None:
        colleague = make_user("nurse")
        signed_in("admin")
        users = client.get("/admin/users")
        assert users.status_code == 200
        assert colleague.email in users.text
        assert client.get("/admin/audit").status_code == 200


class TestOnlyPhysiciansDiagnoseViaApi:
    @pytest.mark.parametrize("role", ["nurse", "therapist", "front_desk", "admin"])
    def test_non_physician_is_refused_and_nothing_is_stored(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        make_token: Callable[[User], str],
        db: Session,
        role: str,
    ) -> None:
        patient_id = make_patient(make_user("physician"))
        token = make_token(make_user(role))
        response = client.post(
            f"/api/v1/patients/{patient_id}/diagnoses",
            json={"icd10_code": "F33.2"},
            headers=bearer(token),
        )
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role does not allow this."}
        assert count(db, Diagnosis) == 0

    def test_physician_is_allowed(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        make_token: Callable[[User], str],
        db: Session,
    ) -> None:
        physician = make_user("physician")
        patient_id = make_patient(physician)
        response = client.post(
            f"/api/v1/patients/{patient_id}/diagnoses",
            json={"icd10_code": "F33.2"},
            headers=bearer(make_token(physician)),
        )
        assert response.status_code == 201
        assert count(db, Diagnosis) == 1


# The patient API's authorisation matrix -------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {patient}, {measurement}, {allergy}, {diagnosis} are filled in
    body: dict[str, Any] | None
    allowed: tuple[str, ...]
    success: int


ALL = ("admin", "physician", "nurse", "therapist", "front_desk")
REGISTRARS = ("admin", "physician", "nurse", "front_desk")
RECORDERS = ("physician", "nurse")
PHYSICIANS = ("physician",)

ENDPOINTS = (
    Endpoint("search", "GET", "/api/v1/patients", None, ALL, 200),
    Endpoint("register", "POST", "/api/v1/patients", API_PATIENT, REGISTRARS, 201),
    Endpoint("read", "GET", "/api/v1/patients/{patient}", None, ALL, 200),
    Endpoint(
        "amend",
        "PATCH",
        "/api/v1/patients/{patient}",
        {"given_name": "Augusta", "reason": "name was misspelled"},
        REGISTRARS,
        200,
    ),
    Endpoint("history", "GET", "/api/v1/patients/{patient}/history", None, ALL, 200),
    Endpoint(
        "measure",
        "POST",
        "/api/v1/patients/{patient}/measurements",
        {"weight_kg": 72.5},
        RECORDERS,
        201,
    ),
    Endpoint(
        "allergy",
        "POST",
        "/api/v1/patients/{patient}/allergies",
        {"substance": "Latex"},
        RECORDERS,
        201,
    ),
    Endpoint(
        "diagnose",
        "POST",
        "/api/v1/patients/{patient}/diagnoses",
        {"icd10_code": "F32.2"},
        PHYSICIANS,
        201,
    ),
    Endpoint(
        "resolve diagnosis",
        "POST",
        "/api/v1/patients/{patient}/diagnoses/{diagnosis}/resolve",
        {"resolved_on": date.today().isoformat()},
        PHYSICIANS,
        200,
    ),
    Endpoint(
        "void measurement",
        "POST",
        "/api/v1/patients/{patient}/measurement/{measurement}/void",
        {"reason": "entered on the wrong chart"},
        RECORDERS,
        204,
    ),
    Endpoint(
        "void allergy",
        "POST",
        "/api/v1/patients/{patient}/allergy/{allergy}/void",
        {"reason": "entered on the wrong chart"},
        RECORDERS,
        204,
    ),
    Endpoint(
        "void diagnosis",
        "POST",
        "/api/v1/patients/{patient}/diagnosis/{diagnosis}/void",
        {"reason": "entered on the wrong chart"},
        PHYSICIANS,
        204,
    ),
)

MATRIX = [
    pytest.param(
        role,
        endpoint,
        endpoint.success if role in endpoint.allowed else 403,
        id=f"{role}-{endpoint.name.replace(' ', '_')}",
    )
    for endpoint in ENDPOINTS
    for role in ALL
]


class TestPatientApiAuthorisationMatrix:
    def test_every_endpoint_is_in_the_matrix(self) -> None:
        from ketacare.patients.api import router

        routes = {
            (method, route.path)  # type: ignore[attr-defined]
            for route in router.routes
            for method in route.methods  # type: ignore[attr-defined]
        }
        covered = {(e.method, e.path) for e in ENDPOINTS}
        templated = {
            (method, "/api/v1" + path.replace("{patient_id}", "{patient}"))
            for method, path in routes
            if "{kind}" not in path
        }
        assert templated <= covered
        assert any("{kind}" in path for _, path in routes)  # the void route, covered per kind

    @pytest.mark.parametrize(("role", "endpoint", "expected"), MATRIX)
    def test_role_gets_expected_status(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        make_records: Callable[..., dict[str, uuid.UUID]],
        make_token: Callable[[User], str],
        db: Session,
        role: str,
        endpoint: Endpoint,
        expected: int,
    ) -> None:
        physician = make_user("physician")
        patient_id = make_patient(physician)
        records = make_records(physician, patient_id)
        caller = physician if role == "physician" else make_user(role)
        token = make_token(caller)
        path = endpoint.path.format(patient=patient_id, **records)
        audit_before = _audit_count(db)
        response = client.request(endpoint.method, path, json=endpoint.body, headers=bearer(token))
        assert response.status_code == expected, response.text
        if expected == 403:
            assert response.json() == {"detail": "Your role does not allow this."}
            assert _audit_count(db) == audit_before  # refused before any work was done


def _audit_count(db: Session) -> int:
    return count(db, AuditEvent)
