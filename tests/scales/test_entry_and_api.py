"""Clinician entry on the chart, and the scales JSON API."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.scales.models import ScaleResponse
from tests.conftest import bearer_for, login, post_form
from tests.patients.test_views import register

MADRS_32 = {
    f"item-{n}": v for n, v in zip(range(1, 11), [4, 4, 4, 4, 2, 4, 4, 2, 4, 0], strict=True)
}


class TestClinicianEntry:
    def test_madrs_entered_on_the_chart_shows_score_chart_and_item_table(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        form = client.get(f"/patients/{patient_id}/scales/madrs/new")
        assert form.status_code == 200 and "Suicidal thoughts" in form.text
        saved = post_form(client, f"/patients/{patient_id}/scales/madrs", MADRS_32)
        assert saved.status_code == 303
        page = client.get(f"/patients/{patient_id}/scales").text
        assert "<svg" in page and "Answers by item" in page
        assert re.search(r"<strong>32</strong>", page)
        row = db.scalars(select(ScaleResponse)).one()
        assert (row.total, row.severity, row.source) == (32, "moderate", "clinician")

    def test_missing_item_reshows_form_naming_it(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("nurse"))
        patient_id = register(client)
        partial = {k: v for k, v in MADRS_32.items() if k != "item-7"}
        response = post_form(client, f"/patients/{patient_id}/scales/madrs", partial)
        assert response.status_code == 422
        assert 'id="e-item-7"' in response.text
        assert re.search(r'name="item-1" value="4"\s+checked', response.text)
        assert db.scalars(select(ScaleResponse)).first() is None

    def test_front_desk_cannot_see_scores(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("front_desk"))
        patient_id = register(client)
        assert client.get(f"/patients/{patient_id}/scales").status_code == 403
        assert client.get(f"/patients/{patient_id}/links/new").status_code == 200


class TestApi:
    def test_submit_read_and_acknowledge(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        headers = bearer_for(session_factory, settings, physician)
        login(client, physician)
        patient_id = register(client)
        body = {"instrument": "phq9", "answers": {str(n): 1 for n in range(1, 10)}}
        created = client.post(
            f"/api/v1/patients/{patient_id}/responses", json=body, headers=headers
        )
        assert created.status_code == 201, created.text
        data = created.json()
        assert (data["total"], data["severity"], data["loinc_total"]) == (9, "mild", "44261-6")
        assert data["flags"] == ["suicidal_ideation"] and len(data["alerts"]) == 1
        listed = client.get(f"/api/v1/patients/{patient_id}/responses", headers=headers).json()
        assert [r["total"] for r in listed] == [9]
        alert_id = data["alerts"][0]["id"]
        done = client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            json={"note": "Phoned; no current intent"},
            headers=headers,
        )
        assert done.status_code == 200 and done.json()["acknowledged_at"]
        assert client.get("/api/v1/alerts", headers=headers).json() == []

    def test_bad_answers_are_422_naming_the_item(
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
        body = {"instrument": "gad7", "answers": {"1": 5, "2": 0}}
        response = client.post(
            f"/api/v1/patients/{patient_id}/responses", json=body, headers=headers
        )
        assert response.status_code == 422
        fields = {p["field"] for p in response.json()["detail"]}
        assert {"item 1", "item 3", "item 7"} <= fields

    def test_instruments_list(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        headers = bearer_for(session_factory, settings, make_user("therapist"))
        listed = {i["id"]: i for i in client.get("/api/v1/instruments", headers=headers).json()}
        assert listed["phq9"]["loinc_panel"] == "44249-1"
        assert len(listed["cadss"]["items"]) == 23


class TestAccess:
    def test_front_desk_and_admin_cannot_submit_or_read_scores(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        login(client, make_user("front_desk"))
        patient_id = register(client)
        body = {"instrument": "phq9", "answers": {str(n): 0 for n in range(1, 10)}}
        for role, read_status in (("front_desk", 403), ("admin", 200)):
            headers = bearer_for(session_factory, settings, make_user(role))
            url = f"/api/v1/patients/{patient_id}/responses"
            assert client.post(url, json=body, headers=headers).status_code == 403
            assert client.get(url, headers=headers).status_code == read_status

    def test_another_clinics_patient_is_404(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_clinic: Callable[..., object],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        outsider = make_user("physician", make_clinic("elsewhere"))
        headers = bearer_for(session_factory, settings, outsider)
        body = {"instrument": "phq9", "answers": {str(n): 0 for n in range(1, 10)}}
        url = f"/api/v1/patients/{patient_id}/responses"
        assert client.post(url, json=body, headers=headers).status_code == 404
        assert client.get(url, headers=headers).status_code == 404


class TestOutcomesApi:
    def test_madrs_course_to_remission(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        headers = bearer_for(session_factory, settings, physician)
        login(client, physician)
        patient_id = register(client)
        for day, values in (
            (1, [4, 4, 4, 4, 2, 4, 4, 2, 4, 0]),
            (8, [2, 2, 2, 2, 1, 2, 2, 1, 2, 0]),
            (15, [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]),
        ):
            body = {
                "instrument": "madrs",
                "administered_at": f"2026-03-{day:02d}T10:00:00Z",
                "answers": {str(n): v for n, v in enumerate(values, start=1)},
            }
            assert (
                client.post(
                    f"/api/v1/patients/{patient_id}/responses", json=body, headers=headers
                ).status_code
                == 201
            )
        outcomes = client.get(f"/api/v1/patients/{patient_id}/outcomes", headers=headers).json()
        madrs = next(o for o in outcomes if o["instrument"] == "madrs")
        assert (madrs["baseline"]["total"], madrs["latest"]["total"]) == (32, 9)
        assert madrs["status"] == "response"
        assert madrs["remission"] == {"MADRS <=10": True, "MADRS <=12": True}
        assert madrs["time_to_first_response_days"] == 7.0  # 32 -> 16 is exactly 50%
        assert "no treatment recorded" in madrs["baseline_source"]


class TestVoidResponse:
    def test_voided_response_leaves_scores_and_outcomes_but_stays_stored(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        post_form(client, f"/patients/{patient_id}/scales/madrs", MADRS_32)
        row = db.scalars(select(ScaleResponse)).one()
        refused = post_form(
            client, f"/patients/{patient_id}/scales/responses/{row.id}/void", {"reason": ""}
        )
        assert refused.status_code == 422
        done = post_form(
            client,
            f"/patients/{patient_id}/scales/responses/{row.id}/void",
            {"reason": "entered for the wrong patient"},
        )
        assert done.status_code == 303
        assert "No scores recorded yet" in client.get(f"/patients/{patient_id}/scales").text
        stored = db.get(ScaleResponse, row.id, populate_existing=True)
        assert stored is not None and stored.void_reason == "entered for the wrong patient"


class TestCssrsAlert:
    def test_moderate_risk_raises_an_alert_low_does_not(
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
        url = f"/api/v1/patients/{patient_id}/responses"
        low = {"instrument": "cssrs_screener", "answers": {"1": 1, "2": 0, "6": 0}}
        moderate = {
            "instrument": "cssrs_screener",
            "answers": {"1": 1, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0},
        }
        first = client.post(url, json=low, headers=headers).json()
        assert (first["risk"], first["alerts"]) == ("low", [])
        second = client.post(url, json=moderate, headers=headers).json()
        assert second["risk"] == "moderate"
        assert [a["reason"] for a in second["alerts"]] == ["C-SSRS: moderate risk"]
