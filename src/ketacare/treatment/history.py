"""The treatment sessions a patient has been given, for charts, outcomes and the timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession

# A session recorded without the chair workflow has a day but no time. It is placed at the end of
# that day, so a questionnaire answered the same day counts as before it (the usual pre-dose score).
_NO_TIME = time(23, 59, 59)


@dataclass(frozen=True)
class GivenSession:
    course_id: uuid.UUID
    course_session_id: uuid.UUID
    number: int
    phase: str
    treatment: str
    at: datetime  # dosing start at the chair, else the end of the completion day (UTC)
    dose_mg: float | None
    tolerated: bool | None
    chair_session_id: uuid.UUID | None
    adverse_events: int
    note: str | None


class HistoryRepository(ClinicScopedRepository):
    def completed(self, patient_id: uuid.UUID) -> list[tuple[CourseSession, Course]]:
        statement = (
            select(CourseSession, Course)
            .join(Course, Course.id == CourseSession.course_id)
            .where(
                CourseSession.clinic_id == self.clinic_id,
                CourseSession.patient_id == patient_id,
                CourseSession.status == "completed",
                CourseSession.voided_at.is_(None),
            )
        )
        return list(self.session.execute(statement).all())

    def chair_sessions(self, patient_id: uuid.UUID) -> dict[uuid.UUID, TreatmentSession]:
        statement = select(TreatmentSession).where(
            TreatmentSession.clinic_id == self.clinic_id,
            TreatmentSession.patient_id == patient_id,
            TreatmentSession.state == "discharged",
            TreatmentSession.voided_at.is_(None),
        )
        return {row.course_session_id: row for row in self.session.scalars(statement)}

    def adverse_event_counts(self, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not session_ids:
            return {}
        statement = (
            select(SessionEvent.session_id, func.count())
            .where(
                SessionEvent.clinic_id == self.clinic_id,
                SessionEvent.session_id.in_(session_ids),
                SessionEvent.kind == "adverse_event",
                SessionEvent.voided_at.is_(None),
            )
            .group_by(SessionEvent.session_id)
        )
        return {sid: int(n) for sid, n in self.session.execute(statement)}


def given_sessions(session: Session, actor: Actor, patient_id: uuid.UUID) -> list[GivenSession]:
    """Every completed session of every course, oldest first, with its dose and adverse events."""
    repository = HistoryRepository(session, actor)
    chair = repository.chair_sessions(patient_id)
    counts = repository.adverse_event_counts([row.id for row in chair.values()])
    given = []
    for row, course in repository.completed(patient_id):
        at_chair = chair.get(row.id)
        started = at_chair.dosing_started_at if at_chair else None
        day = row.completed_on or row.planned_on
        given.append(
            GivenSession(
                course_id=course.id,
                course_session_id=row.id,
                number=row.number,
                phase=row.phase,
                treatment=course.treatment,
                at=started or datetime.combine(day, _NO_TIME, tzinfo=UTC),
                dose_mg=row.dose_given_mg,
                tolerated=row.tolerated,
                chair_session_id=at_chair.id if at_chair else None,
                adverse_events=counts.get(at_chair.id, 0) if at_chair else 0,
                note=row.note,
            )
        )
    audit.record(
        session,
        actor,
        "treatment_session.history",
        "course_session",
        patient_id=patient_id,
        details={"count": len(given)},
    )
    return sorted(given, key=lambda g: g.at)
