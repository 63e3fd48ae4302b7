"""Calendar pages through the real forms: day and week views, booking, cancel, mark, resources."""

# ruff: noqa: RUF001  (the calendar writes time ranges with an en dash)
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.scheduling.models import Appointment, ScheduleResource
from tests.conftest import login, post_form
from tests.scheduling.support import Desk, front_desk, set_today

DAY = date(2027, 1, 11)


@pytest.fixture
def desk(
    app: Any,
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> Desk:
    set_today(app, DAY)
    return front_desk(client, make_user, session_factory, settings)


def book_form(desk: Desk, patient_id: str, **changes: str) -> dict[str, str]:
    form = {
        "patient_id": patient_id,
        "kind": "therapy",
        "day": "2027-01-11",
        "time": "10:00",
        "duration_min": "",
        "resource_id": desk.room,
        "clinician_id": str(desk.therapist.id),
        "therapy_type": "KAP integration",
        "desk_note": "",
    }
    form.update(changes)
    return form


class TestBookingForm:
    def test_books_and_shows_the_result_then_the_day(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        form_page = desk.client.get(f"/calendar/book?patient_id={patient}")
        assert "Lovelace, Ada" in form_page.text
        response = post_form(desk.client, "/calendar/book", book_form(desk, patient))
        assert response.status_code == 303, response.text
        result = desk.client.get(response.headers["location"])
        assert 'id="booked"' in result.text
        assert "Monday 11 January 2027, 10:00–10:50" in result.text
        row = db.scalars(select(Appointment)).one()
        assert row.therapy_type == "KAP integration"
        day = desk.client.get("/calendar").text  # "today" is 2027-01-11
        assert "Monday 11 January 2027" in day
        assert re.search(r"10:00–10:50</strong> therapy \(KAP integration\)", day)
        assert f'href="/patients/{patient}">Lovelace, Ada</a>' in day
        assert '<th scope="col" id="col-' in day and "Room A" in day and "Chair 2" in day
        assert re.search(r'<td rowspan="4" class="booked"', day)  # 10:00-10:50 over 15-min rows
        assert 'href="/calendar?day=2027-01-10" rel="prev"' in day
        assert 'href="/calendar?day=2027-01-12" rel="next"' in day
        assert 'href="/calendar?day=2027-01-11" aria-current="date">Today' in day

    def test_a_conflict_reshows_the_form_with_the_message_beside_the_field(
        self, desk: Desk, db: Session
    ) -> None:
        first, second = desk.patient(), desk.patient(family_name="Byron")
        assert post_form(desk.client, "/calendar/book", book_form(desk, first)).status_code == 303
        refused = post_form(
            desk.client,
            "/calendar/book",
            book_form(desk, second, time="10:30", clinician_id=str(desk.physician.id)),
        )
        assert refused.status_code == 409
        assert "Not booked" in refused.text
        assert re.search(
            r'id="e-resource_id" role="alert">Chair or room Room A is booked 10:00–10:50 for '
            r"another patient \(Lovelace, Ada\)",
            refused.text,
        )
        assert 'value="10:30"' in refused.text  # what was typed is kept
        assert len(db.scalars(select(Appointment)).all()) == 1

    def test_unknown_mrn_and_missing_time_are_named(self, desk: Desk, db: Session) -> None:
        form = book_form(desk, "", patient="NOPE", time="")
        del form["patient_id"]
        refused = post_form(desk.client, "/calendar/book", form)
        assert refused.status_code == 422
        assert 'id="e-patient" role="alert">Patient MRN no patient with this MRN' in refused.text
        assert 'id="e-time" role="alert">Start time must be a time (HH:MM)' in refused.text
        assert db.scalars(select(Appointment)).all() == []

    def test_by_mrn(self, desk: Desk, db: Session) -> None:
        desk.patient(mrn="KC777777")
        form = book_form(desk, "", patient="KC777777")
        del form["patient_id"]
        assert post_form(desk.client, "/calendar/book", form).status_code == 303
        assert len(db.scalars(select(Appointment)).all()) == 1


class TestAppointmentPage:
    def test_cancel_needs_a_reason_and_keeps_the_row(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        location = post_form(desk.client, "/calendar/book", book_form(desk, patient)).headers[
            "location"
        ]
        url = location.split("?")[0]
        short = post_form(desk.client, f"{url}/cancel", {"reason": "x"})
        assert short.status_code == 422
        assert 'id="e-reason" role="alert">Reason is required' in short.text
        done = post_form(desk.client, f"{url}/cancel", {"reason": "rescheduled by phone"})
        assert done.status_code == 303
        page = desk.client.get(url).text
        assert "cancelled: rescheduled by phone" in page
        day = desk.client.get("/calendar?day=2027-01-11").text
        assert "Cancelled" in day and "rescheduled by phone" in day
        assert db.scalars(select(Appointment)).one().status == "cancelled"

    def test_attended_and_no_show_only_once_started(self, desk: Desk, db: Session) -> None:
        patient = desk.patient()
        future = desk.book(
            patient_id=patient,
            kind="other",
            starts_at="2099-01-01T10:00",
            resource_id=desk.chairs[0],
        ).json()
        early = post_form(
            desk.client, f"/calendar/appointments/{future['id']}/mark", {"status": "attended"}
        )
        assert early.status_code == 422 and "once the appointment has started" in early.text
        past = desk.book(
            patient_id=patient,
            kind="other",
            starts_at="2020-01-06T10:00",
            resource_id=desk.chairs[0],
        ).json()
        url = f"/calendar/appointments/{past['id']}"
        assert "Did the patient come?" in desk.client.get(url).text
        assert post_form(desk.client, f"{url}/mark", {"status": "no_show"}).status_code == 303
        assert 'id="status">no show' in desk.client.get(url).text
        twice = post_form(desk.client, f"{url}/mark", {"status": "attended"})
        assert twice.status_code == 422 and "already no_show" in twice.text


class TestWeek:
    def test_the_week_lists_bookings_per_resource_and_day(self, desk: Desk) -> None:
        patient = desk.patient()
        desk.book(
            patient_id=patient,
            kind="medication_visit",
            starts_at="2027-01-13T08:15",
            clinician_id=str(desk.physician.id),
        ).raise_for_status()
        week = desk.client.get("/calendar/week").text  # the week of "today", Monday 11 Jan
        assert "Week of 11 January 2027" in week
        assert "Wed 13 Jan" in week
        assert re.search(r">08:15</a> Lovelace, Ada <span[^>]*>medication visit", week)
        assert 'href="/calendar/week?start=2027-01-04" rel="prev"' in week
        assert 'href="/calendar/week?start=2027-01-18" rel="next"' in week
        later = desk.client.get("/calendar/week?start=2027-01-18").text
        assert "Lovelace" not in later
        assert desk.client.get("/calendar/week?start=soon").status_code == 422


class TestResources:
    def test_front_desk_adds_and_retires_chairs(self, desk: Desk, db: Session) -> None:
        page = desk.client.get("/calendar/resources").text
        assert "Add a chair or room" in page
        added = post_form(desk.client, "/calendar/resources", {"name": "Chair 3", "kind": "chair"})
        assert added.status_code == 303
        dup = post_form(desk.client, "/calendar/resources", {"name": "Chair 3", "kind": "room"})
        assert dup.status_code == 422 and "Chair 3 is already used" in dup.text
        blank = post_form(desk.client, "/calendar/resources", {"name": "", "kind": "chair"})
        assert blank.status_code == 422 and 'id="e-name"' in blank.text
        chair = db.scalars(select(ScheduleResource).where(ScheduleResource.name == "Chair 3")).one()
        assert (
            post_form(desk.client, f"/calendar/resources/{chair.id}/retire", {}).status_code == 303
        )
        assert "retired" in desk.client.get("/calendar/resources").text
        db.refresh(chair)
        assert chair.retired_at is not None and chair.retired_by == desk.user.id


class TestRoles:
    @pytest.mark.parametrize("role", ["physician", "nurse", "therapist", "admin"])
    def test_clinical_staff_see_the_calendar_but_only_the_desk_manages_places(
        self,
        role: str,
        desk: Desk,
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
    ) -> None:
        browser = new_client()
        user = make_user(role)
        assert login(browser, user).status_code == 303
        if role == "admin":
            from tests.conftest import enrol_mfa

            enrol_mfa(browser)
        day = browser.get("/calendar")
        assert day.status_code == 200
        assert '<a href="/calendar">Calendar</a>' in day.text
        assert browser.get("/calendar/week").status_code == 200
        resources = browser.get("/calendar/resources").text
        assert ("Add a chair or room" in resources) == (role == "admin")
        create = post_form(browser, "/calendar/resources", {"name": "Chair 7", "kind": "chair"})
        assert create.status_code == (303 if role == "admin" else 403)

    def test_a_therapist_books_therapy_but_not_other_visits(
        self,
        desk: Desk,
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        patient = desk.patient()
        browser = new_client()
        login(browser, make_user("therapist"))
        assert 'value="therapy" selected' in browser.get("/calendar/book").text
        ok = post_form(browser, "/calendar/book", book_form(desk, patient))
        assert ok.status_code == 303
        visit = book_form(
            desk,
            patient,
            kind="medication_visit",
            therapy_type="",
            day="2027-01-12",
            clinician_id=str(desk.physician.id),
        )
        assert post_form(browser, "/calendar/book", visit).status_code == 403
        assert len(db.scalars(select(Appointment)).all()) == 1
