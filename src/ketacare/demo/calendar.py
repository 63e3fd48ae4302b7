"""Demo calendar: three chairs and two rooms, the demo courses' sessions booked from their plans,
and a few therapy and medication visits (synthetic; times are clinic-local)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.patients.repository import PatientRepository
from ketacare.scheduling import resources, service
from ketacare.scheduling.repository import ScheduleRepository
from ketacare.scheduling.schemas import AppointmentCreate, CourseBookingCreate, ResourceCreate
from ketacare.treatment.models import Course

PLACES = (
    ("Chair 1", "chair"),
    ("Chair 2", "chair"),
    ("Chair 3", "chair"),
    ("Therapy room", "room"),
    ("Consulting room", "room"),
)
COURSE_STARTS = (time(8, 0), time(10, 30), time(13, 0))  # three treatment slots per chair a day
THERAPY_TIMES = (time(9, 0), time(10, 0), time(11, 0), time(15, 0))
VISIT_TIMES = (time(14, 0), time(14, 30), time(16, 0))


def seed_calendar(
    session: Session, settings: Settings, desk: Actor, today: date | None = None
) -> int:
    """Book the demo clinic's calendar as its front desk; returns the number of appointments."""
    today = today or date.today()
    repo = ScheduleRepository(session, desk)
    places = [resources.create(session, desk, ResourceCreate(name=n, kind=k)) for n, k in PLACES]
    chairs, rooms = places[:3], places[3:]
    staff = {user.role: user for user in repo.clinicians()}
    courses = list(
        session.scalars(
            select(Course).where(Course.clinic_id == repo.clinic_id).order_by(Course.created_at)
        )
    )
    booked = 0
    for index, course in enumerate(courses[: len(chairs) * len(COURSE_STARTS)]):
        request = CourseBookingCreate(
            time_of_day=COURSE_STARTS[index // len(chairs)],
            resource_id=chairs[index % len(chairs)].id,
            clinician_id=staff["nurse"].id if "nurse" in staff else None,
        )
        if index % len(chairs):  # the nurse is named on Chair 1 only: one nurse, one chair
            request = request.model_copy(update={"clinician_id": None})
        result = service.book_course(
            session, desk, settings, course.patient_id, course.id, request, today
        )
        booked += len(result.booked)
    on_course = {course.patient_id for course in courses}
    patients, _ = PatientRepository(session, desk).search("", limit=20, offset=0)
    others = [p for p in patients if p.id not in on_course]
    tomorrow = today + timedelta(days=1)
    for patient, at in zip(others, THERAPY_TIMES, strict=False):
        service.book(
            session,
            desk,
            settings,
            AppointmentCreate(
                patient_id=patient.id,
                kind="therapy",
                starts_at=datetime.combine(tomorrow, at),
                resource_id=rooms[0].id,
                clinician_id=staff["therapist"].id,
                therapy_type="KAP preparation",
            ),
        )
        booked += 1
    for patient, at in zip(others[len(THERAPY_TIMES) :], VISIT_TIMES, strict=False):
        service.book(
            session,
            desk,
            settings,
            AppointmentCreate(
                patient_id=patient.id,
                kind="medication_visit",
                starts_at=datetime.combine(tomorrow, at),
                resource_id=rooms[1].id,
                clinician_id=staff["physician"].id,
            ),
        )
        booked += 1
    return booked
