"""Medication history: dose changes keep the old entry with its reason, reconciliation is recorded,
and a change after signing puts the eligibility assessment out of date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.medications.models import MedicationReview, PatientMedication
from tests.conftest import login, post_form
from tests.eligibility.test_assessment import SIGN, _ready_patient
from tests.medications.test_medications import SERTRALINE
from tests.patients.test_views import register

TODAY = date.today()


def test_dose_change_stops_the_old_entry_and_flags_the_signed_assessment(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("physician"))
    patient_id = _ready_patient(client)
    started = {**SERTRALINE, "started_on": (TODAY - timedelta(days=60)).isoformat()}
    assert post_form(client, f"/patients/{patient_id}/medications", started).status_code == 303
    assert post_form(client, f"/patients/{patient_id}/eligibility", SIGN).status_code == 303
    old = db.scalars(select(PatientMedication)).one()
    url = f"/patients/{patient_id}/medications/{old.id}/change"
    change = {
        "dose_amount": "150",
        "dose_unit": "mg",
        "frequency": old.frequency,
        "changed_on": TODAY.isoformat(),
        "reason": "partial response",
    }
    same = post_form(client, url, {**change, "dose_amount": f"{old.dose_amount:g}"})
    assert same.status_code == 422 and "same dose" in same.text
    future = post_form(
        client, url, {**change, "changed_on": (TODAY + timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 422 and "cannot be in the future" in future.text
    assert post_form(client, url, change).status_code == 303
    rows = db.scalars(select(PatientMedication).order_by(PatientMedication.created_at)).all()
    assert len(rows) == 2
    db.refresh(rows[0])
    assert rows[0].stopped_on == TODAY and rows[0].stop_reason is not None
    assert rows[0].stop_reason.startswith("dose changed to 150 mg")
    assert (rows[1].dose_amount, rows[1].started_on, rows[1].stopped_on) == (150, TODAY, None)
    chart = client.get(f"/patients/{patient_id}").text
    assert 'id="med-history"' in chart and "partial response" in chart
    page = client.get(f"/patients/{patient_id}/eligibility?treatment=esketamine").text
    assert 'id="stale"' in page and "new: sertraline 150 mg" in page


def test_reconciliation_with_no_change_is_recorded_and_audited(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("nurse"))
    patient_id = register(client)
    form = {"reviewed_on": TODAY.isoformat()}
    assert post_form(client, f"/patients/{patient_id}/medications/reviews", form).status_code == 303
    review = db.scalars(select(MedicationReview)).one()
    assert review.outcome == "no_change"
    assert f"Last reconciled {TODAY.isoformat()}" in client.get(f"/patients/{patient_id}").text
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "medication.review")).one()
