"""All SQL for the calendar, scoped to the actor's clinic."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select, text

from ketacare.accounts.models import User
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.scheduling.models import Appointment, ScheduleResource
from ketacare.treatment.models import Course, CourseSession

# Names the calendar's advisory locks on PostgreSQL (first key); the second key is the clinic.
_LOCK_CLASS = 72_719_003


class ScheduleRepository(ClinicScopedRepository):
    def lock_calendar(self) -> None:
        """Serialise bookings within the clinic until the transaction ends, so the conflict check
        and the insert are one step. SQLite's BEGIN IMMEDIATE already serialises all writers."""
        if self.session.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(self.clinic_id.bytes[:4], "big", signed=True)
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _LOCK_CLASS, "b": key}
            )

    def resources(self, include_retired: bool = False) -> list[ScheduleResource]:
        statement = select(ScheduleResource).where(
            ScheduleResource.clinic_id == self.clinic_id, ScheduleResource.voided_at.is_(None)
        )
        if not include_retired:
            statement = statement.where(ScheduleResource.retired_at.is_(None))
        order = (ScheduleResource.kind, ScheduleResource.name)
        return list(self.session.scalars(statement.order_by(*order)))

    def resource(self, resource_id: uuid.UUID) -> ScheduleResource | None:
        row = self.session.get(ScheduleResource, resource_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.voided_at is None
        return row if ok else None

    def resource_named(self, name: str) -> ScheduleResource | None:
        statement = select(ScheduleResource).where(
            ScheduleResource.clinic_id == self.clinic_id, ScheduleResource.name == name
        )
        return self.session.scalars(statement).first()

    def clinicians(self) -> list[User]:
        statement = select(User).where(
            User.clinic_id == self.clinic_id,
            User.is_active.is_(True),
            User.role.in_(("physician", "nurse", "therapist")),
        )
        return list(self.session.scalars(statement.order_by(User.full_name)))

    def user(self, user_id: uuid.UUID) -> User | None:
        row = self.session.get(User, user_id)
        return row if row is not None and row.clinic_id == self.clinic_id else None

    def appointment(self, appointment_id: uuid.UUID) -> Appointment | None:
        row = self.session.get(Appointment, appointment_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.voided_at is None
        return row if ok else None

    def between(
        self, start: datetime, end: datetime, include_cancelled: bool = True
    ) -> list[Appointment]:
        statement = select(Appointment).where(
            Appointment.clinic_id == self.clinic_id,
            Appointment.voided_at.is_(None),
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
        if not include_cancelled:
            statement = statement.where(Appointment.status != "cancelled")
        return list(self.session.scalars(statement.order_by(Appointment.starts_at)))

    def blocking(
        self,
        start: datetime,
        end: datetime,
        resource_ids: Collection[uuid.UUID],
        clinician_ids: Collection[uuid.UUID],
        patient_ids: Collection[uuid.UUID],
    ) -> list[Appointment]:
        """Not cancelled appointments in the window that share a chair/room, clinician or patient."""
        shared = [Appointment.patient_id.in_(patient_ids)]
        if resource_ids:
            shared.append(Appointment.resource_id.in_(resource_ids))
        if clinician_ids:
            shared.append(Appointment.clinician_id.in_(clinician_ids))
        statement = select(Appointment).where(
            Appointment.clinic_id == self.clinic_id,
            Appointment.voided_at.is_(None),
            Appointment.status != "cancelled",
            Appointment.starts_at < end,
            Appointment.ends_at > start,
            or_(*shared),
        )
        return list(self.session.scalars(statement.order_by(Appointment.starts_at)))

    def course_session(self, session_id: uuid.UUID) -> CourseSession | None:
        row = self.session.get(CourseSession, session_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.voided_at is None
        return row if ok else None

    def active_for_sessions(self, session_ids: Collection[uuid.UUID]) -> list[Appointment]:
        if not session_ids:
            return []
        statement = select(Appointment).where(
            Appointment.clinic_id == self.clinic_id,
            Appointment.voided_at.is_(None),
            Appointment.status != "cancelled",
            Appointment.course_session_id.in_(session_ids),
        )
        return list(self.session.scalars(statement))

    def course_ids_of_sessions(
        self, session_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        if not session_ids:
            return {}
        statement = select(CourseSession.id, CourseSession.course_id).where(
            CourseSession.clinic_id == self.clinic_id, CourseSession.id.in_(session_ids)
        )
        return {row.id: row.course_id for row in self.session.execute(statement)}

    def patient_of_course(self, course_id: uuid.UUID) -> uuid.UUID | None:
        row = self.session.get(Course, course_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.voided_at is None
        return row.patient_id if ok and row is not None else None
