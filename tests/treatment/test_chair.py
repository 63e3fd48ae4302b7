"""A session at the chair on real databases: gates, dosing timeline, readings with thresholds,
idempotent device readings, discharge and the signed note."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.treatment.models import CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading
from tests.conftest import bearer_for, login, post_form
from tests.eligibility.test_assessment import SIGN, _ready_patient
from tests.treatment.test_courses import _eligible_patient, _start, _weigh

PRECHECKS = {
    "identity": "on",
    "fasted": "on",
    "escort": "on",
    "pregnancy_negative": "on",
    "systolic_mmhg": "128",
    "diastolic_mmhg": "82",
    "heart_rate_bpm": "72",
    "spo2_pct": "98",
}


def _checked_in(client: TestClient) -> tuple[str, str]:
    patient_id = _eligible_patient(client)
    course_url = _start(client, patient_id)
    response = post_form(client, f"{course_url}/check-in", {})
    assert response.status_code == 303, response.text
    return patient_id, str(response.headers["location"])


def _consent(client: TestClient, patient_id: str, treatment: str = "iv_ketamine") -> None:
    page = client.get(f"/patients/{patient_id}/consent/{treatment}/sign").text
    document = re.search(r'name="document_id" value="([^"]+)"', page)
    assert document, page
    form = {
        "document_id": document.group(1),
        "typed_name": "Ada Lovelace",
        "signed_on": datetime.now(UTC).date().isoformat(),
        "staff_confirmed": "on",
    }
    response = post_form(client, f"/patients/{patient_id}/consent/{treatment}/sign", form)
    assert response.status_code == 303, response.text


class TestGates:
    def test_missing_consent_blocks_until_a_physician_overrides_with_a_reason(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        _, url = _checked_in(client)
        blocked = post_form(client, f"{url}/prechecks", PRECHECKS)
        assert blocked.status_code == 200 and "✗ <strong>Consent</strong>" in blocked.text
        row = db.scalars(select(TreatmentSession)).one()
        assert row.state == "checked_in"
        reason = "Consent signed on paper this morning; scanning later."
        passed = post_form(client, f"{url}/prechecks", {**PRECHECKS, "reason": reason})
        assert passed.status_code == 303
        db.refresh(row)
        assert row.state == "prechecked"
        override = db.scalars(
            select(SessionEvent).where(SessionEvent.kind == "complete_prechecks")
        ).one()
        assert override.reason == reason and override.detail["overridden"] == ["Consent"]

    def test_high_blood_pressure_fails_the_start_gate(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("physician"))
        patient_id, url = _checked_in(client)
        _consent(client, patient_id)
        page = post_form(client, f"{url}/prechecks", {**PRECHECKS, "systolic_mmhg": "152"}).text
        assert "✗ <strong>Blood pressure</strong>: 152/82 mmHg" in page


class TestWholeSession:
    def test_from_check_in_to_signed_note(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id, url = _checked_in(client)
        _consent(client, patient_id)
        assert post_form(client, f"{url}/prechecks", PRECHECKS).status_code == 303
        no_lot = post_form(client, f"{url}/start", {"lot_number": ""})
        assert no_lot.status_code == 422 and "lot_number" in no_lot.text
        assert post_form(client, f"{url}/start", {"lot_number": "KX-2211"}).status_code == 303
        paused = post_form(client, f"{url}/pause", {"reason": ""})
        assert paused.status_code == 422 and "is required to pause" in paused.text
        reading = {"systolic_mmhg": "186", "diastolic_mmhg": "100", "heart_rate_bpm": "90"}
        unconfirmed = post_form(client, f"{url}/vitals", reading)
        assert unconfirmed.status_code == 422 and "then confirm it" in unconfirmed.text
        assert 'value="186"' in unconfirmed.text  # the values stay in the form
        assert post_form(client, f"{url}/vitals", {**reading, "confirm": "on"}).status_code == 303
        ae = {"type": "nausea", "severity": "mild", "note": "after 30 min"}
        assert post_form(client, f"{url}/ae", ae).status_code == 303
        bad_ae = post_form(client, f"{url}/ae", {"type": "nausea", "severity": "awful"})
        assert bad_ae.status_code == 422 and "severity" in bad_ae.text
        rescue = {"drug": "ondansetrn", "dose": "4", "unit": "mg", "route": "iv"}
        unknown = post_form(client, f"{url}/rescue", rescue)
        assert unknown.status_code == 422 and "did you mean ondansetron" in unknown.text
        assert (
            post_form(client, f"{url}/rescue", {**rescue, "drug": "ondansetron"}).status_code == 303
        )
        stored = db.scalars(select(VitalReading).order_by(VitalReading.measured_at)).all()[-1]
        assert [a["action"] for a in stored.alerts] == ["pause_advised", "notify"]
        page = client.get(url).text
        assert "pause advised: systolic mmhg 186" in page
        assert "<strong>nausea</strong> (mild)" in page and "ondansetron 4.0 mg iv" in page
        response = {"reading": str(stored.id), "response": "Paused 5 min, rechecked 158/92."}
        assert post_form(client, f"{url}/respond", response).status_code == 303
        assert post_form(client, f"{url}/stop", {"reason": "infusion complete"}).status_code == 303
        row = db.scalars(select(TreatmentSession)).one()
        db.refresh(row)
        assert row.state == "observation"
        unmet = post_form(client, f"{url}/discharge", {"escort": "on"})
        assert unmet.status_code == 200 and "Not yet" in unmet.text
        assert post_form(client, f"{url}/sign", {"note": "too early"}).status_code == 422
        override = {"escort": "on", "reason": "Observed in recovery bay; criteria met there."}
        assert post_form(client, f"{url}/discharge", override).status_code == 303
        db.refresh(row)
        assert row.state == "discharged"
        planned = db.scalars(select(CourseSession).where(CourseSession.number == 1)).one()
        db.refresh(planned)
        assert planned.status == "completed" and planned.dose_given_mg is not None
        note = {"note": "Uneventful apart from a transient BP rise at 40 min."}
        assert post_form(client, f"{url}/sign", note).status_code == 303
        locked = post_form(client, f"{url}/cancel", {"reason": "changing my mind"})
        assert locked.status_code == 422 and "signed and locked" in locked.text
        assert (
            post_form(client, f"{url}/addendum", {"text": "Patient called: well."}).status_code
            == 303
        )
        assert "addendum: Patient called: well." in client.get(url).text.replace(" — ", ": ")


class TestDeviceReadings:
    def test_retries_never_record_twice_even_concurrently(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
        new_client: Callable[[], TestClient],
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        patient_id, url = _checked_in(client)
        _consent(client, patient_id)
        post_form(client, f"{url}/prechecks", PRECHECKS)
        post_form(client, f"{url}/start", {"lot_number": "KX-1"})
        session_id = url.rsplit("/", 1)[1]
        headers = bearer_for(session_factory, settings, physician)
        at = datetime.now(UTC).isoformat()
        body = {
            "device": "monitor-3",
            "measured_at": at,
            "systolic_mmhg": 132,
            "diastolic_mmhg": 84,
        }
        api = f"/api/v1/sessions/{session_id}/vitals"
        statuses: list[int] = []

        def post() -> None:
            response = new_client().post(api, json=body, headers=headers)
            statuses.append(response.status_code)
            bodies.append(response.text)

        bodies: list[str] = []

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200, 200, 201], bodies
        count = db.scalar(
            select(func.count()).select_from(VitalReading).where(VitalReading.device == "monitor-3")
        )
        assert count == 1
        conflict = client.post(api, json={**body, "systolic_mmhg": 150}, headers=headers)
        assert conflict.status_code == 422

    def test_impossible_values_are_refused_naming_the_field(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        physician = make_user("physician")
        login(client, physician)
        _, url = _checked_in(client)
        session_id = url.rsplit("/", 1)[1]
        headers = bearer_for(session_factory, settings, physician)
        api = f"/api/v1/sessions/{session_id}/vitals"
        now = datetime.now(UTC)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"systolic_mmhg": 20, "diastolic_mmhg": 10}, "systolic_mmhg"),
            ({"systolic_mmhg": 400}, "systolic_mmhg"),
            ({"spo2_pct": 101}, "spo2_pct"),
        ]
        for values, field in cases:
            body = {"device": "m", "measured_at": now.isoformat(), **values}
            refused = client.post(api, json=body, headers=headers)
            assert refused.status_code == 422, values
            assert field in {p["field"] for p in refused.json()["detail"]}
        future = {
            "device": "m",
            "measured_at": (now + timedelta(hours=1)).isoformat(),
            "heart_rate_bpm": 70,
        }
        assert client.post(api, json=future, headers=headers).status_code == 422
        before = {
            "device": "m",
            "measured_at": (now - timedelta(days=1)).isoformat(),
            "heart_rate_bpm": 70,
        }
        assert "before check-in" in client.post(api, json=before, headers=headers).text


def test_room_board_lists_every_active_chair(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    login(client, make_user("physician"))
    _checked_in(client)
    _checked_in(client)
    board = client.get("/chair").text
    assert board.count('class="state-checked_in"') == 2
    assert 'http-equiv="refresh"' in board


class TestRems:
    def test_esketamine_session_fills_the_form_and_the_worklist_tracks_it(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        login(client, make_user("physician"))
        patient_id = _ready_patient(client)
        _weigh(client, patient_id)
        assert post_form(client, f"/patients/{patient_id}/eligibility", SIGN).status_code == 303
        page = client.get(f"/patients/{patient_id}/courses").text
        protocol = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Esketamine', page)
        assert protocol
        today = datetime.now(UTC).date().isoformat()
        form = {"protocol": protocol.group(1), "first_on": today}
        course_url = post_form(client, f"/patients/{patient_id}/courses", form).headers["location"]
        url = post_form(client, f"{course_url}/check-in", {}).headers["location"]
        session_row = db.scalars(select(TreatmentSession)).one()
        assert (session_row.ordered_dose_mg, session_row.devices_ordered) == (56, 2)
        _consent(client, patient_id, "esketamine")
        assert post_form(client, f"{url}/prechecks", PRECHECKS).status_code == 303
        assert post_form(client, f"{url}/start", {"lot_number": "ESK-77"}).status_code == 303
        for _ in range(2):
            assert post_form(client, f"{url}/device", {}).status_code == 303
        third = post_form(client, f"{url}/device", {})
        assert third.status_code == 422 and "all 2 devices are recorded" in third.text
        assert post_form(client, f"{url}/end", {}).status_code == 303
        done = {"escort": "on", "reason": "Testing the form: observation recorded on paper."}
        assert post_form(client, f"{url}/discharge", done).status_code == 303
        form_page = client.get(f"{url}/rems").text
        assert "ESK-77" in form_page and "Lovelace" in form_page and "UNCONFIRMED" in form_page
        csv_text = client.get(f"{url}/rems?format=csv").text
        assert csv_text.startswith("section,field,value") and "ESK-77" in csv_text
        worklist = client.get("/").text
        assert 'id="rems-due"' in worklist and "Lovelace, Ada" in worklist.split('id="rems-due"')[1]
        marked = post_form(client, f"{url}/rems", {"reference": "PMF-123456"})
        assert marked.status_code == 303
        assert "No Patient Monitoring Form is waiting" in client.get("/").text


def test_an_out_of_date_assessment_flags_the_session(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    login(client, make_user("physician"))
    patient_id, url = _checked_in(client)
    assert 'id="eligibility-flag"' not in client.get(url).text
    med = {
        "drug_name": "clonazepam",
        "dose_amount": "0.5",
        "dose_unit": "mg",
        "frequency": "at night",
        "started_on": datetime.now(UTC).date().isoformat(),
    }
    assert post_form(client, f"/patients/{patient_id}/medications", med).status_code == 303
    page = client.get(url).text
    assert 'id="eligibility-flag"' in page and "new: clonazepam 0.5 mg at night" in page
    assert "now find" in page and "holding the benzodiazepine" in page  # the rules ran again
    gates = post_form(client, f"{url}/prechecks", PRECHECKS).text
    assert (
        "✗ <strong>Eligibility</strong>" in gates
        and "✗ <strong>Medication hold</strong>" not in gates
        and "rules now find interaction: Benzodiazepine" in gates
    )


STEPS = (
    "prechecks", "order", "start", "pause", "resume", "rate_change", "stop", "end", "vitals",
    "ae", "rescue", "device", "discharge", "cancel", "sign", "rems", "respond",
)  # fmt: skip


def test_a_signed_session_cannot_change_by_any_step(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("physician"))
    _, url = _checked_in(client)
    assert (
        post_form(client, f"{url}/cancel", {"reason": "Patient unwell today."}).status_code == 303
    )
    assert post_form(client, f"{url}/sign", {"note": "Cancelled before dosing."}).status_code == 303
    row = db.scalars(select(TreatmentSession)).one()
    db.refresh(row)
    before = (row.state, row.signed_at, row.note, row.lot_number, row.dosing_started_at)
    events = db.scalar(select(func.count()).select_from(SessionEvent))
    every_field = {**PRECHECKS, "lot_number": "X-1", "reason": "because", "note": "a new note",
                   "type": "nausea", "severity": "mild", "drug": "ondansetron", "dose": "4",
                   "rate_ml_per_h": "50", "reference": "PMF-1", "response": "done", "confirm": "on",
                   "escort": "on"}  # fmt: skip
    for step in STEPS:
        response = post_form(client, f"{url}/{step}", every_field)
        assert response.status_code == 422, step
    db.refresh(row)
    assert (row.state, row.signed_at, row.note, row.lot_number, row.dosing_started_at) == before
    assert db.scalar(select(func.count()).select_from(SessionEvent)) == events
    assert post_form(client, f"{url}/addendum", {"text": "Rebooked for Friday."}).status_code == 303
