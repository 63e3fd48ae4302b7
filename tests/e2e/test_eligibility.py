"""A physician on a tablet: code the history, see the conclusion, override it with a justification,
then watch the signed assessment go out of date when a medication is added."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TABLET, BrowserLog, LiveServer
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e


def test_physician_overrides_not_eligible_with_a_justification_and_sees_it_go_stale(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    physician = live_server.add_user("physician")
    patient_id = live_server.add_patient(physician, "Grace", "Hopper", date(1976, 12, 9))
    page = new_page(TABLET)
    sign_in(page, physician)
    page.goto(f"/patients/{patient_id}")

    problems = page.locator("#diagnosis")
    problems.get_by_label("Screening condition").select_option(
        label="Current manic or hypomanic episode"
    )
    problems.get_by_role("button", name="Add problem").click()
    expect(page.locator("#diagnosis")).to_contain_text("screened: Current manic")

    page.get_by_role("link", name="Eligibility", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eligibility: Hopper, Grace")
    page.get_by_label("Systolic blood pressure (mmHg)").fill("132")
    page.get_by_label("Diastolic blood pressure (mmHg)").fill("84")
    page.get_by_label("Pregnancy status").select_option("not_applicable")
    page.get_by_role("button", name="Update the conclusion").click()
    expect(page.locator("#conclusion")).to_have_text("not eligible")
    expect(page.locator("#verdict")).to_contain_text("absolute")

    page.get_by_label("Physician's conclusion").select_option("eligible_with_precautions")
    page.get_by_role("button", name="Sign assessment").click()
    justification = page.get_by_label("Justification")
    expect(justification).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-justification")).to_contain_text("at least 20 characters")

    justification.fill("Episode ended three weeks ago; mood stabiliser in place, reviewed today.")
    page.get_by_label("Physician's conclusion").select_option("eligible_with_precautions")
    page.get_by_role("button", name="Sign assessment").click()
    expect(page).to_have_url(re.compile(r"/eligibility\?treatment=iv_ketamine#signed$"))
    signed = page.locator(".signed-assessment").first
    expect(signed).to_contain_text('override of "not eligible"')
    expect(signed).to_contain_text("Episode ended three weeks ago")
    expect(signed.locator(".badge.ok")).to_have_text("current")

    page.goto(f"/patients/{patient_id}")
    page.get_by_text("Add a medication").click()
    page.get_by_label("Drug (generic name)").fill("lorazepam")
    page.get_by_role("spinbutton", name=re.compile(r"^Dose")).fill("1")
    page.get_by_label("How often").fill("at night")
    page.get_by_label("Started on").fill(date.today().isoformat())
    page.get_by_role("button", name="Add medication").click()
    expect(page.locator("#eligibility-status")).to_contain_text("out of date: review")
    page.locator("#eligibility-status").get_by_role("link", name="IV ketamine").click()
    expect(page.locator("#stale")).to_contain_text("new: lorazepam 1 mg at night")
    browser_log.assert_clean()
