"""Medications: the drug table, suggestions for unknown names, chart forms and the API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.medications.drugs import drug_table, suggestions
from ketacare.medications.models import PatientMedication
from tests.conftest import bearer_for, login, post_form
from tests.patients.test_views import register

SERTRALINE = {
    "drug_name": "Sertraline",
    "dose_amount": "100",
    "dose_unit": "mg",
    "frequency": "once daily",
    "started_on": "2026-01-10",
    "prescriber": "Dr Who",
}


class TestDrugTable:
    def test_classes_and_suggestions(self) -> None:
        table = drug_table()
        assert table["lorazepam"].classes == ["benzodiazepine"]
        assert suggestions("sertralin", table)[0] == "sertraline"

    def test_clinic_can_add_drugs(self, tmp_path: Path) -> None:
        extra = tmp_path / "drugs.toml"
        extra.write_text('[[drugs]]\nname = "zuranolone"\nclasses = ["antidepressant_other"]\n')
        assert "zuranolone" in drug_table(extra)


class TestChart:
    def test_add_and_stop_on_the_chart(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("nurse"))
        patient_id = register(client)
        assert (
            post_form(client, f"/patients/{patient_id}/medications", SERTRALINE).status_code == 303
        )
        page = client.get(f"/patients/{patient_id}").text
        assert "sertraline" in page and "100 mg" in page
        row = db.scalars(select(PatientMedication)).one()
        stopped = post_form(
            client,
            f"/patients/{patient_id}/medications/{row.id}/stop",
            {"stopped_on": "2026-03-01", "reason": "no benefit after 8 weeks"},
        )
        assert stopped.status_code == 303
        assert "No current medications recorded" in client.get(f"/patients/{patient_id}").text
        kept = db.scalars(select(PatientMedication)).one()
        assert kept.stop_reason == "no benefit after 8 weeks" and kept.stopped_on is not None

    def test_unknown_drug_gets_suggestions_and_nothing_is_stored(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        response = post_form(
            client, f"/patients/{patient_id}/medications", {**SERTRALINE, "drug_name": "sertralin"}
        )
        assert response.status_code == 422
        assert "did you mean sertraline" in response.text
        assert db.scalars(select(PatientMedication)).first() is None

    def test_impossible_values_name_the_field(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("nurse"))
        patient_id = register(client)
        response = post_form(
            client,
            f"/patients/{patient_id}/medications",
            {**SERTRALINE, "dose_amount": "-5", "started_on": "2999-01-01"},
        )
        assert response.status_code == 422
        assert 'id="e-dose_amount"' in response.text and 'id="e-started_on"' in response.text


class TestApi:
    def test_add_list_with_classes_and_stop(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        nurse = make_user("nurse")
        headers = bearer_for(session_factory, settings, nurse)
        login(client, nurse)
        patient_id = register(client)
        body = {
            "drug_name": "lorazepam",
            "dose_amount": 1,
            "dose_unit": "mg",
            "frequency": "at night",
            "started_on": "2026-02-01",
        }
        created = client.post(
            f"/api/v1/patients/{patient_id}/medications", json=body, headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["classes"] == ["benzodiazepine"]
        bad_stop = client.post(
            f"/api/v1/patients/{patient_id}/medications/{created.json()['id']}/stop",
            json={"stopped_on": "2026-01-01", "reason": "wrong"},
            headers=headers,
        )
        assert bad_stop.status_code == 422
        assert bad_stop.json()["detail"][0]["field"] == "stopped_on"
        found = client.get("/api/v1/drugs", params={"q": "loraz"}, headers=headers).json()
        assert found[0]["name"] == "lorazepam"

    def test_front_desk_cannot_add(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        login(client, make_user("front_desk"))
        patient_id = register(client)
        headers = bearer_for(session_factory, settings, make_user("front_desk"))
        body = {
            "drug_name": "lithium",
            "dose_amount": 400,
            "frequency": "twice daily",
            "started_on": "2025-01-01",
        }
        response = client.post(
            f"/api/v1/patients/{patient_id}/medications", json=body, headers=headers
        )
        assert response.status_code == 403
