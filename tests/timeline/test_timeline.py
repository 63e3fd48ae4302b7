"""The patient timeline: every kind of entry in one chronological list, filters, the chart on one
time axis with the scores, roles, and the JSON twin."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.medications.models import PatientMedication
from tests.conftest import bearer_for, login, post_form
from tests.treatment.test_courses import _eligible_patient, _record, _start

TODAY = date.today()
PHQ9_ITEM9 = {f"item-{n}": "1" for n in range(1, 9)} | {"item-9": "2"}
SERTRALINE = {
    "drug_name": "sertraline",
    "dose_amount": "50",
    "dose_unit": "mg",
    "frequency": "once daily",
    "started_on": (TODAY - timedelta(days=90)).isoformat(),
}


def _kinds_in_order(html: str) -> list[str]:
    return re.findall(r'data-kind="(\w+)"', html)


def test_one_chronological_view_with_filters_and_an_aligned_chart(
    client: TestClient,
    make_user: Callable[..., User],
    db: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    physician = make_user("physician")
    login(client, physician)
    patient_id = _eligible_patient(client)  # MADRS 32, signed IV assessment
    course = _start(client, patient_id)
    assert _record(client, course, TODAY, dose="40").status_code == 303
    assert post_form(client, f"/patients/{patient_id}/medications", SERTRALINE).status_code == 303
    scored = post_form(client, f"/patients/{patient_id}/scales/phq9", PHQ9_ITEM9)
    assert scored.status_code == 303, scored.text  # item 9 raises a safety alert
    med = db.scalars(select(PatientMedication)).one()
    change = {
        "dose_amount": "100",
        "dose_unit": "mg",
        "frequency": "once daily",
        "changed_on": TODAY.isoformat(),
        "reason": "partial response",
    }
    url = f"/patients/{patient_id}/medications/{med.id}/change"
    assert post_form(client, url, change).status_code == 303

    therapist = make_user("therapist")
    integration = {
        "held_on": TODAY.isoformat(),
        "therapy_type": "kap_integration",
        "duration_min": 50,
        "progress_note": "Integration of the first session went well.",
    }
    made = client.post(
        f"/api/v1/patients/{patient_id}/therapy-sessions",
        json=integration,
        headers=bearer_for(session_factory, settings, therapist),
    )
    assert made.status_code == 201, made.text

    page = client.get(f"/patients/{patient_id}/timeline")
    assert page.status_code == 200
    html = page.text
    kinds = _kinds_in_order(html)
    assert set(kinds) >= {"score", "treatment", "medication", "alert", "note", "therapy"}
    assert "KAP integration, 50 min" in html
    assert "went well" not in html  # the progress note stays on the therapy page
    assert "Session 1: 40 mg" in html and "Changed: sertraline 100 mg once daily" in html
    assert "Started sertraline 50 mg once daily" in html and "Safety alert raised" in html
    assert "Eligibility signed (IV ketamine)" in html
    # Newest day first: today's entries come before the 90-day-old medication start.
    assert html.index("Changed: sertraline") < html.index("Started sertraline")
    chart = re.search(r'<section class="card chart" id="timeline-chart".*?</section>', html, re.S)
    assert chart and "Session 1: 40 mg" in chart.group(0)  # the strip marks it, with its title
    assert "MADRS" in chart.group(0) or "PHQ-9" in chart.group(0)

    only = client.get(f"/patients/{patient_id}/timeline?kind=treatment&kind=medication").text
    assert set(_kinds_in_order(only)) == {"treatment", "medication"}
    old = client.get(
        f"/patients/{patient_id}/timeline?to={(TODAY - timedelta(days=1)).isoformat()}"
    ).text
    assert _kinds_in_order(old) == ["medication"]  # only the start, 90 days ago

    bad = client.get(f"/patients/{patient_id}/timeline?from=2026-13-01&kind=gossip")
    assert bad.status_code == 422
    assert "From must be a date" in bad.text and "Kind must be among" in bad.text

    headers = bearer_for(session_factory, settings, physician)
    api = client.get(f"/api/v1/patients/{patient_id}/timeline?kind=treatment", headers=headers)
    assert api.status_code == 200
    assert [e["title"] for e in api.json()] == ["Session 1: 40 mg"]
    reversed_range = client.get(
        f"/api/v1/patients/{patient_id}/timeline?from=2026-06-02&to=2026-06-01", headers=headers
    )
    assert reversed_range.status_code == 422 and "to" in reversed_range.text
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "timeline.view")).first()


def test_the_front_desk_has_no_timeline(client: TestClient, make_user: Callable[..., User]) -> None:
    login(client, make_user("physician"))
    patient_id = _eligible_patient(client)
    client.post("/logout")
    login(client, make_user("front_desk"))
    assert client.get(f"/patients/{patient_id}/timeline").status_code == 403
