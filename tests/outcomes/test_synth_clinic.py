"""The dashboard on a generated clinic agrees with counts taken straight from the rows.

The hand-computed cohorts (test_cohort.py, test_gather.py) pin the definitions; this checks the
SQL aggregation against a plain ORM walk over a clinic with every kind of course the generator
makes (IV and esketamine, dropout, later phases, adverse events, blood-pressure alerts)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine
from ketacare.outcomes import service
from ketacare.scales.definitions import load_instruments
from ketacare.synth.writer import write
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

BP = {"systolic_mmhg", "diastolic_mmhg"}


def _reference(db: Session, clinic_id: uuid.UUID) -> dict[str, int]:
    """Sessions given and those with an adverse event or a BP excursion, row by row."""
    courses = db.scalars(
        select(Course).where(Course.clinic_id == clinic_id, Course.voided_at.is_(None))
    ).all()
    course_ids = {c.id for c in courses}
    planned = [
        s
        for s in db.scalars(select(CourseSession).where(CourseSession.voided_at.is_(None)))
        if s.course_id in course_ids
    ]
    chairs = defaultdict(list)
    for chair in db.scalars(select(TreatmentSession).where(TreatmentSession.voided_at.is_(None))):
        chairs[chair.course_session_id].append(chair)
    ae, bp = set(), set()
    for event in db.scalars(select(SessionEvent).where(SessionEvent.kind == "adverse_event")):
        if event.voided_at is None:
            ae.add(event.session_id)
    for reading in db.scalars(select(VitalReading).where(VitalReading.voided_at.is_(None))):
        if any(alert.get("measure") in BP for alert in reading.alerts):
            bp.add(reading.session_id)
    given = []  # each session given, as the chair sessions behind it
    for row in planned:
        if row.status == "completed":
            given.append([c.id for c in chairs[row.id]])
        given += [[c.id] for c in chairs[row.id] if c.state == "aborted" and c.dosing_started_at]
    return {
        "courses": len(courses),
        "patients": len({c.patient_id for c in courses}),
        "given": len(given),
        "ae_sessions": sum(1 for ids in given if ae & set(ids)),
        "bp_sessions": sum(1 for ids in given if bp & set(ids)),
    }


def test_dashboard_counts_match_the_rows_of_a_generated_clinic(
    settings: Settings, db: Session
) -> None:
    engine = make_engine(settings.database_url)
    try:
        result = write(engine, 120, seed=8, slug="synth-check")
    finally:
        engine.dispose()
    clinic_id = uuid.UUID(result.clinic_id)
    physician = db.scalars(
        select(User).where(User.clinic_id == clinic_id, User.role == "physician")
    ).first()
    assert physician is not None
    actor = Actor(physician.id, clinic_id, "physician", physician.email)
    starts = db.scalars(select(Course.started_on).where(Course.clinic_id == clinic_id)).all()

    found = service.dashboard(
        db, actor, load_instruments(), min(starts), max(starts), protocol=None
    ).figures
    expected = _reference(db, clinic_id)

    assert expected["given"] > 300 and expected["ae_sessions"] > 0 and expected["bp_sessions"] > 0
    assert (found.courses_started, found.patients_started) == (
        expected["courses"],
        expected["patients"],
    )
    assert found.sessions_given == expected["given"]
    assert found.adverse_event_sessions.successes == expected["ae_sessions"]
    assert found.adverse_event_sessions.n == expected["given"]
    assert found.bp_excursion_sessions.successes == expected["bp_sessions"]
    assert {f.instrument_id for f in found.instruments} >= {"phq9", "madrs"}
