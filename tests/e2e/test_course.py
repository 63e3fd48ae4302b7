"""A physician on a tablet starts a course, reads the planned doses and the predicted curve,
records sessions with the nurse's form and accepts the proposed dose step."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.eligibility import assessments
from ketacare.eligibility import service as ledger
from ketacare.eligibility.adequacy import SHIPPED
from ketacare.eligibility.schemas import AssessmentCreate, TrialCreate
from ketacare.eligibility.settings import load_assessment_settings
from ketacare.kit.db.session import transaction
from ketacare.medications import service as medications_service
from ketacare.medications.drugs import drug_table
from ketacare.medications.schemas import MedicationCreate
from ketacare.patients import service as patients
from ketacare.patients.schemas import MeasurementCreate
from ketacare.scales import service as scales
from ketacare.scales.definitions import load_instruments
from tests.e2e.conftest import TABLET, BrowserLog, LiveServer, Staff
from tests.e2e.test_patient_journey import sign_in

pytestmark = pytest.mark.e2e
TODAY = date.today()


def _eligible(
    live_server: LiveServer,
    physician: Staff,
    medications: tuple[MedicationCreate, ...] = (),
    **extra: str,
) -> str:
    """Weight, two failed trials, a baseline and a later MADRS, a signed assessment (after the
    given current medications are on the list)."""
    patient_id = live_server.add_patient(physician, "Rosa", "Parks", date(1970, 2, 4), **extra)
    madrs = load_instruments()["madrs"]
    with transaction(live_server.session_factory) as session:
        user = session.get(User, physician.id)
        assert user is not None
        actor = accounts.actor_for(user)
        patients.add_measurement(
            session, actor, patient_id, MeasurementCreate(weight_kg=80, height_cm=170)
        )
        drugs = drug_table()
        for medication in medications:
            medications_service.add(session, actor, drugs, patient_id, medication)
        for name in ("sertraline", "venlafaxine"):
            trial = TrialCreate(
                kind="antidepressant", name=name, weeks_at_dose=8, improvement_pct=10
            )
            ledger.add_trial(session, actor, drugs, patient_id, trial)
        for when, level in ((datetime.now(UTC) - timedelta(days=3), 4), (datetime.now(UTC), 4)):
            answers = {item.id: level for item in madrs.items}
            answers["10"] = 0
            scales.record_response(session, actor, madrs, patient_id, answers, administered_at=when)
        data = AssessmentCreate(
            treatment="iv_ketamine",
            systolic_mmhg=124,
            diastolic_mmhg=78,
            pregnancy_status="not_applicable",
            conclusion="eligible_with_precautions",
            justification="",
        )
        settings = load_assessment_settings()
        facts = assessments.gather(session, actor, drugs, SHIPPED, patient_id)
        result = assessments.conclude(facts, settings, "iv_ketamine", "not_applicable", (124, 78))
        data = data.model_copy(update={"conclusion": result.conclusion})
        assessments.sign(session, actor, settings, drugs, SHIPPED, patient_id, data)
    return str(patient_id)


def test_physician_starts_a_course_and_accepts_the_proposed_dose_step(
    live_server: LiveServer, new_page: Callable[..., Page], browser_log: BrowserLog
) -> None:
    physician = live_server.add_user("physician")
    patient_id = _eligible(live_server, physician)
    page = new_page(TABLET)
    sign_in(page, physician)
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Courses", exact=True).click()
    page.get_by_label("Protocol").select_option(
        label="IV racemic ketamine 0.5 mg/kg over 40 minutes (literature default) (version 1)"
    )
    page.get_by_role("button", name="Start course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Course plan: Parks, Rosa")

    sessions = page.locator("#sessions tbody tr")
    expect(sessions).to_have_count(6)
    first = sessions.first
    expect(first).to_contain_text("40 mg")  # 0.5 mg/kg x 80 kg
    expect(first).to_contain_text("156 mL/h")
    first.locator("summary").click()
    expect(first).to_contain_text("0.5 mg/kg x 80.0 kg = 40.00 mg")
    expect(page.locator("#prediction svg")).to_be_visible()
    expect(page.locator("#prediction")).to_contain_text("ng/mL")

    for offset in (0, 3, 6):
        live_server.app.state.today = lambda offset=offset: TODAY + timedelta(days=offset)
        page.reload()
        page.get_by_label("Given on").fill((TODAY + timedelta(days=offset)).isoformat())
        page.get_by_role("button", name="Record session").click()
        expect(page).to_have_url(re.compile(r"#proposals$"))

    proposal = page.locator("#proposals article").first
    expect(proposal).to_contain_text("Dose step up: 0.5 → 0.6 mg/kg")
    expect(page.locator("#current-dose")).to_have_text("0.5 mg/kg")
    proposal.get_by_label("Reason").fill("Well tolerated, no improvement yet.")
    proposal.get_by_role("button", name="Accept").click()
    expect(page.locator("#current-dose")).to_have_text("0.6 mg/kg")
    expect(page.locator("#proposals article").first).to_contain_text("accepted")
    expect(page.locator("#sessions tbody tr").nth(3)).to_contain_text("48 mg")
    browser_log.assert_clean()
