"""The dashboard's SQL on real databases: sessions given (aborted ones included), adverse events
and blood-pressure excursions counted per course, session times, and the JSON API."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.outcomes import cohort, service
from ketacare.scales.definitions import load_instruments
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading
from tests.conftest import bearer_for, login
from tests.treatment.test_courses import TODAY, _eligible_patient, _record, _start

FIRST = TODAY
DOSING = datetime.combine(TODAY, time(10), UTC)
BP_ALERT = {"measure": "systolic_mmhg", "value": 171, "action": "notify", "threshold": 160.0}
SPO2_ALERT = {"measure": "spo2_pct", "value": 89, "action": "notify", "threshold": 90.0}


def _chair(
    session: Session, user: User, course_session: CourseSession, state: str, dosing: bool
) -> TreatmentSession:
    row = TreatmentSession(
        clinic_id=user.clinic_id,
        created_by=user.id,
        course_session_id=course_session.id,
        patient_id=course_session.patient_id,
        treatment="iv_ketamine",
        state=state,
        checked_in_at=DOSING - timedelta(minutes=30),
        ordered_dose_mg=40.0,
        route="iv",
        dosing_started_at=DOSING if dosing else None,
    )
    session.add(row)
    session.flush()
    return row


def _event(session: Session, user: User, chair: TreatmentSession, voided: bool = False) -> None:
    session.add(
        SessionEvent(
            clinic_id=user.clinic_id,
            created_by=user.id,
            session_id=chair.id,
            kind="adverse_event",
            at=DOSING + timedelta(minutes=10),
            detail={"term": "nausea"},
            voided_at=DOSING + timedelta(hours=1) if voided else None,
            voided_by=user.id if voided else None,
            void_reason="entered on the wrong session" if voided else None,
        )
    )


def _reading(
    session: Session, user: User, chair: TreatmentSession, minute: int, alerts: list[Any]
) -> None:
    session.add(
        VitalReading(
            clinic_id=user.clinic_id,
            created_by=user.id,
            session_id=chair.id,
            device="manual",
            measured_at=DOSING + timedelta(minutes=minute),
            systolic_mmhg=171 if alerts == [BP_ALERT] else 130,
            diastolic_mmhg=85,
            alerts=alerts,
        )
    )


@pytest.fixture
def clinic_course(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
) -> tuple[User, str]:
    """One course: session 1 given at the chair (2 adverse events and one voided, BP alerts);
    session 2 aborted after dosing started (1 adverse event, an SpO2 alert only), and a cancelled
    chair session (no drug given; its adverse event is not counted)."""
    physician = make_user("physician")
    login(client, physician)
    patient_id = _eligible_patient(client)
    url = _start(client, patient_id, FIRST)
    assert _record(client, url, TODAY).status_code == 303
    with transaction(session_factory) as session:
        rows = session.scalars(
            select(CourseSession)
            .where(CourseSession.patient_id == uuid.UUID(patient_id))
            .order_by(CourseSession.number)
        ).all()
        given = _chair(session, physician, rows[0], "discharged", dosing=True)
        _event(session, physician, given)
        _event(session, physician, given)
        _event(session, physician, given, voided=True)
        _reading(session, physician, given, 0, [])
        _reading(session, physician, given, 5, [BP_ALERT])
        _reading(session, physician, given, 10, [BP_ALERT])
        aborted = _chair(session, physician, rows[1], "aborted", dosing=True)
        _event(session, physician, aborted)
        _reading(session, physician, aborted, 0, [SPO2_ALERT])
        cancelled = _chair(session, physician, rows[1], "cancelled", dosing=False)
        _event(session, physician, cancelled)
    return physician, patient_id


def _gather(session_factory: sessionmaker[Session], user: User) -> list[cohort.CourseFacts]:
    with session_factory() as session:
        repository = service.OutcomesRepository(session, accounts.actor_for(user, "test"))
        criteria = service.outcome_criteria(load_instruments())
        return service.gather(repository, FIRST, TODAY, None, sorted(criteria))


def test_sessions_given_include_the_aborted_one(
    clinic_course: tuple[User, str], session_factory: sessionmaker[Session]
) -> None:
    physician, patient_id = clinic_course
    (facts,) = _gather(session_factory, physician)
    assert facts.patient_key.replace("-", "") == patient_id.replace("-", "")
    # Session 1 completed; session 2 aborted at the chair, so still planned.
    assert (facts.induction_completed, facts.induction_planned - facts.induction_open) == (1, 1)
    assert facts.sessions == cohort.SessionTotals(
        given=2, adverse_events=3, adverse_event_sessions=2, bp_excursion_sessions=1
    )
    # Timed at the chair's dosing start, not the end of the day it was recorded on.
    assert facts.first_session_at == facts.induction_end_at == DOSING
    figures = cohort.figures([facts], {})
    assert (figures.sessions_given, figures.adverse_events) == (2, 3)
    assert (figures.adverse_event_sessions.successes, figures.adverse_event_sessions.n) == (2, 2)
    assert (figures.bp_excursion_sessions.successes, figures.bp_excursion_sessions.n) == (1, 2)


def test_a_session_given_without_the_chair_ends_its_day(
    client: TestClient, make_user: Callable[..., User], session_factory: sessionmaker[Session]
) -> None:
    physician = make_user("physician")
    login(client, physician)
    url = _start(client, _eligible_patient(client))
    assert _record(client, url, TODAY).status_code == 303
    (facts,) = _gather(session_factory, physician)
    assert facts.first_session_at == datetime.combine(TODAY, time(23, 59, 59), UTC)
    assert facts.sessions == cohort.SessionTotals(1, 0, 0, 0)


def test_other_clinics_and_other_ranges_see_nothing(
    clinic_course: tuple[User, str],
    session_factory: sessionmaker[Session],
    make_user: Callable[..., User],
) -> None:
    physician, _ = clinic_course
    with session_factory() as session:
        clinic = physician.clinic_id
        assert session.scalars(select(Course).where(Course.clinic_id == clinic)).first()
    repository_user = make_user("physician", email="other@example.org")
    assert len(_gather(session_factory, repository_user)) == 1  # same clinic
    with session_factory() as session:
        repository = service.OutcomesRepository(session, accounts.actor_for(physician, "test"))
        later = service.gather(
            repository, TODAY + timedelta(days=1), TODAY + timedelta(days=2), None, []
        )
        assert later == []
        assert service.gather(repository, FIRST, TODAY, "no-such-protocol", []) == []


def test_the_api_returns_the_page_figures(
    client: TestClient,
    clinic_course: tuple[User, str],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> None:
    physician, patient_id = clinic_course
    with transaction(session_factory) as session:
        for at, total in (
            (datetime.combine(FIRST, time(8), UTC), 20),
            (DOSING + timedelta(days=1), 8),
        ):
            session.add(
                ScaleResponse(
                    clinic_id=physician.clinic_id,
                    created_by=physician.id,
                    patient_id=uuid.UUID(patient_id),
                    instrument_id="phq9",
                    instrument_version="1",
                    administered_at=at,
                    source="clinician",
                    answers={},
                    total=total,
                )
            )
    headers = bearer_for(session_factory, settings, physician)
    response = client.get(f"/api/v1/outcomes?from={FIRST}&to={TODAY}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["protocol"]) == (str(FIRST), str(TODAY), None)
    assert (body["patients_started"], body["courses_started"], body["in_induction"]) == (1, 1, 1)
    assert body["sessions_given"] == 2 and body["adverse_events"] == 3
    bp = body["bp_excursion_sessions"]
    assert (bp["successes"], bp["n"], bp["estimate"]) == (1, 2, 0.5)
    assert bp["ci95_low"] < 0.5 < bp["ci95_high"]
    phq9 = next(i for i in body["instruments"] if i["instrument_id"] == "phq9")
    assert phq9["name"] == "PHQ-9"
    ttr = phq9["time_to_response"]
    assert (ttr["subjects"], ttr["events"]) == (1, 1)
    (step,) = ttr["steps"]
    assert (step["at_risk"], step["events"], step["survival"]) == (1, 1, 0.0)
    page = client.get(f"/outcomes?from={FIRST}&to={TODAY}")
    assert 'id="sessions-given">2<' in page.text
    assert "(1/2; 95% CI" in page.text
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "outcomes.view")).all()
    assert sorted(e.details["via"] for e in events) == ["api", "page"]
    assert all(patient_id not in str(e.details) for e in events)


def test_the_api_names_the_bad_field(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    headers = bearer_for(session_factory, settings, make_user("admin"))
    bad = client.get("/api/v1/outcomes?from=2026-13-01", headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "from"
    backwards = client.get("/api/v1/outcomes?from=2026-02-01&to=2026-01-01", headers=headers)
    assert backwards.status_code == 422
    (problem,) = backwards.json()["detail"]
    assert problem["field"] == "to" and "on or after" in problem["message"]
    assert client.get("/api/v1/outcomes", headers=headers).status_code == 200


def test_nurses_may_not_use_the_api(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    headers = bearer_for(session_factory, settings, make_user("nurse"))
    assert client.get("/api/v1/outcomes", headers=headers).status_code == 403


def test_the_collector_is_back_on_after_the_dashboard_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), service.cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with service.cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
