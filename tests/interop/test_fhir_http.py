"""The FHIR R4 endpoint at /fhir/R4 on real databases: CapabilityStatement, Bulk Data $export
(kick-off, status, the worker's run, manifest, files), read by id, and QuestionnaireResponse import
(a PHQ-9 round-trips export → import with the same total). Every resource is validated with the
fhir.resources R4B models."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.interop.fhir import bulk
from ketacare.interop.fhir import export as fhir_export
from ketacare.interop.fhir.mapping import mrn_system
from ketacare.interop.fhir.models import FhirExportJob
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.patients.models import Patient
from ketacare.scales.definitions import load_instruments
from ketacare.scales.models import SafetyAlert, ScaleResponse
from ketacare.treatment.models import CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading
from tests.conftest import Mailbox, bearer_for, login, make_settings, post_form
from tests.consent.helpers import add_patient
from tests.interop.test_fhir_export import SERTRALINE, _world

FHIR = "/fhir/R4"
ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def settings(database_url: str, smtp_server: tuple[Mailbox, int], tmp_path: Path) -> Settings:
    """As the suite's, with the data folder (export files) in this test's own directory."""
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server[1],
        data_dir=tmp_path / "data",
    )


def _valid(resource: dict[str, Any]) -> dict[str, Any]:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _outcome(response: Any, status: int) -> str:
    """The response is an OperationOutcome with this status; returns its text for matching."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = _valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return json.dumps(body)


def _run_worker(factory: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    return bulk.run_due(factory, settings, load_instruments())


def _audits(db: Session, action: str) -> int:
    return int(db.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


@pytest.fixture
def physician(make_user: Callable[..., User]) -> User:
    return make_user("physician")


@pytest.fixture
def world(client: TestClient, physician: User, db: Session) -> dict[str, Any]:
    login(client, physician)
    return _world(client, db)


@pytest.fixture
def token(
    session_factory: sessionmaker[Session], settings: Settings, physician: User
) -> dict[str, str]:
    return bearer_for(session_factory, settings, physician)


@pytest.fixture
def api(new_client: Callable[[], TestClient]) -> TestClient:
    """A client with no browser session: only the Bearer token it sends."""
    return new_client()


class TestMetadata:
    def test_capability_statement_is_public_and_valid(self, api: TestClient) -> None:
        response = api.get(f"{FHIR}/metadata")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        body = _valid(response.json())
        assert body["fhirVersion"] == "4.0.1"
        resources = {r["type"]: r for r in body["rest"][0]["resource"]}
        assert set(resources) == set(fhir_export.RESOURCE_TYPES) | {"Questionnaire"}
        assert all({"code": "read"} in r["interaction"] for r in resources.values())
        assert body["rest"][0]["operation"][0]["name"] == "export"
        assert "ndjson" in body["format"]

    def test_unknown_route_and_no_credentials_are_operation_outcomes(self, api: TestClient) -> None:
        _outcome(api.get(f"{FHIR}/Patient"), 404)
        text = _outcome(api.get(f"{FHIR}/Patient/{uuid.uuid4()}"), 401)
        assert "authentication required" in text


class TestBulkExport:
    def test_kick_off_without_prefer_is_refused(
        self, api: TestClient, token: dict[str, str]
    ) -> None:
        assert "respond-async" in _outcome(api.get(f"{FHIR}/$export", headers=token), 400)

    def test_kick_off_status_run_manifest_and_every_file(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
        clinic: Clinic,
    ) -> None:
        kicked = api.get(f"{FHIR}/$export", headers=token | ASYNC)
        assert kicked.status_code == 202, kicked.text
        status_url = kicked.headers["content-location"]
        assert "/fhir/R4/$export-status/" in status_url
        pending = api.get(status_url, headers=token)
        assert pending.status_code == 202 and pending.headers["x-progress"] == "queued"

        assert _run_worker(session_factory, settings) == {"done": 1}
        assert _run_worker(session_factory, settings) == {}  # nothing queued any more

        done = api.get(status_url, headers=token)
        assert done.status_code == 200, done.text
        manifest = done.json()
        assert manifest["requiresAccessToken"] is True and manifest["error"] == []
        assert manifest["request"].endswith("/fhir/R4/$export")
        assert manifest["transactionTime"]
        types = [entry["type"] for entry in manifest["output"]]
        assert set(types) == set(fhir_export.RESOURCE_TYPES)
        for entry in manifest["output"]:
            file = api.get(entry["url"], headers=token)
            assert file.status_code == 200, file.text
            assert file.headers["content-type"].startswith("application/fhir+ndjson")
            lines = file.text.splitlines()
            assert len(lines) == entry["count"] > 0
            for line in lines:
                assert _valid(json.loads(line))["resourceType"] == entry["type"]
        assert _audits(db, "fhir.export.kickoff") == 1
        assert _audits(db, "fhir.export.download") == len(types)
        assert _audits(db, "fhir.export") == 1
        job = db.scalars(select(FhirExportJob)).one()
        assert job.status == "done" and job.clinic_id == clinic.id
        assert (settings.data_dir / "fhir-export" / str(job.id) / "Patient.ndjson").is_file()

    def test_another_clinic_and_other_roles_are_kept_out(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        status_url = api.get(f"{FHIR}/$export", headers=token | ASYNC).headers["content-location"]
        _run_worker(session_factory, settings)
        file_url = api.get(status_url, headers=token).json()["output"][0]["url"]
        stranger = bearer_for(
            session_factory, settings, make_user("physician", make_clinic("elsewhere"))
        )
        _outcome(api.get(status_url, headers=stranger), 404)
        _outcome(api.get(file_url, headers=stranger), 404)
        _outcome(api.delete(status_url, headers=stranger), 404)
        nurse = bearer_for(session_factory, settings, make_user("nurse"))
        _outcome(api.get(f"{FHIR}/$export", headers=nurse | ASYNC), 403)
        _outcome(api.get(file_url, headers=nurse), 403)
        assert api.get(file_url, headers=token).status_code == 200
        _outcome(api.get(file_url.replace(".ndjson", ".json"), headers=token), 404)

    def test_type_filter_and_cancel(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
    ) -> None:
        bad = api.get(f"{FHIR}/$export?_type=Patient,Condition", headers=token | ASYNC)
        assert "Condition" in _outcome(bad, 400)
        wanted = api.get(f"{FHIR}/$export?_type=Patient,Observation", headers=token | ASYNC)
        cancelled = api.get(f"{FHIR}/$export", headers=token | ASYNC)
        assert api.delete(cancelled.headers["content-location"], headers=token).status_code == 202
        _outcome(api.get(cancelled.headers["content-location"], headers=token), 404)
        assert _run_worker(session_factory, settings) == {"done": 1}
        manifest = api.get(wanted.headers["content-location"], headers=token).json()
        assert {entry["type"] for entry in manifest["output"]} == {"Patient", "Observation"}
        statuses = sorted(job.status for job in db.scalars(select(FhirExportJob)))
        assert statuses == ["cancelled", "done"]
        assert _audits(db, "fhir.export.cancel") == 1

    def test_a_job_left_running_by_a_crashed_worker_runs_again(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        from datetime import timedelta

        from ketacare.kit.db.types import utcnow

        url = api.get(f"{FHIR}/$export", headers=token | ASYNC).headers["content-location"]
        with transaction(session_factory) as session:
            job = session.scalars(select(FhirExportJob)).one()
            job.status, job.started_at = "running", utcnow() - timedelta(hours=1)
        assert api.get(url, headers=token).headers["x-progress"] == "running"
        assert _run_worker(session_factory, settings) == {"done": 1}
        assert api.get(url, headers=token).status_code == 200


class TestRead:
    def test_each_type_reads_by_id_as_exported(
        self,
        api: TestClient,
        world: dict[str, Any],
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
        clinic: Clinic,
        tmp_path: Path,
        db: Session,
    ) -> None:
        with transaction(session_factory) as session:
            fhir_export.export_clinic(session, clinic.id, tmp_path / "x", load_instruments())
        nurse = bearer_for(session_factory, settings, make_user("nurse"))
        for kind in fhir_export.RESOURCE_TYPES:
            lines = (tmp_path / "x" / f"{kind}.ndjson").read_text().splitlines()
            for expected in (json.loads(line) for line in lines):
                response = api.get(f"{FHIR}/{kind}/{expected['id']}", headers=nurse)
                assert response.status_code == 200, (kind, response.text)
                assert _valid(response.json()) == expected
        assert _audits(db, "fhir.read") > len(fhir_export.RESOURCE_TYPES)
        _outcome(api.get(f"{FHIR}/Patient/{uuid.uuid4()}", headers=nurse), 404)
        _outcome(api.get(f"{FHIR}/Patient/not-a-uuid", headers=nurse), 404)
        _outcome(api.get(f"{FHIR}/Observation/{uuid.uuid4()}-bp", headers=nurse), 404)
        _outcome(api.get(f"{FHIR}/Condition/{world['patient_id']}", headers=nurse), 404)
        _outcome(api.get(f"{FHIR}/MedicationStatement/{world['voided_med']}", headers=nurse), 404)
        desk = bearer_for(session_factory, settings, make_user("front_desk"))
        _outcome(api.get(f"{FHIR}/Patient/{world['patient_id']}", headers=desk), 403)

    def test_another_clinic_cannot_read(
        self,
        api: TestClient,
        world: dict[str, Any],
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
        session_factory: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        stranger = bearer_for(session_factory, settings, make_user("nurse", make_clinic("far")))
        _outcome(api.get(f"{FHIR}/Patient/{world['patient_id']}", headers=stranger), 404)


def _exported_phq9(api: TestClient, token: dict[str, str], db: Session) -> dict[str, Any]:
    row = db.scalars(select(ScaleResponse).where(ScaleResponse.instrument_id == "phq9")).one()
    response = api.get(f"{FHIR}/QuestionnaireResponse/{row.id}", headers=token)
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestImport:
    def test_phq9_round_trips_with_the_same_total(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        physician: User,
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        db: Session,
    ) -> None:
        exported = _exported_phq9(api, token, db)
        original = db.scalars(select(ScaleResponse).where(ScaleResponse.instrument_id == "phq9"))
        original_total = original.one().total
        other_id = add_patient(session_factory, physician, "Grace", "Hopper")
        other = db.get(Patient, other_id)
        assert other is not None
        foreign = deepcopy(exported)
        del foreign["id"], foreign["source"]
        foreign["subject"] = {"identifier": {"system": mrn_system(clinic.id), "value": other.mrn}}
        created = api.post(f"{FHIR}/QuestionnaireResponse", json=foreign, headers=token)
        assert created.status_code == 201, created.text
        body = _valid(created.json())
        assert created.headers["location"].endswith(f"/QuestionnaireResponse/{body['id']}")
        stored = db.get(ScaleResponse, uuid.UUID(body["id"]))
        assert stored is not None and stored.patient_id == other_id
        assert stored.total == original_total == 8
        assert stored.source == "api" and stored.answers == {
            **{str(n): 1 for n in range(1, 9)},
            "9": 0,
        }
        assert _audits(db, "fhir.import") == 1
        observation = api.get(f"{FHIR}/Observation/{body['id']}", headers=token).json()
        assert observation["valueQuantity"]["value"] == 8

    def test_loinc_linkids_and_integers_from_another_system(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        db: Session,
    ) -> None:
        phq9 = load_instruments()["phq9"]
        answers = {item.loinc: 3 if item.id == "9" else 2 for item in phq9.scored_items}
        foreign = {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": "http://loinc.org/q/44249-1",
            "status": "completed",
            "subject": {"reference": f"Patient/{world['patient_id']}"},
            "authored": "2026-01-05T09:30:00+00:00",
            "item": [
                {
                    "linkId": "/44249-1",
                    "item": [
                        {"linkId": f"/44249-1/{code}", "answer": [{"valueInteger": value}]}
                        for code, value in answers.items()
                    ]
                    + [{"linkId": "/44249-1/44261-6", "answer": [{"valueInteger": 19}]}],
                }
            ],
        }
        created = api.post(f"{FHIR}/QuestionnaireResponse", json=foreign, headers=token)
        assert created.status_code == 201, created.text
        stored = db.get(ScaleResponse, uuid.UUID(created.json()["id"]))
        assert stored is not None and stored.total == 8 * 2 + 3
        alerts = db.scalars(select(SafetyAlert).where(SafetyAlert.response_id == stored.id))
        assert alerts.all(), "item 9 above zero raises the alert as for our own responses"

    def test_gad7_by_item_codes(
        self, api: TestClient, world: dict[str, Any], token: dict[str, str], db: Session
    ) -> None:
        gad7 = load_instruments()["gad7"]
        foreign = {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": {"reference": f"Patient/{world['patient_id']}"},
            "item": [
                {
                    "linkId": item.loinc,
                    "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6570-1"}}],
                }
                for item in gad7.scored_items
            ],
        }
        created = api.post(f"{FHIR}/QuestionnaireResponse", json=foreign, headers=token)
        assert created.status_code == 201, created.text
        stored = db.get(ScaleResponse, uuid.UUID(created.json()["id"]))
        assert stored is not None and stored.instrument_id == "gad7" and stored.total == 14

    def test_bad_input_is_422_naming_the_item_and_stores_nothing(
        self, api: TestClient, world: dict[str, Any], token: dict[str, str], db: Session
    ) -> None:
        exported = _exported_phq9(api, token, db)
        bad = deepcopy(exported)
        bad["item"][3]["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "X"}}]
        text = _outcome(api.post(f"{FHIR}/QuestionnaireResponse", json=bad, headers=token), 422)
        assert "QuestionnaireResponse.item[3].answer" in text and "item 4 (44254-1)" in text
        missing = deepcopy(exported)
        missing["item"] = missing["item"][:-1]
        assert "9" in _outcome(
            api.post(f"{FHIR}/QuestionnaireResponse", json=missing, headers=token), 422
        )
        nobody = deepcopy(exported) | {"subject": {"reference": f"Patient/{uuid.uuid4()}"}}
        assert "subject" in _outcome(
            api.post(f"{FHIR}/QuestionnaireResponse", json=nobody, headers=token), 422
        )
        other = deepcopy(exported) | {"questionnaire": "http://example.org/Questionnaire/x"}
        other["item"] = [{"linkId": "x", "answer": [{"valueInteger": 1}]}]
        assert "PHQ-9 or GAD-7" in _outcome(
            api.post(f"{FHIR}/QuestionnaireResponse", json=other, headers=token), 422
        )
        assert "status" in _outcome(
            api.post(
                f"{FHIR}/QuestionnaireResponse",
                json=deepcopy(exported) | {"status": "in-progress"},
                headers=token,
            ),
            422,
        )
        assert db.scalar(select(func.count()).select_from(ScaleResponse)) == 2  # PHQ-9, MADRS
        assert _audits(db, "fhir.import") == 0

    def test_only_clinicians_who_record_may_import(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
    ) -> None:
        exported = _exported_phq9(api, token, db)
        therapist = bearer_for(session_factory, settings, make_user("therapist"))
        _outcome(api.post(f"{FHIR}/QuestionnaireResponse", json=exported, headers=therapist), 403)


class TestSinceAndPatientLevel:
    def test_since_exports_only_what_was_recorded_or_changed_after(
        self,
        world: dict[str, Any],
        client: TestClient,
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        db: Session,
        tmp_path: Path,
    ) -> None:
        instruments = load_instruments()
        with transaction(session_factory) as session:
            everything = fhir_export.export_clinic(
                session, clinic.id, tmp_path / "all", instruments
            )
            early = fhir_export.export_clinic(
                session,
                clinic.id,
                tmp_path / "early",
                instruments,
                since=utcnow() - timedelta(days=1),
            )
        assert early.counts == everything.counts
        mark = utcnow()
        with transaction(session_factory) as session:
            nothing = fhir_export.export_clinic(
                session, clinic.id, tmp_path / "none", instruments, since=mark
            )
        assert set(nothing.counts.values()) == {0} and not nothing.files
        with pytest.raises(ValueError, match="timezone"):
            fhir_export.export_clinic(
                db, clinic.id, tmp_path / "naive", instruments, since=mark.replace(tzinfo=None)
            )

        # After the mark: the adverse event is resolved, a reading is added, a drug is started.
        event = db.scalars(select(SessionEvent).where(SessionEvent.kind == "adverse_event")).one()
        reading = db.scalars(select(VitalReading).where(VitalReading.voided_at.is_(None))).first()
        assert reading is not None
        db.add_all(
            [
                SessionEvent(
                    clinic_id=clinic.id,
                    created_by=event.created_by,
                    session_id=event.session_id,
                    kind="adverse_event_resolved",
                    at=event.at,
                    detail={"event": str(event.id)},
                ),
                VitalReading(
                    clinic_id=clinic.id,
                    created_by=reading.created_by,
                    session_id=reading.session_id,
                    device="late entry",
                    measured_at=reading.measured_at + timedelta(minutes=1),
                    heart_rate_bpm=71,
                ),
            ]
        )
        session_row = db.get_one(TreatmentSession, event.session_id)
        db.execute(  # the course session recorded as given, with its dose, after the mark
            update(CourseSession)
            .where(CourseSession.id == session_row.course_session_id)
            .values(dose_given_mg=42.5, closed_at=utcnow())
        )
        db.commit()
        meds = f"/patients/{world['patient_id']}/medications"
        assert post_form(client, meds, SERTRALINE).status_code == 303
        with transaction(session_factory) as session:
            changed = fhir_export.export_clinic(
                session, clinic.id, tmp_path / "changed", instruments, since=mark
            )
        found = {
            path.stem: [_valid(json.loads(line)) for line in path.read_text().splitlines()]
            for path in (tmp_path / "changed").glob("*.ndjson")
        }
        assert set(found) == {
            "AdverseEvent",
            "Observation",
            "MedicationStatement",
            "MedicationAdministration",
        }
        (administration,) = found["MedicationAdministration"]
        assert administration["dosage"]["dose"]["value"] == 42.5
        assert set(changed.files) == set(found)
        (adverse,) = found["AdverseEvent"]
        assert adverse["id"] == str(event.id)
        assert adverse["outcome"]["coding"][0]["code"] == "resolved"
        (heart_rate,) = found["Observation"]
        assert heart_rate["device"]["display"] == "late entry"
        assert heart_rate["valueQuantity"]["value"] == 71
        (statement,) = found["MedicationStatement"]
        assert statement["medicationCodeableConcept"]["text"] == "sertraline"

    def test_since_is_checked_and_carried_to_the_worker(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        session_factory: sessionmaker[Session],
        settings: Settings,
        db: Session,
    ) -> None:
        for bad in ("yesterday", "2026-01-31", "2026-01-31T09:00:00", "2026-02-30T09:00:00Z"):
            text = _outcome(api.get(f"{FHIR}/$export?_since={bad}", headers=token | ASYNC), 400)
            assert "_since" in text
        long = api.get(f"{FHIR}/$export?_type={'Patient,' * 300}Patient", headers=token | ASYNC)
        assert "2000" in _outcome(long, 400)
        assert not db.scalars(select(FhirExportJob)).all()

        future = quote((utcnow() + timedelta(days=1)).isoformat())
        past = "2000-01-01T00:00:00Z"
        empty = api.get(f"{FHIR}/$export?_since={future}", headers=token | ASYNC)
        full = api.get(f"{FHIR}/$export?_since={past}&_type=Patient", headers=token | ASYNC)
        assert empty.status_code == full.status_code == 202
        assert _run_worker(session_factory, settings) == {"done": 2}
        assert api.get(empty.headers["content-location"], headers=token).json()["output"] == []
        output = api.get(full.headers["content-location"], headers=token).json()["output"]
        assert output == [{"type": "Patient", "url": output[0]["url"], "count": 1}]
        kickoffs = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "fhir.export.kickoff")
        ).all()
        assert sorted(str(e.details.get("since")) for e in kickoffs) == sorted(
            [str(bulk.since_of(str(empty.request.url)).isoformat()), "2000-01-01T00:00:00+00:00"]
        )

    def test_patient_level_export_has_every_compartment_type(
        self,
        api: TestClient,
        world: dict[str, Any],
        token: dict[str, str],
        session_factory: sessionmaker[Session],
        settings: Settings,
        make_user: Callable[..., User],
    ) -> None:
        nurse = bearer_for(session_factory, settings, make_user("nurse"))
        _outcome(api.get(f"{FHIR}/Patient/$export", headers=nurse | ASYNC), 403)
        bad = api.get(f"{FHIR}/Patient/$export?_type=Condition", headers=token | ASYNC)
        assert "Condition" in _outcome(bad, 400)
        assert "respond-async" in _outcome(api.get(f"{FHIR}/Patient/$export", headers=token), 400)
        kicked = api.get(f"{FHIR}/Patient/$export", headers=token | ASYNC)
        assert kicked.status_code == 202, kicked.text
        assert _run_worker(session_factory, settings) == {"done": 1}
        manifest = api.get(kicked.headers["content-location"], headers=token).json()
        assert manifest["request"].endswith("/fhir/R4/Patient/$export")
        assert {e["type"] for e in manifest["output"]} == set(fhir_export.PATIENT_COMPARTMENT)
        for entry in manifest["output"]:
            lines = api.get(entry["url"], headers=token).text.splitlines()
            assert len(lines) == entry["count"] > 0
            assert all(_valid(json.loads(line)) for line in lines)

    def test_capability_statement_lists_both_export_levels(self, api: TestClient) -> None:
        body = _valid(api.get(f"{FHIR}/metadata").json())
        patient = next(r for r in body["rest"][0]["resource"] if r["type"] == "Patient")
        assert patient["operation"][0]["definition"].endswith("/patient-export")
        assert "_since" in body["rest"][0]["operation"][0]["documentation"]


class TestParseSince:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-01-31T09:00:00Z", datetime(2026, 1, 31, 9, tzinfo=UTC)),
            ("2026-01-31T10:00:00+01:00", datetime(2026, 1, 31, 9, tzinfo=UTC)),
            ("2026-01-31T10:00:00 01:00", datetime(2026, 1, 31, 9, tzinfo=UTC)),  # unencoded +
            ("2026-01-31T09:00:00.123456789Z", datetime(2026, 1, 31, 9, 0, 0, 123456, UTC)),
        ],
    )
    def test_instants(self, text: str, expected: datetime) -> None:
        assert bulk.parse_since(text) == expected

    def test_read_back_from_the_request_url(self) -> None:
        url = (
            "https://x.test/fhir/R4/$export?_type=Patient&_since=2026-01-31T10%3A00%3A00%2B01%3A00"
        )
        assert bulk.since_of(url) == datetime(2026, 1, 31, 9, tzinfo=UTC)
        assert bulk.since_of("https://x.test/fhir/R4/$export") is None
