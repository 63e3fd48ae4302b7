"""A patient answers a PHQ-9 on their phone; the clinician sees the score, chart and safety alert."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, BrowserLog, LiveServer
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e

PHQ9_ANSWERS = [
    "Several days",
    "More than half the days",
    "Several days",
    "Nearly every day",
    "Not at all",
    "Several days",
    "Several days",
    "Not at all",
    "Several days",
]


def answer(page: Page, item: int, text: str) -> None:
    page.locator(f"#q-{item}").get_by_label(text, exact=True).check()


def test_patient_phq9_on_phone_raises_alert_that_clinician_acknowledges(
    live_server: LiveServer,
    page: Page,
    new_page: Callable[..., Page],
    browser_log: BrowserLog,
    artifacts: Path,
) -> None:
    physician = live_server.add_user("physician")
    patient_id = live_server.add_patient(physician, "Grace", "Hopper", date(1976, 12, 9))
    sign_in(page, physician)

    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Send a questionnaire").click()
    page.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    page.get_by_label("Show a QR code here").check()
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("img", name="QR code of the questionnaire link")).to_be_visible()
    link = urlsplit(page.locator("#questionnaire-url").inner_text().strip()).path

    phone = new_page(PHONE)
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    expect(phone.get_by_text("Hopper")).to_have_count(0)  # nothing but the questionnaire
    for item, text in enumerate(PHQ9_ANSWERS[:4], start=1):
        with phone.expect_response(re.compile(r"/draft$")):
            answer(phone, item, text)
    phone.reload()
    for item, text in enumerate(PHQ9_ANSWERS[:4], start=1):
        expect(phone.locator(f"#q-{item}").get_by_label(text, exact=True)).to_be_checked()
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= phone.evaluate("window.innerWidth")
    for item, text in enumerate(PHQ9_ANSWERS[4:], start=5):
        answer(phone, item, text)
    phone.screenshot(path=artifacts / "phq9-phone.png", full_page=True)
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")

    page.goto("/")
    alerts = page.get_by_role("region", name=re.compile("Safety alerts"))
    expect(alerts).to_contain_text("Hopper, Grace")
    expect(alerts).to_contain_text("PHQ-9 item 9 answered 1")
    alerts.get_by_role("link", name="Hopper, Grace").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Scores: Hopper, Grace")
    panel = page.get_by_role("region", name="Patient Health Questionnaire-9 (PHQ-9)")
    expect(panel.get_by_role("img", name=re.compile(r"latest 10 \(moderate\) on"))).to_be_visible()
    expect(panel.get_by_role("table")).to_contain_text("moderate")
    page.screenshot(path=artifacts / "scores-page.png", full_page=True)
    page.get_by_label("Action taken").fill("Phoned the patient; safety plan reviewed, no intent.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Safety alert")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("status")).to_have_text("No open safety alerts.")
    browser_log.assert_clean()
