"""The eligibility assessment on real databases: the page, signing, override, staleness, API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.eligibility.models import EligibilityAssessment
from tests.conftest import bearer_for, login, post_form
from tests.eligibility.test_ledger import SSRI
from tests.patients.test_views import register
from tests.scales.test_entry_and_api import MADRS_32

SIGN = {
    "treatment": "esketamine",
    "systolic_mmhg": "128",
    "diastolic_mmhg": "80",
    "heart_rate_bpm": "72",
    "pregnancy_status": "negative_test",
    "episode_onset_on": (date.today() - timedelta(days=400)).isoformat(),  # 13 months
    "episode_severity": "severe",
    "conclusion": "eligible",
    "justification": "",
    "action": "sign",
}
LORAZEPAM = {
    "drug_name": "lorazepam",
    "dose_amount": "1",
    "dose_unit": "mg",
    "frequency": "at night",
    "started_on": "2026-01-10",
}


def _ready_patient(client: TestClient) -> str:
    """Two failed adequate trials and a baseline MADRS: nothing but the facts under test."""
    patient_id = register(client)
    history = f"/patients/{patient_id}/treatment-history"
    assert post_form(client, history, SSRI).status_code == 303
    assert post_form(client, history, {**SSRI, "name": "venlafaxine"}).status_code == 303
    response = post_form(client, f"/patients/{patient_id}/scales/madrs", MADRS_32)
    assert response.status_code == 303, response.text
    return patient_id


def _add_problem(client: TestClient, patient_id: str, **fields: str) -> None:
    response = post_form(client, f"/patients/{patient_id}/diagnoses", fields)
    assert response.status_code == 303, response.text


class TestPage:
    def test_gathers_the_facts_and_concludes_eligible(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        url = f"/patients/{patient_id}/eligibility"
        preview = post_form(client, url, {**SIGN, "action": "preview"})
        assert preview.status_code == 200
        assert 'id="conclusion">eligible<' in preview.text
        assert 'id="eu-pearl">2 (treatment-resistant)' in preview.text
        assert "MADRS 32" in preview.text
        # Maudsley: 13-24 months 2 + severe 4 + two failed antidepressants 1 = 7, moderate.
        assert 'id="maudsley">7 (moderate)' in preview.text
        assert post_form(client, url, SIGN).status_code == 303
        row = db.scalars(select(EligibilityAssessment)).one()
        assert (row.conclusion, row.computed_conclusion) == ("eligible", "eligible")
        assert row.snapshot["maudsley_total"] == 7
        assert row.snapshot["eu_pearl_failed_treatments"] == 2
        page = client.get(f"{url}?treatment=esketamine").text
        assert '<span class="badge ok">current</span>' in page
        # The episode carries over to the next review; readings do not.
        assert 'id="maudsley">7 (moderate)' in page
        assert 'name="systolic_mmhg" type="number" value=""' in page

    def test_screening_reads_the_coded_history(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        _add_problem(client, patient_id, icd10_code="I61.9", condition="intracerebral_hemorrhage")
        esketamine = client.get(f"/patients/{patient_id}/eligibility?treatment=esketamine").text
        assert 'id="conclusion">not eligible<' in esketamine
        assert "Intracerebral" in esketamine
        # For IV ketamine the same history is a relative contraindication (clinical.md §2a).
        iv = client.get(f"/patients/{patient_id}/eligibility?treatment=iv_ketamine").text
        assert 'id="conclusion">eligible with precautions<' in iv


class TestOverride:
    def test_overriding_not_eligible_needs_a_written_justification(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        _add_problem(client, patient_id, condition="current_mania")
        url = f"/patients/{patient_id}/eligibility"
        override = {**SIGN, "conclusion": "eligible_with_precautions"}
        refused = post_form(client, url, {**override, "justification": "trust me"})
        assert refused.status_code == 422
        assert 'id="e-justification"' in refused.text and "20 characters" in refused.text
        assert db.scalars(select(EligibilityAssessment)).first() is None
        reason = "Hypomania resolved in October; reviewed with her psychiatrist on the phone."
        assert post_form(client, url, {**override, "justification": reason}).status_code == 303
        row = db.scalars(select(EligibilityAssessment)).one()
        assert row.computed_conclusion == "not_eligible"
        assert row.conclusion == "eligible_with_precautions" and row.justification == reason
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "eligibility_assessment.sign")
        ).one()
        assert event.details["override"] is True
        page = client.get(f"{url}?treatment=esketamine").text
        assert "override of &#34;not eligible&#34;" in page or 'override of "not eligible"' in page

    def test_signing_not_eligible_needs_no_justification(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        _add_problem(client, patient_id, condition="ketamine_hypersensitivity")
        url = f"/patients/{patient_id}/eligibility"
        assert post_form(client, url, {**SIGN, "conclusion": "not_eligible"}).status_code == 303
        assert db.scalars(select(EligibilityAssessment)).one().conclusion == "not_eligible"


class TestOutOfDate:
    def test_a_new_medication_after_signing_marks_it_out_of_date_until_signed_again(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        url = f"/patients/{patient_id}/eligibility?treatment=esketamine"
        assert post_form(client, f"/patients/{patient_id}/eligibility", SIGN).status_code == 303
        assert 'id="stale"' not in client.get(url).text
        meds = f"/patients/{patient_id}/medications"
        assert post_form(client, meds, LORAZEPAM).status_code == 303
        page = client.get(url).text
        assert 'id="stale"' in page and "new: lorazepam 1 mg at night" in page
        chart = client.get(f"/patients/{patient_id}").text
        assert "out of date" in chart
        worklist = client.get("/").text
        assert 'id="eligibility-review"' in worklist and "Lovelace, Ada" in worklist
        assert "new: lorazepam 1 mg at night" in worklist
        review = {**SIGN, "conclusion": "eligible_with_precautions"}
        assert post_form(client, f"/patients/{patient_id}/eligibility", review).status_code == 303
        assert 'id="stale"' not in client.get(url).text

    def test_resolving_a_problem_also_counts_as_a_change(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        _add_problem(client, patient_id, condition="hypertension", onset_date="2020-01-01")
        signed = {**SIGN, "conclusion": "eligible_with_precautions"}
        assert post_form(client, f"/patients/{patient_id}/eligibility", signed).status_code == 303
        api = client.get(f"/patients/{patient_id}").text
        assert "out of date" not in api
        problem_id = api.split("/diagnoses/")[1].split("/")[0]
        resolved = post_form(
            client,
            f"/patients/{patient_id}/diagnoses/{problem_id}/resolve",
            {"resolved_on": date.today().isoformat()},
        )
        assert resolved.status_code == 303
        page = client.get(f"/patients/{patient_id}/eligibility?treatment=esketamine").text
        assert "no longer: Hypertension (controlled)" in page


class TestBadInput:
    def test_readings_out_of_range_name_the_field_and_store_nothing(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        url = f"/patients/{patient_id}/eligibility"
        bad = post_form(client, url, {**SIGN, "systolic_mmhg": "1400", "heart_rate_bpm": "5"})
        assert bad.status_code == 422
        assert "must be between 60 and 260" in bad.text
        assert "must be between 25 and 220" in bad.text
        swapped = post_form(client, url, {**SIGN, "systolic_mmhg": "80", "diastolic_mmhg": "120"})
        assert swapped.status_code == 422 and "lower than the systolic" in swapped.text
        future = post_form(client, url, {**SIGN, "episode_onset_on": "2999-01-01"})
        assert future.status_code == 422 and "cannot be in the future" in future.text
        assert db.scalars(select(EligibilityAssessment)).first() is None

    def test_nurses_read_but_only_physicians_sign(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        nurse = new_client()
        login(nurse, make_user("nurse"))
        page = nurse.get(f"/patients/{patient_id}/eligibility")
        assert page.status_code == 200 and "Sign assessment" not in page.text
        assert post_form(nurse, f"/patients/{patient_id}/eligibility", SIGN).status_code == 403


class TestApi:
    def test_sign_and_list_with_the_out_of_date_flag(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id = _ready_patient(client)
        headers = bearer_for(session_factory, settings, physician)
        url = f"/api/v1/patients/{patient_id}/eligibility"
        body = {k: v for k, v in SIGN.items() if k != "action"}
        missing = client.post(
            url, json={**body, "conclusion": "eligible", "pregnancy_status": "x"}, headers=headers
        )
        assert missing.status_code == 422
        created = client.post(url, json=body, headers=headers)
        assert created.status_code == 201, created.text
        client.post(
            f"/api/v1/patients/{patient_id}/medications",
            json={**LORAZEPAM, "dose_amount": 1},
            headers=headers,
        ).raise_for_status()
        listed = client.get(url, headers=headers).json()
        assert listed[0]["out_of_date"] is True
        assert listed[0]["changes"] == ["new: lorazepam 1 mg at night"]
