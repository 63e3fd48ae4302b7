"""Medication management through the API and visit notes: dose changes answer with what the safety
rules now find, reconciliation is recorded, visit notes are signed, voided never edited, and read
only by clinical roles; the next treatment session carries the flag."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.medications.models import MedicationReview, MedicationVisit, PatientMedication
from tests.conftest import bearer_for, login, post_form
from tests.eligibility.test_assessment import SIGN, _ready_patient
from tests.patients.test_views import register

TODAY = date.today()


@pytest.fixture
def headers_for(
    session_factory: sessionmaker[Session], settings: Settings
) -> Callable[[User], dict[str, str]]:
    return lambda user: bearer_for(session_factory, settings, user)


LORAZEPAM = {
    "drug_name": "lorazepam",
    "dose_amount": "0.5",
    "dose_unit": "mg",
    "frequency": "at night",
    "started_on": (TODAY - timedelta(days=30)).isoformat(),
}
VISIT = {
    "visited_on": TODAY.isoformat(),
    "reason": "four-week medication review",
    "adherence": "partial",
    "side_effects": "mild nausea after doses",
    "assessment": "Sleep better; mood unchanged.",
    "plan": "Taper lorazepam before the next infusion.",
}


def test_dose_change_through_the_api_flags_what_the_rules_now_find(
    client: TestClient,
    make_user: Callable[..., User],
    db: Session,
    headers_for: Callable[[User], dict[str, str]],
) -> None:
    physician = make_user("physician")
    login(client, physician)
    patient_id = _ready_patient(client)
    assert post_form(client, f"/patients/{patient_id}/eligibility", SIGN).status_code == 303
    headers = headers_for(physician)
    added = client.post(
        f"/api/v1/patients/{patient_id}/medications",
        json={**LORAZEPAM, "dose_amount": 0.5},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    url = f"/api/v1/patients/{patient_id}/medications/{added.json()['id']}/change"
    change = {"dose_amount": 1, "frequency": "at night", "changed_on": TODAY.isoformat()}
    missing = client.post(url, json=change, headers=headers)
    assert missing.status_code == 422 and "reason" in missing.text
    response = client.post(url, json={**change, "reason": "insomnia worse"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stopped"]["stopped_on"] == TODAY.isoformat()
    assert body["stopped"]["stop_reason"].startswith("dose changed to 1 mg at night")
    assert body["started"]["dose_amount"] == 1 and body["started"]["classes"] == ["benzodiazepine"]
    esketamine = next(e for e in body["eligibility"] if e["treatment"] == "esketamine")
    assert esketamine["needs_review"] is True
    assert [f["matched"] for f in esketamine["flags"]] == [["benzodiazepine"]]
    assert len(db.scalars(select(PatientMedication)).all()) == 2
    page = client.get(f"/patients/{patient_id}/medications/visits").text
    assert 'id="rescreen-esketamine"' in page and "holding the benzodiazepine" in page


def test_reviews_through_the_api_are_recorded_and_listed(
    client: TestClient,
    make_user: Callable[..., User],
    db: Session,
    headers_for: Callable[[User], dict[str, str]],
) -> None:
    nurse = make_user("nurse")
    login(client, nurse)
    patient_id = register(client)
    url = f"/api/v1/patients/{patient_id}/medication-reviews"
    future = (TODAY + timedelta(days=1)).isoformat()
    refused = client.post(url, json={"reviewed_on": future}, headers=headers_for(nurse))
    assert refused.status_code == 422 and "reviewed_on" in refused.text
    made = client.post(url, json={"reviewed_on": TODAY.isoformat()}, headers=headers_for(nurse))
    assert made.status_code == 201 and made.json()["outcome"] == "no_change"
    listed = client.get(url, headers=headers_for(nurse)).json()
    assert [r["id"] for r in listed] == [made.json()["id"]]
    assert db.scalars(select(MedicationReview)).one().created_by == nurse.id


def test_visit_note_is_signed_with_reconciliation_and_voided_not_edited(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    physician = make_user("physician")
    login(client, physician)
    patient_id = register(client)
    url = f"/patients/{patient_id}/medications/visits"
    bad = post_form(client, url, {**VISIT, "plan": "", "adherence": "sometimes"})
    assert bad.status_code == 422
    assert "Plan is required" in bad.text and "Adherence" in bad.text
    assert db.scalars(select(MedicationVisit)).all() == []
    saved = post_form(client, url, {**VISIT, "list_reviewed_no_change": "1"})
    assert saved.status_code == 303
    visit = db.scalars(select(MedicationVisit)).one()
    assert (visit.adherence, visit.created_by) == ("partial", physician.id)
    review = db.scalars(select(MedicationReview)).one()
    assert review.reviewed_on == TODAY and "four-week" in (review.note or "")
    assert "Taper lorazepam" in client.get(url).text
    short = post_form(client, f"{url}/{visit.id}/void", {"reason": "x"})
    assert short.status_code == 422 and db.get(MedicationVisit, visit.id).voided_at is None  # type: ignore[union-attr]
    assert (
        post_form(client, f"{url}/{visit.id}/void", {"reason": "wrong patient"}).status_code == 303
    )
    db.refresh(visit)
    assert visit.void_reason == "wrong patient" and "Taper lorazepam" not in client.get(url).text
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"medication_visit.create", "medication_visit.list", "medication_visit.void"} <= actions


@pytest.mark.parametrize(
    ("role", "may_read", "may_write"),
    [
        ("physician", True, True),
        ("nurse", True, True),
        ("therapist", True, False),
        ("admin", True, False),
        ("front_desk", False, False),
    ],
)
def test_visit_notes_by_role(
    client: TestClient,
    make_user: Callable[..., User],
    headers_for: Callable[[User], dict[str, str]],
    role: str,
    may_read: bool,
    may_write: bool,
) -> None:
    physician = make_user("physician")
    login(client, physician)
    patient_id = register(client)
    api = f"/api/v1/patients/{patient_id}/medication-visits"
    assert client.post(api, json=VISIT, headers=headers_for(physician)).status_code == 201
    other = make_user(role)
    headers = headers_for(other)
    listed = client.get(api, headers=headers)
    assert listed.status_code == (200 if may_read else 403)
    if may_read:
        assert listed.json()[0]["plan"] == VISIT["plan"]
    written = client.post(api, json=VISIT, headers=headers)
    assert written.status_code == (201 if may_write else 403)
