"""The demo clinic's calendar: chairs and rooms, booked course sessions, visits, no overlaps."""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.config import Settings
from ketacare.demo.seed import seed
from ketacare.kit.db.session import transaction
from ketacare.scheduling import rules
from ketacare.scheduling.models import Appointment, ScheduleResource


def test_the_demo_books_courses_and_visits_without_double_bookings(
    session_factory: sessionmaker[Session], settings: Settings, db: Session
) -> None:
    with transaction(session_factory) as session:
        seed(session, settings, patient_count=16)
    places = db.scalars(select(ScheduleResource).order_by(ScheduleResource.name)).all()
    assert sorted((p.kind, p.name) for p in places) == [
        ("chair", "Chair 1"),
        ("chair", "Chair 2"),
        ("chair", "Chair 3"),
        ("room", "Consulting room"),
        ("room", "Therapy room"),
    ]
    rows = db.scalars(select(Appointment)).all()
    kinds = {row.kind for row in rows}
    assert kinds == {"treatment", "therapy", "medication_visit"}
    assert all(r.course_session_id for r in rows if r.kind == "treatment")
    for a, b in combinations(rows, 2):
        if rules.overlaps(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
            assert a.resource_id != b.resource_id
            assert a.patient_id != b.patient_id
            assert a.clinician_id is None or a.clinician_id != b.clinician_id
