"""Courses on real databases: start from a signed assessment, doses on the plan, sessions,
decision-point proposals and the physician's decisions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.treatment.models import Course, CourseProposal, CourseSession
from tests.conftest import bearer_for, login, post_form
from tests.eligibility.test_assessment import SIGN, _ready_patient
from tests.scales.test_entry_and_api import MADRS_32

TODAY = date.today()


def _weigh(client: TestClient, patient_id: str, kg: str = "80", cm: str = "175") -> None:
    url = f"/patients/{patient_id}/measurements"
    response = post_form(client, url, {"weight_kg": kg, "height_cm": cm})
    assert response.status_code == 303, response.text


def _iv_protocol_id(client: TestClient, patient_id: str) -> str:
    page = client.get(f"/patients/{patient_id}/courses").text
    match = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>IV racemic ketamine', page)
    assert match, page
    return match.group(1)


def _eligible_patient(client: TestClient) -> str:
    patient_id = _ready_patient(client)
    _weigh(client, patient_id)
    iv = {**SIGN, "treatment": "iv_ketamine", "pregnancy_status": "not_applicable"}
    assert post_form(client, f"/patients/{patient_id}/eligibility", iv).status_code == 303
    return patient_id


def _start(client: TestClient, patient_id: str, first_on: date = TODAY) -> str:
    form = {"protocol": _iv_protocol_id(client, patient_id), "first_on": first_on.isoformat()}
    response = post_form(client, f"/patients/{patient_id}/courses", form)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _record(client: TestClient, url: str, on: date, dose: str = "40") -> Any:
    form = {"completed_on": on.isoformat(), "dose_given_mg": dose, "tolerated": "on"}
    return post_form(client, f"{url}/sessions", form)


class TestStart:
    def test_needs_a_signed_assessment(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        form = {"protocol": _iv_protocol_id(client, patient_id), "first_on": TODAY.isoformat()}
        refused = post_form(client, f"/patients/{patient_id}/courses", form)
        assert refused.status_code == 422
        assert "needs a signed eligibility assessment for IV ketamine" in refused.text
        assert db.scalars(select(Course)).first() is None

    def test_plan_lays_out_six_sessions_with_doses_and_formulas(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _eligible_patient(client)
        url = _start(client, patient_id)
        page = client.get(url).text
        sessions = db.scalars(select(CourseSession).order_by(CourseSession.number)).all()
        assert [s.planned_on - TODAY for s in sessions] == [
            timedelta(days=d) for d in (0, 3, 7, 10, 14, 17)
        ]
        # 0.5 mg/kg x 80 kg = 40 mg; 40 / 10 mg/mL = 4 mL; 104 mL over 40 min = 156 mL/h.
        assert "<strong>40 mg</strong> · draw 4 mL · 156 mL/h" in page
        assert "0.5 mg/kg x 80.0 kg = 40.00 mg" in page
        assert "104 mL / 40 min x 60" in page
        assert 'id="current-dose">0.5 mg/kg<' in page
        # The weight is 0 days old now but over 30 days old by the 6th session? No: 17 days.
        assert "weigh the patient" not in page

    def test_a_stale_assessment_blocks_the_start(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _eligible_patient(client)
        med = {
            "drug_name": "lorazepam",
            "dose_amount": "1",
            "dose_unit": "mg",
            "frequency": "at night",
            "started_on": TODAY.isoformat(),
        }
        assert post_form(client, f"/patients/{patient_id}/medications", med).status_code == 303
        form = {"protocol": _iv_protocol_id(client, patient_id), "first_on": TODAY.isoformat()}
        refused = post_form(client, f"/patients/{patient_id}/courses", form)
        assert refused.status_code == 422 and "out of date" in refused.text


class TestDecisionPoints:
    def test_little_improvement_after_three_sessions_proposes_a_step_that_only_applies_when_accepted(
        self,
        app: Any,
        client: TestClient,
        make_user: Callable[..., User],
        db: Session,
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id = _eligible_patient(client)
        headers = bearer_for(session_factory, settings, physician)
        # A baseline two days before the course (the MADRS on the assessment day is later).
        two_days_ago = datetime.now(UTC) - timedelta(days=2)
        answers = {k.removeprefix("item-"): v for k, v in MADRS_32.items()}
        body = {
            "instrument": "madrs",
            "answers": answers,
            "administered_at": two_days_ago.isoformat(),
        }
        client.post(
            f"/api/v1/patients/{patient_id}/responses", json=body, headers=headers
        ).raise_for_status()
        url = _start(client, patient_id)
        assert _record(client, url, TODAY).status_code == 303
        too_soon = _record(client, url, TODAY + timedelta(days=1))
        assert too_soon.status_code == 422 and "future" in too_soon.text
        app.state.today = lambda: TODAY + timedelta(days=1)
        close = _record(client, url, TODAY + timedelta(days=1))
        assert (
            close.status_code == 422 and "at least 2 days after the previous session" in close.text
        )
        app.state.today = lambda: TODAY + timedelta(days=3)
        assert _record(client, url, TODAY + timedelta(days=3)).status_code == 303
        app.state.today = lambda: TODAY + timedelta(days=6)
        assert _record(client, url, TODAY + timedelta(days=6)).status_code == 303
        proposal = db.scalars(select(CourseProposal)).one()
        # Baseline 32 two days before; the assessment-day MADRS (32) is the latest: 0% improvement.
        assert (proposal.kind, proposal.from_dose, proposal.to_dose) == ("dose_step_up", 0.5, 0.6)
        assert proposal.improvement_pct == 0
        page = client.get(url).text
        assert 'id="current-dose">0.5 mg/kg<' in page  # proposed, not applied
        decision = f"{url}/proposals/{proposal.id}"
        missing = post_form(client, decision, {"decision": "accept", "reason": ""})
        assert missing.status_code == 422 and "say why" in missing.text
        accepted = post_form(client, decision, {"decision": "accept", "reason": "Tolerated well."})
        assert accepted.status_code == 303
        page = client.get(url).text
        assert 'id="current-dose">0.6 mg/kg<' in page
        assert "<strong>48 mg</strong>" in page  # 0.6 x 80
        again = post_form(client, decision, {"decision": "decline", "reason": "changed my mind"})
        assert again.status_code == 422 and "already accepted" in again.text
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"course.start", "course_session.complete", "course_proposal.create",
                "course_proposal.accepted"} <= actions  # fmt: skip

    def test_nurses_record_sessions_but_only_physicians_decide(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        new_client: Callable[[], TestClient],
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _eligible_patient(client)
        url = _start(client, patient_id)
        nurse = new_client()
        login(nurse, make_user("nurse"))
        assert _record(nurse, url, TODAY).status_code == 303
        assert post_form(nurse, f"/patients/{patient_id}/courses", {}).status_code == 403


class TestApi:
    def test_start_read_and_record_through_the_api(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id = _eligible_patient(client)
        headers = bearer_for(session_factory, settings, physician)
        protocols = client.get("/api/v1/protocols", headers=headers).json()
        iv = next(p for p in protocols if p["key"] == "iv_ketamine_literature")
        assert iv["protocol"]["dose"]["start_mg_per_kg"] == 0.5
        body = {"protocol_version_id": iv["id"], "first_on": TODAY.isoformat()}
        created = client.post(f"/api/v1/patients/{patient_id}/courses", json=body, headers=headers)
        assert created.status_code == 201, created.text
        plan = created.json()
        assert plan["current_dose"] == 0.5 and plan["dose_unit"] == "mg/kg"
        first = plan["sessions"][0]
        assert first["planned_dose_mg"] == 40
        assert {f["label"] for f in first["figures"]} >= {"Dose", "Draw up", "Pump rate"}
        url = f"/api/v1/patients/{patient_id}/courses/{plan['id']}/sessions"
        bad = client.post(
            url,
            json={"completed_on": TODAY.isoformat(), "dose_given_mg": -1, "tolerated": True},
            headers=headers,
        )
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "dose_given_mg"
        done = client.post(
            url,
            json={"completed_on": TODAY.isoformat(), "dose_given_mg": 40, "tolerated": True},
            headers=headers,
        )
        assert done.status_code == 200 and done.json()["sessions"][0]["status"] == "completed"
        # The given session is a marker on the score chart and anchors the outcome's baseline.
        assert "1 treatment sessions marked" in client.get(f"/patients/{patient_id}/scales").text
        outcomes = client.get(f"/api/v1/patients/{patient_id}/outcomes", headers=headers).json()
        madrs = next(o for o in outcomes if o["instrument"] == "madrs")
        assert madrs["baseline_source"] == "last score before the first treatment"


class TestNextPhase:
    def test_a_responder_is_offered_maintenance_and_accepting_plans_it(
        self,
        app: Any,
        client: TestClient,
        make_user: Callable[..., User],
        db: Session,
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id = _eligible_patient(client)
        headers = bearer_for(session_factory, settings, physician)
        url_scores = f"/api/v1/patients/{patient_id}/responses"
        earlier = (datetime.now(UTC) - timedelta(days=2)).isoformat()
        high = {k.removeprefix("item-"): v for k, v in MADRS_32.items()}
        low = dict.fromkeys(high, 1) | {"10": 0}  # MADRS 9: a 72% reduction
        for answers, when in ((high, earlier), (low, datetime.now(UTC).isoformat())):
            body = {"instrument": "madrs", "answers": answers, "administered_at": when}
            client.post(url_scores, json=body, headers=headers).raise_for_status()
        url = _start(client, patient_id)
        for offset in (0, 3, 7, 10, 14, 17):
            app.state.today = lambda offset=offset: TODAY + timedelta(days=offset)
            assert _record(client, url, TODAY + timedelta(days=offset)).status_code == 303
        proposal = db.scalars(select(CourseProposal)).one()  # no step-up at session 3
        assert proposal.kind == "start_next_phase" and round(proposal.improvement_pct or 0) == 72
        decision = {"decision": "accept", "reason": "Responder; patient wants maintenance."}
        assert post_form(client, f"{url}/proposals/{proposal.id}", decision).status_code == 303
        planned = db.scalars(
            select(CourseSession).where(CourseSession.phase == "maintenance")
        ).all()
        assert len(planned) == 6
        assert planned[0].planned_on == TODAY + timedelta(days=17 + 28)
        assert 'id="phase">maintenance<' in client.get(url).text


def test_a_medication_change_flags_the_next_planned_session(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    login(client, make_user("physician"))
    patient_id = _eligible_patient(client)
    url = _start(client, patient_id)
    assert 'id="next-session-flag"' not in client.get(url).text
    opioid = {
        "drug_name": "tramadol",
        "dose_amount": "50",
        "dose_unit": "mg",
        "frequency": "twice daily",
        "started_on": TODAY.isoformat(),
    }
    assert post_form(client, f"/patients/{patient_id}/medications", opioid).status_code == 303
    flag = re.search(r'id="next-session-flag".*?</div>', client.get(url).text, re.S)
    assert flag and "new: tramadol 50 mg twice daily" in flag.group(0)
    assert "opioid" in flag.group(0)
