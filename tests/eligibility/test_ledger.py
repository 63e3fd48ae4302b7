"""The trial ledger on real databases: page, API, staging with reasons, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.eligibility.models import TreatmentTrial
from tests.conftest import bearer_for, login, post_form
from tests.patients.test_views import register

SSRI = {
    "kind": "antidepressant",
    "name": "Sertraline",
    "highest_daily_dose_mg": "150",
    "weeks_at_dose": "8",
    "improvement_pct": "10",
    "adherence": "good",
    "adequate_dose": "on",
    "current_episode": "on",
}


class TestLedgerPage:
    def test_two_failed_trials_make_trd_with_reasons(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/treatment-history"
        assert post_form(client, url, SSRI).status_code == 303
        assert post_form(client, url, {**SSRI, "name": "venlafaxine"}).status_code == 303
        assert (
            post_form(client, url, {**SSRI, "name": "bupropion", "weeks_at_dose": "3"}).status_code
            == 303
        )
        page = client.get(url).text
        assert 'id="eu-pearl">2<' in page and 'id="trd">yes<' in page
        assert 'id="thase-rush">II<' in page
        assert "stopped before week 4" in page
        classes = {t.name: t.drug_class for t in db.scalars(select(TreatmentTrial))}
        assert classes == {
            "sertraline": "SSRI",
            "venlafaxine": "SNRI",
            "bupropion": "other antidepressant",
        }

    def test_unticked_adequate_dose_does_not_count(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/treatment-history"
        form = {k: v for k, v in SSRI.items() if k != "adequate_dose"}
        post_form(client, url, form)
        assert "dose below the adequate minimum" in client.get(url).text

    def test_impossible_values_and_unknown_drug_name_fields(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/treatment-history"
        bad = post_form(
            client, url, {**SSRI, "weeks_at_dose": "-2", "highest_daily_dose_mg": "-50"}
        )
        assert bad.status_code == 422
        assert 'id="e-weeks_at_dose"' in bad.text and 'id="e-highest_daily_dose_mg"' in bad.text
        started = (date.today() - timedelta(days=14)).isoformat()
        too_long = post_form(client, url, {**SSRI, "started_on": started, "weeks_at_dose": "8"})
        assert too_long.status_code == 422
        assert "must be at most 2.0" in too_long.text and "end in the future" in too_long.text
        unknown = post_form(client, url, {**SSRI, "name": "sertralin"})
        assert unknown.status_code == 422 and "did you mean sertraline" in unknown.text
        assert db.scalars(select(TreatmentTrial)).first() is None

    def test_only_physicians_add_trials(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("nurse"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/treatment-history"
        assert client.get(url).status_code == 200
        assert post_form(client, url, SSRI).status_code == 403


class TestStagingApi:
    def test_thase_rush_with_tca_maoi_and_ect(
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
        base = {"kind": "antidepressant", "weeks_at_dose": 8, "improvement_pct": 5}
        for name in ("sertraline", "venlafaxine", "nortriptyline", "phenelzine"):
            response = client.post(
                f"/api/v1/patients/{patient_id}/trials",
                json={**base, "name": name},
                headers=headers,
            )
            assert response.status_code == 201, response.text
        ect = {
            "kind": "ect",
            "name": "bilateral ECT",
            "weeks_at_dose": 4,
            "improvement_pct": 0,
            "bilateral": True,
        }
        assert (
            client.post(
                f"/api/v1/patients/{patient_id}/trials", json=ect, headers=headers
            ).status_code
            == 201
        )
        staging = client.get(f"/api/v1/patients/{patient_id}/staging", headers=headers).json()
        assert staging["thase_rush_stage"] == "V"
        assert staging["eu_pearl_failed_treatments"] == 4
        assert all(t["judgement"] for t in staging["trials"])


class TestMedicationScreening:
    def test_benzodiazepine_on_the_list_shows_the_interaction(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        page_url = f"/patients/{patient_id}/treatment-history"
        assert "eligible</span>" in client.get(page_url).text
        post_form(
            client,
            f"/patients/{patient_id}/medications",
            {
                "drug_name": "clonazepam",
                "dose_amount": "0.5",
                "dose_unit": "mg",
                "frequency": "at night",
                "started_on": "2026-01-01",
            },
        )
        page = client.get(page_url).text
        assert "eligible with precautions" in page
        assert "evening before and the morning of treatment" in page
