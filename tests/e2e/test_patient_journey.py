"""What staff do in a real browser: sign in, register a patient, chart, two-factor, audit log.

Everything goes through the rendered pages and their forms, found the way a screen reader finds
them (labels, roles, accessible names), so a broken label or ARIA link fails here too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, BrowserLog, LiveServer, Staff

pytestmark = pytest.mark.e2e

CHART_URL = re.compile(r"/patients/[0-9a-f-]{36}$")
ADA_BORN = date(1980, 12, 10)


def sign_in(page: Page, staff: Staff) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(staff.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login$"))


def register_ada(page: Page) -> str:
    """Register Ada Lovelace through the form; returns the chart's path."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill(ADA_BORN.isoformat())
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Referring clinician").fill("Dr Babbage")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(CHART_URL)
    return page.url


def header_value(page: Page, term: str) -> str:
    """The value the chart header shows under a label (its <dt>/<dd> pair)."""
    pair = page.locator(".chart-header dl > div").filter(
        has=page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$"))
    )
    return pair.locator("dd").inner_text()


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def fits_horizontally(page: Page) -> tuple[int, int]:
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]",
    )
    return int(sizes[0]), int(sizes[1])


def wrong_code_for(secret: str) -> str:
    """A six-digit code the server cannot accept (not valid in the ±1 step window)."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + step * 30) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("123456", "654321", "111111") if code not in valid)


def test_nurse_registers_patient_and_records_weight_and_height(
    live_server: LiveServer, page: Page, browser_log: BrowserLog, artifacts: Path
) -> None:
    nurse = live_server.add_user("nurse")
    sign_in(page, nurse)
    expect(page).to_have_url(f"{live_server.url}/")  # clinicians land on their worklist
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")

    register_ada(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lovelace, Ada")
    assert header_value(page, "MRN") == "KC000001"
    assert header_value(page, "Age") == f"{age_on(ADA_BORN, date.today())} y"
    assert header_value(page, "Born") == "1980-12-10"
    assert header_value(page, "BMI") == "—"

    page.get_by_label("Weight (kg)").fill("72.5")
    page.get_by_label("Height (cm)").fill("170")
    page.get_by_role("button", name="Record measurement").click()
    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}#measurement$"))
    expect(page.locator("#weight")).to_have_text("72.5 kg")
    expect(page.locator("#height")).to_have_text("170 cm")
    expect(page.locator("#bmi")).to_have_text("25.1")  # 72.5 / 1.70² = 25.09
    page.screenshot(path=artifacts / "chart.png", full_page=True)
    browser_log.assert_clean()


def test_out_of_range_weight_is_explained_next_to_the_field(
    live_server: LiveServer, page: Page, browser_log: BrowserLog
) -> None:
    sign_in(page, live_server.add_user("nurse"))
    register_ada(page)

    page.get_by_label("Weight (kg)").fill("900")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Record measurement").click()
    response = navigation.value
    assert response is not None and response.status == 422

    weight = page.get_by_label("Weight (kg)")
    message = page.locator("#e-weight_kg")
    expect(message).to_be_visible()
    expect(message).to_have_text(re.compile(r"^Weight \(kg\) must be between 25 and 350"))
    expect(weight).to_have_attribute("aria-invalid", "true")
    described_by = (weight.get_attribute("aria-describedby") or "").split()
    assert "e-weight_kg" in described_by
    expect(weight).to_have_accessible_description(re.compile("must be between 25 and 350"))
    expect(weight).to_have_value("900")  # what was typed is kept for correcting
    # "Next to the field": in the field's own group, just below the input.
    field = page.locator(".field").filter(has=weight)
    expect(field.locator(".error")).to_have_count(1)
    input_box, message_box = weight.bounding_box(), message.bounding_box()
    assert input_box and message_box
    gap = message_box["y"] - (input_box["y"] + input_box["height"])
    assert 0 <= gap < 40, f"the message is {gap}px from the field"
    # Nothing was stored.
    expect(page.locator("#weight")).to_have_text("—")
    expect(page.locator("#measurement")).to_contain_text("No measurements yet.")
    browser_log.assert_clean()


def test_admin_enrols_two_factor_then_sees_staff_and_audit_log(
    live_server: LiveServer, page: Page, browser_log: BrowserLog
) -> None:
    admin = live_server.add_user("admin")
    sign_in(page, admin)
    expect(page).to_have_url(f"{live_server.url}/account/mfa")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nothing else yet

    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page).to_have_url(f"{live_server.url}/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    own_row = page.locator("tbody tr").filter(has_text=admin.email)
    expect(own_row.locator("td").nth(3)).to_have_text("on")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(f"{live_server.url}/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    admin_rows = page.locator("tbody tr").filter(has_text=admin.email)
    actions = {text.strip() for text in admin_rows.locator("td:nth-child(4)").all_inner_texts()}
    assert {"login", "mfa.enrol"} <= actions, actions
    browser_log.assert_clean()


def test_wrong_enrolment_code_is_explained_and_the_right_one_then_works(
    live_server: LiveServer, page: Page, browser_log: BrowserLog
) -> None:
    sign_in(page, live_server.add_user("admin"))
    secret = page.locator("#totp-secret").inner_text().strip()

    code = page.get_by_label("Code from the app")
    code.fill(wrong_code_for(secret))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
    response = navigation.value
    assert response is not None and response.status == 422, "a wrong code must not be a 500"
    expect(page.locator("#e-code")).to_contain_text("does not match")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_attribute("aria-describedby", "e-code")
    assert page.locator("#totp-secret").inner_text().strip() == secret  # same key to retry

    code.fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(f"{live_server.url}/admin/users")
    browser_log.assert_clean()


def test_phone_sized_screens_do_not_scroll_sideways(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    nurse = live_server.add_user("nurse")
    for number in range(1, 6):
        live_server.add_patient(
            nurse,
            "Maximiliana",
            f"Featherstonehaugh-Abernethy {number}",
            date(1975, 1, number),
            referring_clinician="Dr S. Okoye (psychiatry), Riverside community mental health team",
        )
    page = new_page(PHONE)

    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    scroll_width, width = fits_horizontally(page)
    assert scroll_width <= width, f"login page is {scroll_width}px wide on a {width}px screen"

    sign_in(page, nurse)
    expect(page).to_have_url(f"{live_server.url}/")
    scroll_width, width = fits_horizontally(page)
    assert scroll_width <= width, f"worklist is {scroll_width}px wide on a {width}px screen"
    page.goto("/patients")
    expect(page.get_by_role("status")).to_have_text("5 patients")
    scroll_width, width = fits_horizontally(page)
    assert scroll_width <= width, f"patient list is {scroll_width}px wide on a {width}px screen"

    page.get_by_role("link", name=re.compile("Featherstonehaugh-Abernethy 1")).click()
    expect(page).to_have_url(CHART_URL)
    scroll_width, width = fits_horizontally(page)
    assert scroll_width <= width, f"chart is {scroll_width}px wide on a {width}px screen"
    browser_log.assert_clean()


def test_pages_log_no_console_errors_or_csp_violations(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    physician = live_server.add_user("physician")
    patient_id = live_server.add_patient(physician, "Grace", "Hopper", date(1946, 12, 9))
    visited: list[str] = []

    def visit(page: Page, path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        # The stylesheet really applied (a CSP or path mistake would leave the page unstyled).
        header = page.locator("header.top")
        expect(header).to_have_css("background-color", "rgb(16, 42, 67)")
        visited.append(path)

    page = new_page()
    visit(page, "/login")
    sign_in(page, physician)
    for path in (
        "/patients",
        "/patients/new",
        f"/patients/{patient_id}",
        f"/patients/{patient_id}/history",
        f"/patients/{patient_id}/amend",
        "/account",
    ):
        visit(page, path)

    admin_page = new_page()
    sign_in(admin_page, live_server.add_user("admin"))
    expect(admin_page).to_have_url(f"{live_server.url}/account/mfa")
    expect(admin_page.locator(".qr svg")).to_be_visible()  # the inline SVG QR code
    secret = admin_page.locator("#totp-secret").inner_text().strip()
    admin_page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    admin_page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(admin_page).to_have_url(f"{live_server.url}/admin/users")
    visit(admin_page, "/admin/audit")

    assert len(visited) == 8
    browser_log.assert_clean()


def test_the_console_check_catches_a_csp_violation(
    live_server: LiveServer, page: Page, browser_log: BrowserLog
) -> None:
    """Guard for the test above: an inline style is refused by the CSP and is reported."""
    page.goto("/login")
    page.evaluate(
        "() => { document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>'); }"
    )
    deadline = time.monotonic() + 5
    while not browser_log.problems() and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert any("style-src" in problem for problem in browser_log.problems()), browser_log.problems()
