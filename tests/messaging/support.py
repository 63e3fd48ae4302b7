"""Building blocks for messaging tests: patients, appointments (direct rows) and the worker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.eligibility.models import EligibilityAssessment
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.messaging import delivery
from ketacare.messaging.models import MessageAttempt, OutboundMessage
from ketacare.patients import service as patients
from ketacare.patients.schemas import PatientCreate
from ketacare.protocols.models import ProtocolVersion
from ketacare.scales.definitions import load_instruments
from ketacare.scheduling import reminders
from ketacare.scheduling.models import Appointment, ScheduleResource
from ketacare.treatment.models import Course, CourseSession

INSTRUMENTS = load_instruments()


@dataclass
class World:
    factory: sessionmaker[Session]
    settings: Settings
    desk: User

    @property
    def actor(self) -> Actor:
        return accounts.actor_for(self.desk)

    def patient(self, email: str | None = "ada@example.com") -> uuid.UUID:
        with transaction(self.factory) as session:
            data = PatientCreate(
                given_name="Ada",
                family_name="Lovelace",
                date_of_birth=date(1980, 12, 10),
                sex="female",
                email=email,
            )
            return patients.register(session, self.actor, data).id

    def chair(self, name: str = "Chair 2") -> uuid.UUID:
        with transaction(self.factory) as session:
            row = ScheduleResource(
                clinic_id=self.desk.clinic_id, created_by=self.desk.id, name=name, kind="chair"
            )
            session.add(row)
            session.flush()
            return row.id

    def course_session(self, patient_id: uuid.UUID, treatment: str) -> uuid.UUID:
        """A planned session of a course, as rows (the course workflow is tested elsewhere)."""
        with transaction(self.factory) as session:
            owner = {"clinic_id": self.desk.clinic_id, "created_by": self.desk.id}
            protocol = ProtocolVersion(
                **owner,
                key=f"p-{uuid.uuid4().hex[:6]}",
                version=1,
                name="Test protocol",
                treatment=treatment,
                text="# test",
                change_note="test",
            )
            assessment = EligibilityAssessment(
                **owner,
                patient_id=patient_id,
                treatment=treatment,
                systolic_mmhg=120,
                diastolic_mmhg=80,
                pregnancy_status="not_applicable",
                computed_conclusion="eligible",
                conclusion="eligible",
                reasons=[],
                snapshot={},
                facts_fingerprint="0" * 64,
            )
            session.add_all([protocol, assessment])
            session.flush()
            course = Course(
                **owner,
                patient_id=patient_id,
                protocol_version_id=protocol.id,
                eligibility_assessment_id=assessment.id,
                treatment=treatment,
                started_on=date.today(),
                start_dose=0.5 if treatment == "iv_ketamine" else 56,
            )
            session.add(course)
            session.flush()
            planned = CourseSession(
                **owner,
                course_id=course.id,
                patient_id=patient_id,
                number=1,
                phase="induction",
                number_in_phase=1,
                planned_on=date.today(),
            )
            session.add(planned)
            session.flush()
            return planned.id

    def book(
        self,
        patient_id: uuid.UUID,
        starts_in: timedelta,
        kind: str = "treatment",
        *,
        resource_id: uuid.UUID | None = None,
        course_session_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """An appointment row and its reminders, in one transaction, as booking does it."""
        starts = utcnow().replace(microsecond=0) + starts_in
        with transaction(self.factory) as session:
            row = Appointment(
                clinic_id=self.desk.clinic_id,
                created_by=self.desk.id,
                patient_id=patient_id,
                kind=kind,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                resource_id=resource_id,
                course_session_id=course_session_id,
                status="booked",
            )
            session.add(row)
            session.flush()
            reminders.plan(session, self.actor, self.settings, row)
            return row.id

    def cancel(self, appointment_id: uuid.UUID, reason: str = "patient unwell") -> None:
        with transaction(self.factory) as session:
            row = session.get(Appointment, appointment_id)
            assert row is not None
            row.status, row.cancelled_at, row.cancel_reason = "cancelled", utcnow(), reason
            reminders.cancel(session, self.actor, row, reason)

    def sweep(self, now: datetime | None = None) -> dict[str, int]:
        return delivery.sweep(self.factory, self.settings, INSTRUMENTS, now)

    def messages(self, appointment_id: uuid.UUID | None = None) -> list[OutboundMessage]:
        with transaction(self.factory) as session:
            statement = select(OutboundMessage).order_by(OutboundMessage.send_at)
            if appointment_id:
                statement = statement.where(OutboundMessage.appointment_id == appointment_id)
            return list(session.scalars(statement))

    def message(self, message_id: uuid.UUID) -> OutboundMessage:
        with transaction(self.factory) as session:
            row = session.get(OutboundMessage, message_id)
            assert row is not None
            return row

    def attempts(self, message_id: uuid.UUID) -> list[MessageAttempt]:
        with transaction(self.factory) as session:
            statement = select(MessageAttempt).where(MessageAttempt.message_id == message_id)
            return list(session.scalars(statement.order_by(MessageAttempt.number)))
