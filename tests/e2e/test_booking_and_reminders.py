"""The front of the clinic: a six-session course is booked from its plan into a chair, the
reminders are queued for each visit, a medication change re-runs the safety rules and the next
session carries the flag (issue 7's end-to-end test)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.kit.db.session import transaction
from ketacare.medications.schemas import MedicationCreate
from ketacare.messaging.models import OutboundMessage
from ketacare.scheduling import resources
from ketacare.scheduling.models import Appointment
from ketacare.scheduling.schemas import ResourceCreate
from tests.e2e.conftest import TABLET, BrowserLog, LiveServer
from tests.e2e.test_course import _eligible
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e
TODAY = date.today()
SERTRALINE = MedicationCreate(
    drug_name="sertraline",
    dose_amount=50,
    frequency="once daily",
    started_on=TODAY - timedelta(days=120),
)


def test_book_a_course_see_reminders_change_a_medication_see_the_flag(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    physician = live_server.add_user("physician")
    desk = live_server.add_user("front_desk")
    patient_id = _eligible(live_server, physician, (SERTRALINE,), email="rosa@example.com")
    with transaction(live_server.session_factory) as session:
        user = session.get(User, desk.id)
        assert user is not None
        resources.create(
            session, accounts.actor_for(user), ResourceCreate(name="Chair 1", kind="chair")
        )

    page = new_page(TABLET)
    sign_in(page, physician)
    page.goto(f"/patients/{patient_id}/courses")
    page.get_by_label("Protocol").select_option(
        label="IV racemic ketamine 0.5 mg/kg over 40 minutes (literature default) (version 1)"
    )
    page.get_by_label("First session on").fill((TODAY + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Start course").click()
    expect(page.locator("#sessions tbody tr")).to_have_count(6)
    course_url = page.url
    page.get_by_role("link", name="Logout").or_(
        page.get_by_role("button", name="Sign out")
    ).first.click()

    # The front desk books the whole plan into Chair 1 at 09:00.
    sign_in(page, desk)
    expect(page).to_have_url(re.compile(r"/calendar"))
    page.goto(course_url.split("#")[0] + "/book")
    page.get_by_label("Chair").select_option(label="Chair 1")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("button", name="Book sessions").click()
    expect(page.locator("#booked")).to_contain_text("Booked 6 sessions")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(6)
    for index in range(6):
        expect(rows.nth(index)).to_contain_text("Chair 1")
        expect(rows.nth(index)).to_contain_text("queued")

    page.goto("/messages")
    expect(page.locator("main")).to_contain_text("rosa@example.com")
    with transaction(live_server.session_factory) as session:
        booked = session.scalars(select(Appointment)).all()
        queued = session.scalars(select(OutboundMessage)).all()
    assert len(booked) == 6 and all(a.status == "booked" for a in booked)
    assert {m.appointment_id for m in queued} == {a.id for a in booked}
    assert all(m.status == "queued" for m in queued)

    # The calendar shows the first visit on its day.
    page.goto(f"/calendar?day={(TODAY + timedelta(days=1)).isoformat()}")
    expect(page.locator("main")).to_contain_text("Parks")

    # The physician raises the sertraline dose; the next session shows the flag.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, physician)
    page.goto(f"/patients/{patient_id}")
    row = page.locator("#medication tbody tr", has_text="sertraline")
    row.get_by_text("Change dose…").click()
    change = row.locator("form[action$='/change']")
    change.get_by_label("New dose").fill("100")
    change.get_by_label("From").fill(TODAY.isoformat())
    change.get_by_label("Reason").fill("partial response")
    change.get_by_role("button", name="Change dose").click()
    expect(page.locator("#med-history")).to_contain_text("dose changed to 100 mg")
    page.goto(course_url)
    flag = page.locator("#next-session-flag")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("new: sertraline 100 mg once daily")
    expect(page.locator("#sessions tbody tr").first).to_contain_text("review eligibility")
    browser_log.assert_clean()
