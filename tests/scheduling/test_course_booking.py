"""Booking a course's planned sessions from its plan: every one or none, across a DST change."""

# ruff: noqa: RUF001  (the calendar writes time ranges with an en dash)
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.scheduling.models import Appointment
from ketacare.treatment.models import CourseSession
from tests.conftest import login, post_form
from tests.scheduling.support import API, Desk, front_desk, set_today
from tests.treatment.test_courses import _eligible_patient, _start

FIRST = date(2027, 3, 25)  # the clocks go forward in Berlin on Sunday 2027-03-28


@pytest.fixture
def setup(
    app: Any,
    client: TestClient,
    new_client: Callable[[], TestClient],
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> tuple[Desk, str, str]:
    """A course starting 2027-03-25 (sessions on days 0, 3, 7, 10, 14, 17) and a front desk."""
    set_today(app, FIRST)
    login(client, make_user("physician"))
    patient_id = _eligible_patient(client)
    course_url = _start(client, patient_id, FIRST)
    desk = front_desk(new_client(), make_user, session_factory, settings)
    return desk, patient_id, course_url


def appointments(db: Session) -> list[Appointment]:
    return list(db.scalars(select(Appointment).order_by(Appointment.starts_at)))


class TestFromThePlan:
    def test_books_every_planned_session_at_nine_local_across_the_clock_change(
        self, setup: tuple[Desk, str, str], db: Session
    ) -> None:
        desk, _, course_url = setup
        form = {
            "resource_id": desk.chairs[0],
            "time_of_day": "09:00",
            "clinician_id": str(desk.nurse.id),
        }
        response = post_form(desk.client, f"{course_url}/book", form)
        assert response.status_code == 303, response.text
        rows = appointments(db)
        sessions = db.scalars(select(CourseSession).order_by(CourseSession.number)).all()
        assert [r.course_session_id for r in rows] == [s.id for s in sessions]
        assert [r.starts_at for r in rows[:3]] == [
            datetime(2027, 3, 25, 8, tzinfo=UTC),  # CET
            datetime(2027, 3, 28, 7, tzinfo=UTC),  # the change day: CEST already at 09:00
            datetime(2027, 4, 1, 7, tzinfo=UTC),
        ]
        assert all(r.ends_at - r.starts_at == timedelta(minutes=120) for r in rows)
        page = desk.client.get(response.headers["location"])
        assert page.status_code == 200
        assert "Booked 6 sessions" in page.text
        assert page.text.count("09:00–11:00") == 6
        # All booked: nothing is left to book, and the form is gone.
        assert 'action="' + course_url + '/book"' not in page.text
        again = post_form(desk.client, f"{course_url}/book", form)
        assert again.status_code == 422 and "no planned session left to book" in again.text

    def test_one_conflict_books_nothing_and_every_conflict_is_listed(
        self, setup: tuple[Desk, str, str], db: Session
    ) -> None:
        desk, _, course_url = setup
        other = desk.patient(family_name="Byron")
        for day in ("2027-04-01", "2027-04-08"):  # sessions 3 and 5
            made = desk.book(
                patient_id=other, kind="other", starts_at=f"{day}T10:30", resource_id=desk.chairs[0]
            )
            assert made.status_code == 201, made.text
        form = {"resource_id": desk.chairs[0], "time_of_day": "09:00"}
        refused = post_form(desk.client, f"{course_url}/book", form)
        assert refused.status_code == 409
        assert "Nothing was booked" in refused.text
        assert (
            "session 3 on 2027-04-01: Chair 1 is booked 10:30–11:00 for another patient (Byron, Ada)"
            in refused.text
        )
        assert "session 5 on 2027-04-08: Chair 1 is booked 10:30–11:00" in refused.text
        assert len(appointments(db)) == 2
        # Another chair is free on every date.
        form["resource_id"] = desk.chairs[1]
        assert post_form(desk.client, f"{course_url}/book", form).status_code == 303
        assert len(appointments(db)) == 8

    def test_a_time_skipped_by_the_clocks_is_refused_for_that_session_only(
        self, setup: tuple[Desk, str, str], db: Session
    ) -> None:
        desk, _, course_url = setup
        form = {"resource_id": desk.chairs[0], "time_of_day": "02:30"}
        refused = post_form(desk.client, f"{course_url}/book", form)
        assert refused.status_code == 422
        assert "session 2 on 2027-03-28: 02:30 does not exist" in refused.text
        assert appointments(db) == []

    def test_rebooks_only_what_is_not_booked_and_skips_past_dates(
        self, app: Any, setup: tuple[Desk, str, str], db: Session
    ) -> None:
        desk, _, course_url = setup
        course_id = course_url.rsplit("/", 1)[1]
        set_today(app, FIRST + timedelta(days=1))  # session 1's date has passed
        body = {"resource_id": desk.chairs[0], "time_of_day": "14:00"}
        made = desk.client.post(
            f"{API}/courses/{course_id}/bookings", json=body, headers=desk.headers
        )
        assert made.status_code == 201, made.text
        result = made.json()
        assert [b["number"] for b in result["booked"]] == [2, 3, 4, 5, 6]
        assert result["skipped_past_sessions"] == [1]
        assert result["booked"][0]["appointment"]["starts_at"].startswith("2027-03-28T12:00")
        second = result["booked"][1]["appointment"]["id"]
        desk.client.post(
            f"{API}/appointments/{second}/cancel",
            json={"reason": "away that week"},
            headers=desk.headers,
        ).raise_for_status()
        again = desk.client.post(
            f"{API}/courses/{course_id}/bookings",
            json={**body, "resource_id": desk.chairs[1]},
            headers=desk.headers,
        )
        assert again.status_code == 201
        assert [b["number"] for b in again.json()["booked"]] == [3]
        assert db.scalar(select(func.count()).select_from(Appointment)) == 6

    def test_api_conflicts_answer_409_with_one_item_per_session(
        self, setup: tuple[Desk, str, str]
    ) -> None:
        desk, _, course_url = setup
        course_id = course_url.rsplit("/", 1)[1]
        other = desk.patient(family_name="Byron")
        desk.book(
            patient_id=other, kind="other", starts_at="2027-03-25T09:00", resource_id=desk.chairs[0]
        ).raise_for_status()
        body = {"resource_id": desk.chairs[0], "time_of_day": "09:00"}
        refused = desk.client.post(
            f"{API}/courses/{course_id}/bookings", json=body, headers=desk.headers
        )
        assert refused.status_code == 409
        assert [p["message"][:25] for p in refused.json()["detail"]] == [
            "session 1 on 2027-03-25: "
        ]

    def test_the_course_page_links_to_booking_and_therapists_may_not_book_it(
        self,
        client: TestClient,
        setup: tuple[Desk, str, str],
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        desk, _, course_url = setup
        plan = client.get(course_url).text  # the physician's view of the plan
        assert f'href="{course_url}/book">Book sessions</a>' in plan
        therapist = new_client()
        login(therapist, make_user("therapist"))
        form = {"resource_id": desk.chairs[0], "time_of_day": "09:00"}
        assert post_form(therapist, f"{course_url}/book", form).status_code == 403
        assert appointments(db) == []
        page = desk.client.get(f"{course_url}/book").text
        assert re.search(r"<option value=\"" + desk.chairs[0] + r"\"\s*>Chair 1</option>", page)
        assert "Room A" not in page  # only chairs for treatment
