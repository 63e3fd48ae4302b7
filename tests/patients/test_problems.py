"""The problem list: ICD-10-CM and screening-coded history, resolution, and what screening sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.patients.models import Diagnosis
from ketacare.patients.rules import conditions, screened_conditions
from tests.conftest import bearer_for, login, post_form
from tests.patients.test_views import register

KEYS = sorted(conditions())


class TestScreenedConditions:
    def test_a_resolved_pregnancy_no_longer_counts_but_a_past_haemorrhage_does(self) -> None:
        found = screened_conditions(
            [("pregnancy", True), ("intracerebral_hemorrhage", True), (None, False)]
        )
        assert found == {"intracerebral_hemorrhage"}

    @given(st.lists(st.tuples(st.sampled_from(KEYS), st.booleans())))
    def test_active_problems_always_count(self, problems: list[tuple[str, bool]]) -> None:
        found = screened_conditions([(key, resolved) for key, resolved in problems])
        assert {key for key, resolved in problems if not resolved} <= found
        assert found <= {key for key, _ in problems}


class TestOnTheChart:
    def test_condition_coded_problem_gets_its_label_and_resolution_is_audited(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/diagnoses"
        onset = (date.today() - timedelta(days=30)).isoformat()
        added = post_form(client, url, {"condition": "current_mania", "onset_date": onset})
        assert added.status_code == 303
        row = db.scalars(select(Diagnosis)).one()
        assert row.description == "Current manic or hypomanic episode" and row.icd10_code is None
        chart = client.get(f"/patients/{patient_id}").text
        assert "screened: Current manic" in chart
        early = post_form(
            client,
            f"{url}/{row.id}/resolve",
            {"resolved_on": (date.today() - timedelta(days=60)).isoformat()},
        )
        assert early.status_code == 422 and "on or after the onset date" in early.text
        today = date.today().isoformat()
        assert (
            post_form(client, f"{url}/{row.id}/resolve", {"resolved_on": today}).status_code == 303
        )
        again = post_form(client, f"{url}/{row.id}/resolve", {"resolved_on": today})
        assert again.status_code == 422 and "already resolved" in again.text
        row = db.get(Diagnosis, row.id, populate_existing=True)
        assert row is not None and row.resolved_on == date.today()
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"diagnosis.create", "diagnosis.resolve"} <= actions

    def test_uncoded_or_future_problem_is_refused_naming_the_field(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = register(client)
        url = f"/patients/{patient_id}/diagnoses"
        uncoded = post_form(client, url, {"description": "Something"})
        assert uncoded.status_code == 422
        assert 'id="e-icd10_code"' in uncoded.text and "screening condition" in uncoded.text
        future = post_form(client, url, {"icd10_code": "F33.2", "onset_date": "2999-01-01"})
        assert future.status_code == 422 and "cannot be in the future" in future.text
        unknown = post_form(client, url, {"condition": "gout"})
        assert unknown.status_code == 422
        assert db.scalars(select(Diagnosis)).first() is None


class TestApi:
    def test_conditions_list_add_and_resolve(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id = register(client)
        headers = bearer_for(session_factory, settings, physician)
        listed = client.get("/api/v1/conditions", headers=headers).json()
        assert {"key": "pregnancy", "label": "Pregnancy", "kind": "medical"}.items() <= next(
            c for c in listed if c["key"] == "pregnancy"
        ).items()
        url = f"/api/v1/patients/{patient_id}/diagnoses"
        created = client.post(
            url, json={"icd10_code": "f311", "condition": "bipolar_disorder"}, headers=headers
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["icd10_code"] == "F31.1" and body["condition"] == "bipolar_disorder"
        resolved = client.post(
            f"{url}/{body['id']}/resolve",
            json={"resolved_on": date.today().isoformat()},
            headers=headers,
        )
        assert resolved.status_code == 200 and resolved.json()["resolved_on"]
        bad = client.post(url, json={"condition": "gout"}, headers=headers)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["field"] == "condition"
