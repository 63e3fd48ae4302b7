"""``ketacare import fhir`` on real databases: a Bundle and NDJSON of foreign PHQ-9 and GAD-7
QuestionnaireResponses, each imported through the HTTP import's own function, scored, audited
with the named clinician as actor; a refused resource stores nothing and makes the exit status 1."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.interop.fhir.mapping import mrn_system
from ketacare.patients.models import Patient
from ketacare.scales.definitions import load_instruments
from ketacare.scales.models import ScaleResponse
from tests.cli.test_commands import run  # noqa: F401  (the CLI runner fixture)
from tests.consent.helpers import add_patient

LOINC = "http://loinc.org"
LA = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")  # Not at all … Nearly every day = 0 … 3


def _response(
    subject: dict[str, Any], instrument: str, values: list[int], source_id: str
) -> dict[str, Any]:
    """A response as another system writes it: LOINC item codes as linkId, LOINC answer codes."""
    items = load_instruments()[instrument].scored_items
    assert len(items) == len(values)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": source_id,
        "status": "completed",
        "subject": subject,
        "authored": "2026-02-03T10:15:00+00:00",
        "item": [
            {"linkId": item.loinc, "answer": [{"valueCoding": {"system": LOINC, "code": LA[v]}}]}
            for item, v in zip(items, values, strict=True)
        ],
    }


@pytest.fixture
def nurse(make_user: Callable[..., User]) -> User:
    return make_user("nurse", email="chair.nurse@riverside.org")


@pytest.fixture
def subject(
    session_factory: sessionmaker[Session], nurse: User, clinic: Clinic, db: Session
) -> dict[str, Any]:
    patient = db.get(Patient, add_patient(session_factory, nurse))
    assert patient is not None
    return {"identifier": {"system": mrn_system(clinic.id), "value": patient.mrn}}


def _stored(db: Session) -> list[ScaleResponse]:
    return list(db.scalars(select(ScaleResponse).order_by(ScaleResponse.total)))


def _imports(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "fhir.import")))


class TestImportFhir:
    def test_bundle_imports_the_valid_and_refuses_the_invalid(
        self,
        run: Callable[..., Result],  # noqa: F811
        subject: dict[str, Any],
        nurse: User,
        db: Session,
        tmp_path: Path,
    ) -> None:
        valid = _response(subject, "phq9", [2, 2, 1, 1, 0, 0, 1, 0, 0], "ext-1")
        invalid = _response(subject, "phq9", [1] * 9, "ext-2")
        invalid["item"][3]["answer"] = [{"valueCoding": {"system": LOINC, "code": "LA9999-9"}}]
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": valid}, {"resource": invalid}],
        }
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(bundle))
        result = run("import", "fhir", str(path), "--as", nurse.email, "--clinic", "riverside")
        assert result.exit_code == 1, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("imported entry[0] (id ext-1): PHQ-9 total 7")
        assert lines[1].startswith("refused  entry[1] (id ext-2): QuestionnaireResponse.item[3]")
        assert "item 4 (44254-1)" in lines[1]
        assert lines[-1] == "1 imported, 1 refused, 0 skipped"

        (stored,) = _stored(db)  # nothing of the refused response
        assert stored.total == 7 and stored.instrument_id == "phq9" and stored.source == "api"
        assert stored.created_by == nurse.id
        (event,) = _imports(db)
        assert event.actor_user_id == nurse.id and event.resource_id == str(stored.id)
        assert event.details == {"instrument": "phq9", "source_id": "ext-1"}

    def test_ndjson_imports_every_line_and_reports_json(
        self,
        run: Callable[..., Result],  # noqa: F811
        subject: dict[str, Any],
        nurse: User,
        db: Session,
        tmp_path: Path,
    ) -> None:
        resources = [
            _response(subject, "phq9", [3] * 9, "a"),
            {"resourceType": "Patient", "id": "p1"},
            _response(subject, "gad7", [1, 1, 1, 1, 1, 1, 1], "b"),
        ]
        path = tmp_path / "QuestionnaireResponse.ndjson"
        path.write_text("\n".join(json.dumps(r) for r in resources) + "\n\n")
        result = run("import", "fhir", str(path), "--as", nurse.email, "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["counts"] == {"imported": 2, "refused": 0, "skipped": 1}
        outcomes = {o["where"]: o for o in body["resources"]}
        assert outcomes["line 1"]["total"] == 27 and outcomes["line 1"]["severity"]
        assert outcomes["line 2"]["status"] == "skipped"
        assert outcomes["line 3"]["instrument"] == "gad7" and outcomes["line 3"]["total"] == 7
        stored = {r.instrument_id: r for r in _stored(db)}
        assert stored["phq9"].total == 27 and stored["gad7"].total == 7
        assert str(stored["phq9"].id) == outcomes["line 1"]["response_id"]
        assert sorted(e.details["source_id"] for e in _imports(db)) == ["a", "b"]
        assert {e.actor_user_id for e in _imports(db)} == {nurse.id}

    def test_a_bad_ndjson_line_is_refused_and_the_rest_imported(
        self,
        run: Callable[..., Result],  # noqa: F811
        subject: dict[str, Any],
        nurse: User,
        db: Session,
        tmp_path: Path,
    ) -> None:
        nobody = {"reference": f"Patient/{uuid.uuid4()}"}
        lines = [
            json.dumps(_response(subject, "phq9", [0] * 9, "ok")),
            "{not json",
            json.dumps(_response(nobody, "phq9", [0] * 9, "nobody")),
        ]
        path = tmp_path / "mixed.ndjson"
        path.write_text("\n".join(lines))
        result = run("import", "fhir", str(path), "--as", nurse.email)
        assert result.exit_code == 1, result.output
        assert "refused  line 2: line 2: not JSON" in result.stdout
        assert "refused  line 3 (id nobody): QuestionnaireResponse.subject" in result.stdout
        assert [r.total for r in _stored(db)] == [0]
        assert len(_imports(db)) == 1

    @pytest.mark.parametrize(
        ("case", "message"),
        [
            ("therapist", "--as: must be one of the roles physician, nurse, not therapist"),
            ("unknown", "--as: no user with e-mail nobody@riverside.org"),
            ("disabled", "--as: chair.nurse@riverside.org is disabled"),
            ("other-clinic", "is not a member of elsewhere"),
            ("no-clinic", "--clinic: no clinic 'nowhere'"),
            ("searchset", "Bundle.type: must be one of collection, transaction, batch"),
            ("not-json", "is neither a JSON resource nor NDJSON"),
            ("missing", "is not a readable file"),
        ],
    )
    def test_bad_input_exits_2_and_stores_nothing(
        self,
        run: Callable[..., Result],  # noqa: F811
        subject: dict[str, Any],
        nurse: User,
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
        db: Session,
        tmp_path: Path,
        case: str,
        message: str,
    ) -> None:
        path = tmp_path / "one.json"
        resource = _response(subject, "phq9", [1] * 9, "x")
        path.write_text(json.dumps(resource))
        args = ["--as", nurse.email]
        if case == "therapist":
            args = ["--as", make_user("therapist").email]
        elif case == "unknown":
            args = ["--as", "nobody@riverside.org"]
        elif case == "disabled":
            db.execute(update(User).where(User.id == nurse.id).values(is_active=False))
            db.commit()
        elif case == "other-clinic":
            make_clinic("elsewhere")
            args += ["--clinic", "elsewhere"]
        elif case == "no-clinic":
            args += ["--clinic", "nowhere"]
        elif case == "searchset":
            path.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset"}))
        elif case == "not-json":
            path.write_text("PHQ-9,1,1,1\n")
        elif case == "missing":
            path = tmp_path / "absent.json"
        result = run("import", "fhir", str(path), *args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert db.scalar(select(func.count()).select_from(ScaleResponse)) == 0
        assert _imports(db) == []
