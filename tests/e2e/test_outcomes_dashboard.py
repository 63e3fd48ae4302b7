"""The clinic's outcomes against published results, read in the browser (issue 8): a generated
clinic, the whole range, then one protocol; the published rows carry the clinic's own figure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ketacare.kit.db.engine import make_engine
from ketacare.synth.writer import write_into
from tests.e2e.conftest import TABLET, BrowserLog, LiveServer
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e


def _count(page: Page, element_id: str) -> int:
    return int(page.locator(f"#{element_id}").inner_text().strip())


def test_the_physician_reads_the_clinic_beside_published_results(
    live_server: LiveServer,
    new_page: Callable[..., Page],
    browser_log: BrowserLog,
    artifacts: Path,
) -> None:
    physician = live_server.add_user("physician")
    live_server.add_user("nurse")
    live_server.add_user("therapist")
    engine = make_engine(live_server.settings.database_url)
    try:
        added = write_into(engine, live_server.clinic_id, 80, seed=5, as_of=date.today())
    finally:
        engine.dispose()
    assert added.patients == 80

    page = new_page(TABLET)
    sign_in(page, physician)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()

    everyone = _count(page, "courses-started")
    assert everyone >= 40  # most of the 80 patients started a course in the generated period
    expect(page.locator("#induction-completion")).to_contain_text("95% CI")
    expect(page.locator("svg").first).to_be_visible()  # the Kaplan-Meier curves
    orka1 = page.locator("#benchmark-orka1_phq9_response")
    expect(orka1).to_contain_text("53.6%")
    expect(orka1.locator(".clinic-figure")).to_contain_text("response at end of induction")

    protocol = page.locator("select[name=protocol]")
    protocols = protocol.locator("option").all_inner_texts()
    esketamine = next(p for p in protocols if "esketamine" in p)
    protocol.select_option(esketamine)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"on protocol {esketamine}")).to_be_visible()
    some = _count(page, "courses-started")
    assert 0 < some < everyone
    page.screenshot(path=str(artifacts / "outcomes-dashboard.png"), full_page=True)
    browser_log.assert_clean()
