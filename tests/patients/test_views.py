"""Patient pages through the real HTML forms, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.patients.models import BodyMeasurement, Patient, PatientRevision
from tests.conftest import post_form

NEW_PATIENT = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "1980-12-10",
    "sex": "female",
    "mrn": "",
    "phone": "+1 555 0100",
    "email": "",
    "address": "",
    "referring_clinician": "Dr Babbage",
}


def register(client: TestClient, **changes: str) -> str:
    response = post_form(client, "/patients", {**NEW_PATIENT, **changes})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/patients/([0-9a-f-]{36})", response.headers["location"])
    assert match
    return match.group(1)


class TestRegister:
    def test_registers_and_opens_the_chart(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("front_desk")
        patient_id = register(client)
        chart = client.get(f"/patients/{patient_id}")
        assert chart.status_code == 200
        assert "Lovelace, Ada" in chart.text
        assert "KC000001" in chart.text  # the first number assigned in this clinic

    def test_bad_input_reshows_form_with_field_messages_and_stores_nothing(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        response = post_form(
            client, "/patients", {**NEW_PATIENT, "given_name": "", "date_of_birth": "2999-01-01"}
        )
        assert response.status_code == 422
        assert 'id="e-given_name"' in response.text
        assert "Date of birth cannot be in the future" in response.text
        assert 'value="Lovelace"' in response.text  # what was typed is kept
        assert db.scalar(select(func.count()).select_from(Patient)) == 0

    def test_duplicate_mrn_is_refused(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("front_desk")
        register(client, mrn="A-100")
        response = post_form(client, "/patients", {**NEW_PATIENT, "mrn": "A-100"})
        assert response.status_code == 422
        assert "A-100 is already used in this clinic" in response.text


class TestChart:
    def test_header_shows_age_latest_weight_height_bmi_allergies_diagnoses(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        from tests.conftest import login

        physician = make_user("physician")
        login(client, physician)
        patient_id = register(client, date_of_birth="1980-01-01")
        for weight in ("80", "75.5"):
            post_form(client, f"/patients/{patient_id}/measurements", {"weight_kg": weight})
        post_form(client, f"/patients/{patient_id}/measurements", {"height_cm": "170"})
        post_form(
            client,
            f"/patients/{patient_id}/allergies",
            {"substance": "Penicillin", "reaction": "rash", "severity": "severe"},
        )
        post_form(client, f"/patients/{patient_id}/diagnoses", {"icd10_code": "f332"})
        page = client.get(f"/patients/{patient_id}").text
        assert re.search(r'id="weight">75.5 kg<', page)
        assert re.search(r'id="height">170 cm<', page)
        assert re.search(r'id="bmi">26.1<', page)  # 75.5 / 1.70² = 26.12
        assert "Penicillin (severe)" in page
        assert (
            "F33.2 Major depressive disorder, recurrent severe without psychotic features" in page
        )
        assert db.scalar(select(func.count()).select_from(BodyMeasurement)) == 3

    def test_out_of_range_weight_names_field_and_range(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        response = post_form(client, f"/patients/{patient_id}/measurements", {"weight_kg": "900"})
        assert response.status_code == 422
        assert "Weight (kg) must be between 25 and 350" in response.text
        assert db.scalar(select(func.count()).select_from(BodyMeasurement)) == 0


class TestAmend:
    def test_amendment_keeps_the_original_with_who_when_why(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        user = signed_in("front_desk")
        patient_id = register(client)
        form = {
            **NEW_PATIENT,
            "mrn": "KC000001",
            "date_of_birth": "1980-12-01",
            "reason": "birth date mistyped at registration",
        }
        response = post_form(client, f"/patients/{patient_id}/amend", form)
        assert response.status_code == 303, response.text
        revisions = db.scalars(select(PatientRevision).order_by(PatientRevision.revision)).all()
        assert [r.snapshot["date_of_birth"] for r in revisions] == ["1980-12-10", "1980-12-01"]
        assert revisions[1].reason == "birth date mistyped at registration"
        assert revisions[1].created_by == user.id
        assert revisions[1].changed_fields == ["date_of_birth"]
        history = client.get(f"/patients/{patient_id}/history").text
        assert "birth date mistyped at registration" in history
        assert user.full_name in history

    def test_amendment_without_reason_is_refused(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("front_desk")
        patient_id = register(client)
        response = post_form(
            client,
            f"/patients/{patient_id}/amend",
            {**NEW_PATIENT, "given_name": "Augusta", "reason": ""},
        )
        assert response.status_code == 422
        assert 'id="e-reason"' in response.text
