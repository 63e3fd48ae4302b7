"""The consent tablet at the desk: the patient reads and signs, the staff member confirms.

A portrait tablet with touch, as the patient holds it; fields found by their labels, so a broken
label or error link fails here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import BrowserLog, LiveServer
from tests.e2e.test_patient_journey import fits_horizontally, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def tablet(browser: Browser, live_server: LiveServer, browser_log: BrowserLog) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 820, "height": 1180},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    browser_log.watch(context)
    yield context.new_page()
    context.close()


def open_signing_page(live_server: LiveServer, tablet: Page, role: str) -> str:
    staff = live_server.add_user(role)
    patient_id = live_server.add_patient(staff, "Ada", "Lovelace", date(1980, 12, 10))
    sign_in(tablet, staff)
    tablet.goto(f"/patients/{patient_id}/consent")
    expect(tablet.locator("#reason-iv_ketamine")).to_have_text("no consent on file")
    tablet.get_by_role("link", name="Read and sign version 1").first.click()
    expect(tablet).to_have_url(re.compile(r"/consent/iv_ketamine/sign$"))
    return patient_id


def test_patient_signs_on_the_tablet_and_staff_confirm(
    live_server: LiveServer, tablet: Page, browser_log: BrowserLog, artifacts: Path
) -> None:
    open_signing_page(live_server, tablet, "front_desk")
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("intravenous (IV) ketamine")
    expect(tablet.get_by_role("heading", name="Ketamine is used off-label")).to_be_visible()
    width, viewport = fits_horizontally(tablet)
    assert width <= viewport, "the reading page scrolls sideways on a tablet"
    date_field = tablet.get_by_label("Today's date")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_field.input_value())  # prefilled

    tablet.get_by_label("Your full name").tap()
    tablet.get_by_label("Your full name").fill("ada  lovelace")
    tablet.get_by_label(re.compile(r"I, Test Front Desk, was present")).check()
    tablet.screenshot(path=artifacts / "consent-tablet.png", full_page=True)
    tablet.get_by_role("button", name="Sign consent").tap()

    expect(tablet).to_have_url(re.compile(r"/consent#iv_ketamine$"))
    expect(tablet.locator("#status-iv_ketamine")).to_have_text("valid")
    expect(tablet.locator("#reason-iv_ketamine")).to_contain_text("signed version 1")
    tablet.get_by_role("link", name="Read the signed text (version 1)").click()
    expect(tablet.locator("#intact")).to_have_text("unchanged since signing")
    browser_log.assert_clean()


def test_a_wrong_name_is_explained_beside_the_field(
    live_server: LiveServer, tablet: Page, browser_log: BrowserLog
) -> None:
    open_signing_page(live_server, tablet, "nurse")
    tablet.get_by_label("Your full name").fill("Ada Byron")
    tablet.get_by_label(re.compile(r"was present and confirm")).check()
    with tablet.expect_navigation() as navigation:
        tablet.get_by_role("button", name="Sign consent").tap()
    response = navigation.value
    assert response is not None and response.status == 422

    name = tablet.get_by_label("Your full name")
    message = tablet.locator("#e-typed_name")
    expect(message).to_be_visible()
    expect(message).to_have_text(re.compile(r"^Your full name must be the patient's full name"))
    expect(name).to_have_attribute("aria-invalid", "true")
    assert "e-typed_name" in (name.get_attribute("aria-describedby") or "").split()
    expect(name).to_have_value("Ada Byron")
    tablet.get_by_role("link", name="typed_name").click()  # the summary links to the field
    expect(name).to_be_focused()
    browser_log.assert_clean()
