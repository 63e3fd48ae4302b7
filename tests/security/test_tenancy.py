"""Clinic isolation: another clinic's records do not exist for you (404, never 403, no data)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Allergy, BodyMeasurement, Diagnosis, Patient
from tests.conftest import login, post_form
from tests.security.conftest import NEW_PATIENT, bearer

OTHER_NAME = "Zebedee"


@pytest.fixture
def other_clinic(make_clinic: Callable[..., Clinic]) -> Clinic:
    return make_clinic("hillside")


@pytest.fixture
def foreign_patient(
    other_clinic: Clinic,
    make_user: Callable[..., User],
    make_patient: Callable[..., uuid.UUID],
) -> uuid.UUID:
    """A patient of clinic B, with a name nobody in clinic A has."""
    return make_patient(make_user("physician", other_clinic), family_name=OTHER_NAME)


def patient_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Patient)) or 0


def assert_hidden(response: object, reference: object) -> None:
    """404 exactly like a made-up id, with nothing of the foreign patient in it."""
    assert response.status_code == 404, response.text  # type: ignore[attr-defined]
    assert response.text == reference.text  # type: ignore[attr-defined]
    assert OTHER_NAME not in response.text  # type: ignore[attr-defined]


class TestForeignPatientPages:
    @pytest.mark.parametrize("suffix", ["", "/amend", "/history"])
    def test_pages_answer_404_like_a_random_id(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        foreign_patient: uuid.UUID,
        suffix: str,
    ) -> None:
        signed_in("physician")
        response = client.get(f"/patients/{foreign_patient}{suffix}")
        assert_hidden(response, client.get(f"/patients/{uuid.uuid4()}{suffix}"))

    @pytest.mark.parametrize(
        ("kind", "form", "model"),
        [
            ("measurements", {"weight_kg": "80"}, BodyMeasurement),
            ("allergies", {"substance": "Penicillin"}, Allergy),
            ("diagnoses", {"icd10_code": "F33.2"}, Diagnosis),
        ],
    )
    def test_adding_to_the_chart_answers_404_and_stores_nothing(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        foreign_patient: uuid.UUID,
        db: Session,
        kind: str,
        form: dict[str, str],
        model: type[BodyMeasurement | Allergy | Diagnosis],
    ) -> None:
        signed_in("physician")
        response = post_form(client, f"/patients/{foreign_patient}/{kind}", form)
        reference = post_form(client, f"/patients/{uuid.uuid4()}/{kind}", form)
        assert_hidden(response, reference)
        assert db.scalar(select(func.count()).select_from(model)) == 0

    def test_amending_answers_404_and_changes_nothing(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        foreign_patient: uuid.UUID,
        db: Session,
    ) -> None:
        signed_in("physician")
        form = {**NEW_PATIENT, "family_name": "Hijacked", "reason": "taking this record over"}
        response = post_form(client, f"/patients/{foreign_patient}/amend", form)
        assert_hidden(response, post_form(client, f"/patients/{uuid.uuid4()}/amend", form))
        patient = db.get(Patient, foreign_patient)
        assert patient is not None
        assert (patient.family_name, patient.revision) == (OTHER_NAME, 1)


class TestForeignPatientApi:
    def test_read_answers_404_like_a_random_id(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        foreign_patient: uuid.UUID,
    ) -> None:
        headers = bearer(make_token(make_user("physician")))
        response = client.get(f"/api/v1/patients/{foreign_patient}", headers=headers)
        reference = client.get(f"/api/v1/patients/{uuid.uuid4()}", headers=headers)
        assert_hidden(response, reference)
        assert response.json() == {"detail": "There is nothing here."}

    def test_history_answers_404(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        foreign_patient: uuid.UUID,
    ) -> None:
        headers = bearer(make_token(make_user("physician")))
        response = client.get(f"/api/v1/patients/{foreign_patient}/history", headers=headers)
        reference = client.get(f"/api/v1/patients/{uuid.uuid4()}/history", headers=headers)
        assert_hidden(response, reference)

    def test_patch_answers_404_and_changes_nothing(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        foreign_patient: uuid.UUID,
        db: Session,
    ) -> None:
        headers = bearer(make_token(make_user("physician")))
        body = {"family_name": "Hijacked", "reason": "taking this record over"}
        response = client.patch(f"/api/v1/patients/{foreign_patient}", json=body, headers=headers)
        reference = client.patch(f"/api/v1/patients/{uuid.uuid4()}", json=body, headers=headers)
        assert_hidden(response, reference)
        patient = db.get(Patient, foreign_patient)
        assert patient is not None and patient.family_name == OTHER_NAME

    def test_voiding_a_foreign_record_answers_404(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        make_patient: Callable[..., uuid.UUID],
        make_records: Callable[..., dict[str, uuid.UUID]],
        other_clinic: Clinic,
        db: Session,
    ) -> None:
        other_physician = make_user("physician", other_clinic)
        foreign = make_patient(other_physician, family_name=OTHER_NAME)
        foreign_records = make_records(other_physician, foreign)
        physician = make_user("physician")
        own_patient = make_patient(physician)
        headers = bearer(make_token(physician))
        body = {"reason": "entered on the wrong chart"}
        measurement = foreign_records["measurement"]
        for patient_id in (foreign, own_patient):  # the foreign chart, or smuggled via our own
            response = client.post(
                f"/api/v1/patients/{patient_id}/measurement/{measurement}/void",
                json=body,
                headers=headers,
            )
            assert response.status_code == 404
        row = db.get(BodyMeasurement, measurement)
        assert row is not None and row.voided_at is None


def results_table(html: str) -> str:
    match = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert match, "no results table"
    return match.group(1)


class TestSearchStaysInTheClinic:
    def test_page_search_never_lists_the_other_clinic(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_patient: Callable[..., uuid.UUID],
        foreign_patient: uuid.UUID,
    ) -> None:
        user = signed_in("physician")
        own = str(make_patient(user, family_name="Zebra"))  # shares the "Zeb" prefix
        expected = {"": [own], "Zeb": [own], OTHER_NAME: [], str(foreign_patient): []}
        for query, ids in expected.items():
            page = client.get("/patients", params={"q": query})
            assert page.status_code == 200
            rows = results_table(page.text)
            assert re.findall(r'href="/patients/([0-9a-f-]{36})"', rows) == ids, query
            assert OTHER_NAME not in rows
            assert re.search(rf">{len(ids)} patients?", page.text), query

    def test_api_search_never_lists_the_other_clinic(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_token: Callable[[User], str],
        make_patient: Callable[..., uuid.UUID],
        foreign_patient: uuid.UUID,
    ) -> None:
        physician = make_user("physician")
        make_patient(physician, family_name="Zebra")
        headers = bearer(make_token(physician))
        everything = client.get("/api/v1/patients", headers=headers).json()
        assert [p["family_name"] for p in everything["items"]] == ["Zebra"]
        assert everything["total"] == 1
        found = client.get("/api/v1/patients", params={"q": OTHER_NAME}, headers=headers).json()
        assert found == {"items": [], "total": 0, "limit": 25, "offset": 0}

    def test_mrn_numbering_is_per_clinic_and_leaks_nothing(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        foreign_patient: uuid.UUID,
        db: Session,
    ) -> None:
        signed_in("front_desk")
        response = post_form(client, "/patients", {**NEW_PATIENT, "mrn": "KC000001"})
        # Clinic B already has KC000001; clinic A may use the same number.
        assert response.status_code == 303, response.text
        assert patient_rows(db) == 2


class TestForeignAdministration:
    def test_admin_cannot_disable_a_user_of_another_clinic(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        other_clinic: Clinic,
        new_client: Callable[[], TestClient],
        db: Session,
    ) -> None:
        signed_in("admin")
        outsider = make_user("nurse", other_clinic)
        response = post_form(client, f"/admin/users/{outsider.id}/disable", {})
        reference = post_form(client, f"/admin/users/{uuid.uuid4()}/disable", {})
        assert response.status_code == 404
        assert response.text == reference.text
        row = db.get(User, outsider.id)
        assert row is not None and row.is_active and row.disabled_at is None
        assert login(new_client(), outsider).status_code == 303

    def test_admin_can_disable_a_user_of_their_own_clinic(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("admin")
        colleague = make_user("nurse")
        response = post_form(client, f"/admin/users/{colleague.id}/disable", {})
        assert response.status_code == 303
        row = db.get(User, colleague.id)
        assert row is not None and not row.is_active

    def test_staff_list_shows_only_the_own_clinic(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        other_clinic: Clinic,
    ) -> None:
        signed_in("admin")
        outsider = make_user("nurse", other_clinic)
        colleague = make_user("nurse")
        page = client.get("/admin/users").text
        assert colleague.email in page
        assert outsider.email not in page
