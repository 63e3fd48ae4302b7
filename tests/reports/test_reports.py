"""Reports on real databases: the letter and the progress summary as HTML and PDF, roles, CLI."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.cli import app as cli
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.patients.models import Patient
from ketacare.treatment import events_at_chair, sessions
from ketacare.treatment.session_models import TreatmentSession
from tests.conftest import bearer_for, login, post_form
from tests.treatment.test_chair import PRECHECKS, _checked_in, _consent
from tests.treatment.test_courses import _eligible_patient, _record, _start

TODAY = date.today()
BASELINE_ON = TODAY - timedelta(days=12)
MADRS_LATER = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]  # 9
PHQ9_BASELINE = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16
PHQ9_LATER = [1, 1, 1, 1, 1, 0, 0, 0, 0]  # 5


@dataclass(frozen=True)
class Built:
    patient_id: str
    mrn: str


def _score(
    client: TestClient, headers: dict[str, str], patient_id: str, body: dict[str, Any]
) -> None:
    response = client.post(f"/api/v1/patients/{patient_id}/responses", json=body, headers=headers)
    assert response.status_code == 201, response.text


def _answers(values: list[int]) -> dict[str, int]:
    return {str(n): v for n, v in enumerate(values, start=1)}


def build_patient(
    app: Any,
    client: TestClient,
    physician: User,
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> Built:
    """MADRS 32 -> 9 and PHQ-9 16 -> 5 around two IV sessions of 40 mg, ten and seven days ago."""
    headers = bearer_for(session_factory, settings, physician)
    login(client, physician)
    patient_id = _eligible_patient(client)  # MADRS 32 now: overtaken by the later scores below
    at = f"{BASELINE_ON.isoformat()}T09:00:00+00:00"
    _score(client, headers, patient_id, {"instrument": "madrs", "administered_at": at,
                                         "answers": _answers([4, 4, 4, 4, 2, 4, 4, 2, 4, 0])})  # fmt: skip
    _score(client, headers, patient_id, {"instrument": "phq9", "administered_at": at,
                                         "answers": _answers(PHQ9_BASELINE)})  # fmt: skip
    app.state.today = lambda: TODAY - timedelta(days=10)
    try:
        url = _start(client, patient_id, TODAY - timedelta(days=10))
    finally:
        app.state.today = date.today
    for on in (TODAY - timedelta(days=10), TODAY - timedelta(days=7)):
        assert _record(client, url, on, dose="40").status_code == 303
    _score(client, headers, patient_id, {"instrument": "madrs", "answers": _answers(MADRS_LATER)})
    _score(client, headers, patient_id, {"instrument": "phq9", "answers": _answers(PHQ9_LATER)})
    patient = db.scalars(select(Patient)).one()
    return Built(patient_id, patient.mrn)


@pytest.fixture
def built(
    app: Any,
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> Built:
    return build_patient(app, client, make_user("physician"), session_factory, settings, db)


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _images(reader: PdfReader) -> int:
    """Raster images anywhere in the page resources (nested form XObjects included)."""

    def count(resources: Any) -> int:
        found = 0
        for ref in (resources or {}).get("/XObject", {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                found += 1
            elif xobject.get("/Subtype") == "/Form":
                found += count(xobject.get("/Resources"))
        return found

    return sum(count(page.get("/Resources")) for page in reader.pages)


class TestLetter:
    def test_pdf_holds_the_name_scores_dose_and_page_numbers_with_a_vector_chart(
        self, client: TestClient, built: Built, db: Session
    ) -> None:
        response = client.get(f"/patients/{built.patient_id}/reports/letter.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        reader, text = _text(response.content)
        assert "Ada Lovelace" in text
        assert f"32 ({BASELINE_ON.isoformat()})" in text  # MADRS baseline
        assert f"9 ({TODAY.isoformat()})" in text  # MADRS latest
        assert f"16 ({BASELINE_ON.isoformat()})" in text and f"5 ({TODAY.isoformat()})" in text
        assert "72% reduction" in text  # (32 - 9) / 32
        assert "40 mg" in text
        assert "Page 1 of" in text
        assert "MADRS total" in text  # the chart's axis label is text: the chart is vector
        assert _images(reader) == 0
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "report.letter")).all()
        assert len(events) == 1 and str(events[0].patient_id) == built.patient_id

    def test_the_physicians_plan_is_printed(self, client: TestClient, built: Built) -> None:
        url = f"/patients/{built.patient_id}/reports/letter.pdf"
        plan = "Continue maintenance fortnightly; review lithium level."
        response = post_form(client, url, {"plan": plan})
        assert response.status_code == 200
        assert plan in _text(response.content)[1]

    def test_preview_is_the_same_template_as_html_with_the_form(
        self, client: TestClient, built: Built
    ) -> None:
        page = client.get(f"/patients/{built.patient_id}/reports/letter")
        assert page.status_code == 200
        assert "<svg" in page.text and 'name="plan"' in page.text
        assert f"32 ({BASELINE_ON.isoformat()})" in page.text
        assert 'href="/reports/print.css"' in page.text
        css = client.get("/reports/print.css")
        assert css.status_code == 200 and "@page" in css.text
        chart = client.get(f"/patients/{built.patient_id}").text
        assert f'href="/patients/{built.patient_id}/reports/letter"' in chart


class TestProgress:
    def test_nurse_gets_a_plain_language_pdf(
        self,
        client: TestClient,
        built: Built,
        make_user: Callable[..., User],
        db: Session,
    ) -> None:
        login(client, make_user("nurse"))
        response = client.get(f"/patients/{built.patient_id}/reports/progress.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        text = _text(response.content)[1]
        assert "Ada Lovelace" in text and "Page 1 of" in text
        assert "your score was 32" in text and "Your latest score is 9" in text
        assert "mg" not in text.split("Your questionnaire")[0]  # no doses
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "report.progress")).first()


class TestRoles:
    @pytest.mark.parametrize(
        ("role", "path", "status"),
        [
            ("front_desk", "letter.pdf", 403),
            ("front_desk", "progress.pdf", 403),
            ("front_desk", "letter", 403),
            ("nurse", "letter.pdf", 403),
            ("therapist", "progress", 200),
        ],
    )
    def test_who_may_generate(
        self,
        client: TestClient,
        built: Built,
        make_user: Callable[..., User],
        role: str,
        path: str,
        status: int,
    ) -> None:
        login(client, make_user(role))
        response = client.get(f"/patients/{built.patient_id}/reports/{path}")
        assert response.status_code == status


@pytest.fixture
def run(settings: Settings) -> Callable[..., Result]:
    env = {
        "KETACARE_ENV": "test",
        "KETACARE_DATABASE_URL": settings.database_url,
        "KETACARE_SECRET_KEY": settings.secret_key.get_secret_value(),
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


class TestCli:
    def test_writes_the_letter_and_the_progress_summary(
        self, run: Callable[..., Result], built: Built, tmp_path: Path
    ) -> None:
        for kind in ("letter", "progress"):
            out = tmp_path / f"{kind}.pdf"
            result = run("report", kind, "--patient", built.mrn, "--clinic", "riverside",
                         "--out", str(out))  # fmt: skip
            assert result.exit_code == 0, result.output
            data = out.read_bytes()
            assert data.startswith(b"%PDF")
            assert "Ada Lovelace" in _text(data)[1]

    @pytest.mark.parametrize(
        ("mrn", "slug", "out", "message"),
        [
            ("KC999999", "riverside", "x.pdf", "--patient"),
            (None, "nowhere", "x.pdf", "--clinic"),
            (None, "riverside", "missing/x.pdf", "--out"),
        ],
    )
    def test_bad_input_exits_2(
        self,
        run: Callable[..., Result],
        built: Built,
        tmp_path: Path,
        mrn: str | None,
        slug: str,
        out: str,
        message: str,
    ) -> None:
        target = tmp_path / out
        result = run("report", "letter", "--patient", mrn or built.mrn, "--clinic", slug,
                     "--out", str(target))  # fmt: skip
        assert result.exit_code == 2
        assert message in result.output
        assert not target.exists()


class TestAdverseEventsAtTheChair:
    """Events the nurse records at the chair (through the chair's own service) reach the letter
    with their severity; a voided event does not, nor does it count in the session table."""

    def test_letter_lists_the_chair_events_with_severity_and_not_the_voided_one(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        db: Session,
    ) -> None:
        physician, nurse = make_user("physician"), make_user("nurse")
        login(client, physician)
        patient_id, url = _checked_in(client)
        _consent(client, patient_id)
        assert post_form(client, f"{url}/prechecks", PRECHECKS).status_code == 303
        assert post_form(client, f"{url}/start", {"lot_number": "KX-2211"}).status_code == 303
        chair_id = db.scalars(select(TreatmentSession.id)).one()
        recorded = {}
        with transaction(session_factory) as session:  # the nurse at the chair
            actor = accounts.actor_for(nurse)
            chair = sessions.load(session, actor, chair_id)
            for ae in (
                {"type": "nausea", "severity": "mild", "note": ""},
                {"type": "headache", "severity": "moderate", "note": "eased after 20 min"},
                {"type": "vomiting", "severity": "severe", "note": VOIDED_NOTE},
            ):
                row = events_at_chair.adverse_event(session, actor, chair, ae, utcnow())
                recorded[ae["type"]] = row.id
            events_at_chair.resolve(session, actor, chair, str(recorded["nausea"]), utcnow())
            events_at_chair.void(
                session, actor, chair, str(recorded["vomiting"]), "entered for the wrong patient"
            )
        assert post_form(client, f"{url}/stop", {"reason": "infusion complete"}).status_code == 303
        discharge = {"escort": "on", "reason": "Observed in recovery bay; criteria met there."}
        assert post_form(client, f"{url}/discharge", discharge).status_code == 303

        response = client.get(f"/patients/{patient_id}/reports/letter.pdf")
        assert response.status_code == 200
        text = _text(response.content)[1]
        section = text.split("Adverse events")[-1]
        today = utcnow().date().isoformat()
        assert f"{today} (session 1): nausea, mild, resolved" in section
        assert f"{today} (session 1): headache, moderate (eased after 20 min)" in section
        assert "vomiting" not in text and VOIDED_NOTE not in text
        (row,) = re.findall(r"1 \d{4}-\d\d-\d\d \w+ [\d.]+ mg \w+ (\d+)", text)
        assert row == "2"  # the session table counts the two live events, not the voided one


VOIDED_NOTE = "VOIDED-7c1e-MARKER"
