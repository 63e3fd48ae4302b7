"""The outcomes page on real databases: figures from a tiny clinic, roles, bad dates, audit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.kit.db.session import transaction
from ketacare.scales.models import ScaleResponse
from tests.conftest import login
from tests.treatment.test_courses import TODAY, _eligible_patient, _record, _start


def _phq9(
    factory: sessionmaker[Session], user: User, patient_id: str, at: datetime, total: int
) -> None:
    with transaction(factory) as session:
        session.add(
            ScaleResponse(
                clinic_id=user.clinic_id,
                created_by=user.id,
                patient_id=uuid.UUID(patient_id),
                instrument_id="phq9",
                instrument_version="1",
                administered_at=at,
                source="clinician",
                answers={},
                total=total,
            )
        )


def test_page_shows_the_clinic_figures_beside_benchmarks(
    client: TestClient,
    make_user: Callable[..., User],
    db: Session,
    session_factory: sessionmaker[Session],
) -> None:
    physician = make_user("physician")
    login(client, physician)
    patient_id = _eligible_patient(client)
    url = _start(client, patient_id)
    assert _record(client, url, TODAY).status_code == 303
    # Baseline 20 the day before; 8 the day after the first session (60% reduction: response).
    _phq9(
        session_factory,
        physician,
        patient_id,
        datetime.combine(TODAY, time(9), UTC) - timedelta(days=1),
        20,
    )
    _phq9(
        session_factory,
        physician,
        patient_id,
        datetime.combine(TODAY, time(12), UTC) + timedelta(days=1),
        8,
    )
    page = client.get("/outcomes")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="patients-started">1<' in text
    assert 'id="sessions-given">1<' in text
    assert "(0/1; 95% CI 0.0\u201379.3%)" in text  # induction completion: Wilson 0/1 high 0.7935
    assert "1 still in induction" in text
    assert "(1/1 responded)" in text  # PHQ-9 time to first response
    assert "53.6%" in text and "McInnes 2022" in text  # ORKA-1 beside ours
    # The published "induction not completed" row carries the clinic's own: 1 of 1 course.
    orka2 = re.search(r'<tr id="benchmark-orka2_not_completed_six">(.*?)</tr>', text, re.S)
    assert orka2 is not None
    assert "(1/1; 95% CI" in orka2.group(1) and "induction not completed" in orka2.group(1)
    assert "<svg" in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "outcomes.view")).one()
    assert event.details["courses"] == 1 and patient_id not in str(event.details)
    other = client.get(f"/outcomes?from={TODAY + timedelta(days=1)}&to={TODAY + timedelta(days=2)}")
    assert 'id="courses-started">0<' in other.text


def test_bad_dates_name_the_field(client: TestClient, make_user: Callable[..., User]) -> None:
    login(client, make_user("physician"))
    bad = client.get("/outcomes?from=2026-13-01")
    assert bad.status_code == 422 and "from: must be a date" in bad.text
    backwards = client.get("/outcomes?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 422 and "to: must be on or after" in backwards.text


def test_nurses_may_not_see_the_dashboard(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    login(client, make_user("nurse"))
    assert client.get("/outcomes").status_code == 403
