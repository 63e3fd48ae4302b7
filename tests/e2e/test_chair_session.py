"""A whole IV session in the browser on a tablet: check-in, pre-checks, dosing, a blood pressure
over the pause threshold with the response recorded, discharge and the signed note."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.consent import service as consent
from ketacare.kit.db.session import transaction
from ketacare.patients import service as patients
from ketacare.protocols import service as protocols
from ketacare.treatment import courses
from tests.e2e.conftest import TABLET, BrowserLog, LiveServer
from tests.e2e.test_course import _eligible
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e


def test_whole_iv_session_with_a_pause_advised_reading_and_its_response(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    physician = live_server.add_user("physician")
    patient_id = _eligible(live_server, physician)
    with transaction(live_server.session_factory) as session:
        user = session.get(User, physician.id)
        assert user is not None
        actor = accounts.actor_for(user)
        document = consent.current_document(session, actor, "iv_ketamine")
        patient = patients.get(session, actor, uuid.UUID(patient_id))
        typed = f"{patient.given_name} {patient.family_name}"
        today = datetime.now(UTC).date()
        consent.sign(session, actor, patient.id, document.id, typed, today, True)
        iv = next(p for p in protocols.current(session, actor) if p.treatment == "iv_ketamine")
        course = courses.start(session, actor, patient.id, iv.id, today, today)
        course_id = course.id
    page = new_page(TABLET)
    sign_in(page, physician)
    page.goto(f"/patients/{patient_id}/courses/{course_id}")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#state")).to_have_text("checked in")

    for label in ("Identity checked", "Fasted", "Escort and transport"):
        page.get_by_label(re.compile(label)).check()
    page.get_by_label("Systolic (mmHg)").fill("126")
    page.get_by_label("Diastolic (mmHg)").fill("80")
    page.get_by_label("Heart rate (beats/min)").fill("74")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_role("button", name="Record pre-checks").click()
    expect(page.locator("#state")).to_have_text("prechecked")

    page.get_by_label("Lot number").fill("KX-5521")
    page.get_by_role("button", name="Start dosing").click()
    expect(page.locator("#state")).to_have_text("dosing")
    expect(page.locator("#next-due")).to_be_visible()

    vitals = page.locator("#vitals form").last
    vitals.get_by_label("Systolic").fill("188")
    vitals.get_by_label("Diastolic").fill("104")
    vitals.get_by_label("Heart rate").fill("96")
    vitals.get_by_role("button", name="Record reading").click()
    expect(page.locator("#e-confirm")).to_contain_text("then confirm it")
    page.get_by_label("The reading is right: record it").check()
    page.locator("#vitals-form").get_by_role("button", name="Record reading").click()
    alert_row = page.locator("#vitals tr.alert-row")
    expect(alert_row).to_contain_text("pause advised: systolic mmhg 188")
    alert_row.get_by_label("Response taken").fill("Infusion paused 5 min; recheck 150/90.")
    alert_row.get_by_role("button", name="Record response").click()
    expect(page.locator("#vitals tr.alert-row")).to_contain_text("Response: Infusion paused 5 min")

    page.get_by_role("button", name="Stop infusion").click()
    expect(page.locator("#state")).to_have_text("observation")
    page.get_by_label("Escort present").check()
    page.get_by_label(re.compile("Discharge despite")).fill("Observed 60 min in recovery; stable.")
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.locator("#state")).to_have_text("discharged")

    page.get_by_label("Post-session note").fill("Transient BP rise at 40 min; paused; resolved.")
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.locator("#signed-note")).to_contain_text("Transient BP rise")
    expect(page.get_by_text(re.compile(r"^signed "))).to_be_visible()
    browser_log.assert_clean()
