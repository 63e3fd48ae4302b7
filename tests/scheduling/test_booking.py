"""Booking conflicts through the API on SQLite and PostgreSQL: chair, clinician and patient
double bookings refused with every collision named; adjacent slots and cancelled bookings free."""

# ruff: noqa: RUF001  (the calendar writes time ranges with an en dash)
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.scheduling.models import Appointment
from tests.conftest import bearer_for
from tests.scheduling.support import API, Desk, front_desk


@pytest.fixture
def desk(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> Desk:
    return front_desk(client, make_user, session_factory, settings)


def count(db: Session, **where: object) -> int:
    statement = select(func.count()).select_from(Appointment)
    for name, value in where.items():
        statement = statement.where(getattr(Appointment, name) == value)
    return db.scalar(statement) or 0


def therapy(desk: Desk, patient: str, starts: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "patient_id": patient,
        "kind": "therapy",
        "starts_at": starts,
        "resource_id": desk.room,
        "clinician_id": str(desk.therapist.id),
        "therapy_type": "KAP integration",
    }
    body.update(changes)
    return body


class TestConflicts:
    def test_the_same_room_twice_is_refused_with_409_naming_the_booking(
        self, desk: Desk, db: Session
    ) -> None:
        first, second = desk.patient(), desk.patient(family_name="Byron")
        made = desk.book(**therapy(desk, first, "2027-01-11T10:00"))
        assert made.status_code == 201, made.text
        assert made.json()["starts_at"].startswith("2027-01-11T09:00:00")  # Berlin is UTC+1
        assert made.json()["ends_at"].startswith("2027-01-11T09:50:00")  # therapy default 50
        clash = desk.book(
            **therapy(desk, second, "2027-01-11T10:30", clinician_id=str(desk.physician.id))
        )
        assert clash.status_code == 409
        problems = clash.json()["detail"]
        assert [p["field"] for p in problems] == ["resource_id"]
        assert problems[0]["message"] == (
            "Room A is booked 10:00–10:50 for another patient (Lovelace, Ada)"
        )
        assert problems[0]["allowed"] == {
            "appointment_id": made.json()["id"],
            "conflict": "resource",
        }
        assert count(db) == 1

    def test_the_same_clinician_and_the_same_patient_are_refused_too(
        self, desk: Desk, db: Session
    ) -> None:
        patient, other = desk.patient(), desk.patient(family_name="Byron")
        assert desk.book(**therapy(desk, patient, "2027-01-11T10:00")).status_code == 201
        # The therapist again, in another room, for another patient.
        other_room = desk.resource("Room B", "room")
        busy = desk.book(**therapy(desk, other, "2027-01-11T10:45", resource_id=other_room))
        assert busy.status_code == 409
        assert [p["field"] for p in busy.json()["detail"]] == ["clinician_id"]
        assert "is booked 10:00–10:50 (therapy) for another patient" in busy.text
        # The patient again, in a chair with a nurse, for a medication visit.
        twice = desk.book(
            patient_id=patient,
            kind="medication_visit",
            starts_at="2027-01-11T09:45",
            clinician_id=str(desk.nurse.id),
        )
        assert twice.status_code == 409
        assert twice.json()["detail"][0]["message"] == (
            "the patient already has a therapy booked 10:00–10:50 (Room A)"
        )
        assert count(db) == 1

    def test_back_to_back_bookings_are_fine(self, desk: Desk, db: Session) -> None:
        patient, other = desk.patient(), desk.patient(family_name="Byron")
        assert desk.book(**therapy(desk, patient, "2027-01-11T10:00")).status_code == 201
        after = desk.book(**therapy(desk, other, "2027-01-11T10:50"))
        before = desk.book(**therapy(desk, other, "2027-01-11T09:10"))
        assert (after.status_code, before.status_code) == (201, 201), before.text
        assert count(db) == 3

    def test_a_cancelled_booking_frees_its_slot_and_stays_on_record(
        self, desk: Desk, db: Session
    ) -> None:
        patient, other = desk.patient(), desk.patient(family_name="Byron")
        made = desk.book(**therapy(desk, patient, "2027-01-11T10:00")).json()
        url = f"{API}/appointments/{made['id']}/cancel"
        short = desk.client.post(url, json={"reason": "no"}, headers=desk.headers)
        assert short.status_code == 422
        assert short.json()["detail"][0]["field"] == "reason"
        assert short.json()["detail"][0]["allowed"]["min_length"] == "3"
        done = desk.client.post(url, json={"reason": "patient unwell"}, headers=desk.headers)
        assert done.status_code == 200 and done.json()["status"] == "cancelled"
        again = desk.client.post(url, json={"reason": "twice over"}, headers=desk.headers)
        assert again.status_code == 422 and "already cancelled" in again.text
        assert desk.book(**therapy(desk, other, "2027-01-11T10:00")).status_code == 201
        row = db.scalars(select(Appointment).where(Appointment.status == "cancelled")).one()
        assert row.cancel_reason == "patient unwell"
        assert row.status_changed_by == desk.user.id and row.cancelled_at is not None
        assert count(db) == 2

    def test_rescheduling_cancels_and_books_in_one_step(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        made = desk.book(**therapy(desk, patient, "2027-01-11T10:00")).json()
        moved = desk.client.post(
            f"{API}/appointments/{made['id']}/reschedule",
            json=therapy(desk, patient, "2027-01-11T10:30"),  # overlaps the old slot: fine
            headers=desk.headers,
        )
        assert moved.status_code == 201, moved.text
        old = db.get(Appointment, uuid.UUID(made["id"]))
        assert old is not None and old.status == "cancelled"
        assert old.cancel_reason == "rescheduled to 2027-01-11 10:30"
        assert count(db, status="booked") == 1


class TestInput:
    def test_wrong_input_names_the_field_and_stores_nothing(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        cases: list[tuple[dict[str, object], str, str]] = [
            (therapy(desk, patient, "2027-01-11T10:00", duration_min=600), "duration_min", "480"),
            (
                therapy(desk, patient, "2027-01-11T10:00", therapy_type=None),
                "therapy_type",
                "required",
            ),
            (
                therapy(desk, patient, "2027-01-11T10:00", clinician_id=str(desk.nurse.id)),
                "clinician_id",
                "therapist or physician",
            ),
            (
                {
                    **therapy(desk, patient, "2027-01-11T10:00"),
                    "kind": "treatment",
                    "therapy_type": None,
                    "clinician_id": None,
                },
                "resource_id",
                "is a room: choose a chair",
            ),
            (
                {
                    **therapy(desk, patient, "2027-01-11T10:00"),
                    "kind": "treatment",
                    "therapy_type": None,
                    "resource_id": desk.chairs[0],
                },
                "course_session_id",
                "planned session of this patient",
            ),
            (therapy(desk, patient, "2027-03-28T02:30"), "starts_at", "does not exist"),
            ({**therapy(desk, patient, "2027-01-11T10:00"), "colour": "red"}, "colour", ""),
        ]
        for body, field, words in cases:
            response = desk.book(**body)
            assert response.status_code == 422, (field, response.text)
            fields = {p["field"]: p for p in response.json()["detail"]}
            assert field in fields, (field, response.text)
            assert words in str(fields[field]), (field, response.text)
        assert count(db) == 0

    def test_retired_places_and_inactive_clinicians_cannot_be_booked(
        self,
        desk: Desk,
        db: Session,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient = desk.patient()
        retire = f"{API}/schedule-resources/{desk.room}/retire"
        assert desk.client.post(retire, headers=desk.headers).status_code == 200
        gone = desk.book(**therapy(desk, patient, "2027-01-11T10:00"))
        assert gone.status_code == 422 and "Room A is retired" in gone.text
        listed = desk.client.get(f"{API}/schedule-resources", headers=desk.headers).json()
        assert [r["name"] for r in listed] == ["Chair 1", "Chair 2"]
        desk_two = make_user("front_desk")
        not_clinical = desk.book(
            **therapy(
                desk,
                patient,
                "2027-01-11T10:00",
                resource_id=desk.chairs[0],
                kind="other",
                therapy_type=None,
                clinician_id=str(desk_two.id),
            )
        )
        assert not_clinical.status_code == 422
        assert "active physician, nurse or therapist" in not_clinical.text
        assert count(db) == 0


class TestTimeZone:
    def test_nine_oclock_lands_on_the_right_instant_either_side_of_the_change(
        self, desk: Desk, db: Session
    ) -> None:
        patient = desk.patient()
        for day in ("2027-03-26", "2027-03-29"):
            response = desk.book(**therapy(desk, patient, f"{day}T09:00"))
            assert response.status_code == 201, response.text
        rows = db.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
        assert [r.starts_at for r in rows] == [
            datetime(2027, 3, 26, 8, tzinfo=UTC),  # CET, UTC+1
            datetime(2027, 3, 29, 7, tzinfo=UTC),  # CEST, UTC+2
        ]
        day = desk.client.get(
            f"{API}/appointments?start=2027-03-29&end=2027-03-29", headers=desk.headers
        )
        assert [a["starts_at"][:16] for a in day.json()] == ["2027-03-29T07:00"]

    def test_an_explicit_offset_is_respected(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        response = desk.book(**therapy(desk, patient, "2027-03-29T09:00:00+00:00"))
        assert response.status_code == 201
        assert db.scalars(select(Appointment)).one().starts_at == datetime(
            2027, 3, 29, 9, tzinfo=UTC
        )


class TestPermissions:
    @pytest.mark.parametrize(
        ("role", "therapy_status", "visit_status"),
        [
            ("front_desk", 201, 201),
            ("admin", 201, 201),
            ("physician", 201, 201),
            ("nurse", 201, 201),
            ("therapist", 201, 403),
        ],
    )
    def test_who_may_book_what(
        self,
        role: str,
        therapy_status: int,
        visit_status: int,
        desk: Desk,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient = desk.patient()
        headers = bearer_for(session_factory, settings, make_user(role))
        body = therapy(desk, patient, "2027-01-11T10:00")
        made = desk.client.post(f"{API}/appointments", json=body, headers=headers)
        assert made.status_code == therapy_status, made.text
        visit = {
            "patient_id": patient,
            "kind": "medication_visit",
            "starts_at": "2027-01-12T10:00",
            "clinician_id": str(desk.physician.id),
        }
        response = desk.client.post(f"{API}/appointments", json=visit, headers=headers)
        assert response.status_code == visit_status, response.text
        listed = desk.client.get(
            f"{API}/appointments?start=2027-01-11&end=2027-01-12", headers=headers
        )
        assert listed.status_code == 200 and len(listed.json()) == 1 + (visit_status == 201)

    def test_only_front_desk_and_admin_manage_chairs_and_rooms(
        self,
        desk: Desk,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        for role in ("physician", "nurse", "therapist"):
            headers = bearer_for(session_factory, settings, make_user(role))
            response = desk.client.post(
                f"{API}/schedule-resources",
                json={"name": "Chair 9", "kind": "chair"},
                headers=headers,
            )
            assert response.status_code == 403
        admin = bearer_for(session_factory, settings, make_user("admin"))
        response = desk.client.post(
            f"{API}/schedule-resources", json={"name": "Chair 9", "kind": "chair"}, headers=admin
        )
        assert response.status_code == 201
        dup = desk.client.post(
            f"{API}/schedule-resources", json={"name": "Chair 9", "kind": "room"}, headers=admin
        )
        assert dup.status_code == 422 and dup.json()["detail"][0]["field"] == "name"

    def test_another_clinic_sees_nothing(
        self,
        desk: Desk,
        make_user: Callable[..., User],
        make_clinic: Callable[..., object],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        patient = desk.patient()
        made = desk.book(**therapy(desk, patient, "2027-01-11T10:00")).json()
        stranger = make_user("front_desk", make_clinic("elsewhere"))
        headers = bearer_for(session_factory, settings, stranger)
        assert (
            desk.client.get(f"{API}/appointments/{made['id']}", headers=headers).status_code == 404
        )
        assert desk.client.get(f"{API}/appointments?start=2027-01-11", headers=headers).json() == []
        cancel = desk.client.post(
            f"{API}/appointments/{made['id']}/cancel",
            json={"reason": "not mine"},
            headers=headers,
        )
        assert cancel.status_code == 404


class TestAudit:
    def test_bookings_cancellations_and_reads_are_audited_with_the_patient(
        self, desk: Desk, db: Session
    ) -> None:
        patient = desk.patient()
        made = desk.book(**therapy(desk, patient, "2027-01-11T10:00")).json()
        desk.client.get(f"{API}/appointments/{made['id']}", headers=desk.headers)
        desk.client.get(f"{API}/appointments?start=2027-01-11", headers=desk.headers)
        desk.client.post(
            f"{API}/appointments/{made['id']}/cancel",
            json={"reason": "unwell"},
            headers=desk.headers,
        )
        events = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.resource_type == "appointment")
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.action for e in events] == [
            "appointment.create",
            "appointment.view",
            "appointment.list",
            "appointment.cancel",
        ]
        assert all(e.actor_user_id == desk.user.id for e in events)
        assert {str(e.patient_id) for e in events if e.action != "appointment.list"} == {patient}
        assert events[2].details["results"] == 1

    def test_a_refused_booking_leaves_no_trace_but_the_existing_one(
        self, desk: Desk, db: Session
    ) -> None:
        patient = desk.patient()
        desk.book(**therapy(desk, patient, "2027-01-11T10:00"))
        assert desk.book(**therapy(desk, patient, "2027-01-11T10:10")).status_code == 409
        creates = db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "appointment.create")
        )
        assert creates == 1


class TestListing:
    def test_ranges_by_day_or_instant_and_their_limits(self, desk: Desk) -> None:
        patient = desk.patient()
        desk.book(**therapy(desk, patient, "2027-01-11T10:00")).raise_for_status()
        desk.book(**therapy(desk, patient, "2027-01-12T10:00")).raise_for_status()

        def listed(query: str) -> Any:
            return desk.client.get(f"{API}/appointments?{query}", headers=desk.headers)

        assert len(listed("start=2027-01-11").json()) == 1
        assert len(listed("start=2027-01-11&end=2027-01-12").json()) == 2
        assert len(listed("start=2027-01-11T10:45").json()) == 1  # to the end of that day
        assert listed("start=2027-01-11T10:50&end=2027-01-11T12:00").json() == []  # half-open
        bad = listed("start=tomorrow")
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "start"
        too_long = listed("start=2027-01-01&end=2027-06-01")
        assert too_long.status_code == 422 and "62 days" in too_long.text
