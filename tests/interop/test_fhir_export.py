"""The FHIR R4 Bulk Data export on real databases: every line validated with the fhir.resources
R4B models, LOINC codes, references that resolve, voided rows left out, and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.interop.fhir import export as fhir_export
from ketacare.kit.db.session import transaction
from ketacare.medications.models import PatientMedication
from ketacare.scales.definitions import load_instruments
from ketacare.treatment.session_models import SessionEvent, VitalReading
from tests.cli.test_commands import run  # noqa: F401  (the CLI runner fixture)
from tests.conftest import login, post_form
from tests.eligibility.test_assessment import LORAZEPAM
from tests.treatment.test_chair import PRECHECKS, _checked_in, _consent

PHQ9 = {f"item-{n}": "1" for n in range(1, 9)} | {"item-9": "0"}
SERTRALINE = {**LORAZEPAM, "drug_name": "sertraline", "dose_amount": "50", "frequency": "daily"}


def _world(client: TestClient, db: Session) -> dict[str, Any]:
    """One patient with a whole IV session (vitals, an adverse event), a PHQ-9 and medications;
    one vital reading and one medication voided."""
    patient_id, url = _checked_in(client)
    _consent(client, patient_id)
    assert post_form(client, f"{url}/prechecks", PRECHECKS).status_code == 303
    assert post_form(client, f"{url}/start", {"lot_number": "KX-2211"}).status_code == 303
    reading = {
        "systolic_mmhg": "132",
        "diastolic_mmhg": "84",
        "heart_rate_bpm": "76",
        "spo2_pct": "97",
        "resp_rate": "14",
    }
    assert post_form(client, f"{url}/vitals", reading).status_code == 303
    ae = {"type": "blood pressure increased", "severity": "mild", "note": "at 30 min"}
    assert post_form(client, f"{url}/ae", ae).status_code == 303
    assert post_form(client, f"{url}/stop", {"reason": "infusion complete"}).status_code == 303
    discharge = {"escort": "on", "reason": "Observed in recovery bay; criteria met there."}
    assert post_form(client, f"{url}/discharge", discharge).status_code == 303
    scored = post_form(client, f"/patients/{patient_id}/scales/phq9", PHQ9)
    assert scored.status_code == 303, scored.text
    meds = f"/patients/{patient_id}/medications"
    assert post_form(client, meds, LORAZEPAM).status_code == 303
    assert post_form(client, meds, SERTRALINE).status_code == 303
    readings = db.scalars(select(VitalReading).order_by(VitalReading.measured_at)).all()
    assert len(readings) >= 2
    voided_reading = readings[0]
    voided_med = db.scalars(
        select(PatientMedication).where(PatientMedication.drug_name == "sertraline")
    ).one()
    for table, row_id in ((VitalReading, voided_reading.id), (PatientMedication, voided_med.id)):
        db.execute(
            update(table)
            .where(table.id == row_id)
            .values(voided_at=voided_reading.measured_at, void_reason="entered in error")
        )
    db.commit()
    return {
        "patient_id": patient_id,
        "voided_reading": str(voided_reading.id),
        "voided_med": str(voided_med.id),
    }


def _read(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Every line of every file, each validated against its R4B model."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(out.glob("*.ndjson")):
        kind = path.stem
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines, f"{path.name} is empty"
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            get_fhir_model_class(kind).model_validate(resource)
        found[kind] = [json.loads(line) for line in lines]
    return found


def _codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


class TestExport:
    def test_every_resource_validates_codes_and_references_hold(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        db: Session,
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        login(client, make_user("physician"))
        world = _world(client, db)
        seen: list[int] = []
        with transaction(session_factory) as session:
            result = fhir_export.export_clinic(
                session, clinic.id, tmp_path, load_instruments(), progress=seen.append
            )
            assert sum(seen) == fhir_export.source_rows(session, clinic.id)
        found = _read(tmp_path)
        assert set(found) == set(fhir_export.RESOURCE_TYPES)
        assert {kind: len(rows) for kind, rows in found.items()} == result.counts
        assert not (set(found) - set(fhir_export.RESOURCE_TYPES))

        patient = found["Patient"][0]
        assert patient["id"] == world["patient_id"]
        assert patient["identifier"][0]["system"].endswith(f"/clinic/{clinic.id}/mrn")

        observations = found["Observation"]
        phq9 = next(o for o in observations if ("http://loinc.org", "44261-6") in _codes(o["code"]))
        assert phq9["valueQuantity"]["value"] == 8
        assert phq9["category"][0]["coding"][0]["code"] == "survey"
        assert ("http://loinc.org", "44260-8") in {
            code for c in phq9["component"] for code in _codes(c["code"])
        }
        madrs = next(
            o
            for o in observations
            if o["id"] != phq9["id"]
            and "valueQuantity" in o
            and o["category"][0]["coding"][0]["code"] == "survey"
        )
        assert _codes(madrs["code"]) == {(fhir_export.mapping.CODE_SYSTEM, "madrs-total")}
        bp = [o for o in observations if ("http://loinc.org", "85354-9") in _codes(o["code"])]
        assert bp and all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in bp)
        components = {code for c in bp[0]["component"] for code in _codes(c["code"])}
        assert components == {("http://loinc.org", "8480-6"), ("http://loinc.org", "8462-4")}
        assert bp[0]["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
        measured = {code for o in observations for code in _codes(o["code"])}
        assert {("http://loinc.org", c) for c in ("8867-4", "59408-5", "2708-6", "9279-1")} <= (
            measured
        )

        qr = next(q for q in found["QuestionnaireResponse"] if q["id"] == phq9["id"])
        assert qr["questionnaire"] == "https://ketacare.org/fhir/Questionnaire/phq9|1"
        first = next(i for i in qr["item"] if i["linkId"] == "1")
        assert first["answer"][0]["valueCoding"]["code"] == "LA6569-3"  # "Several days" = 1

        (administration,) = found["MedicationAdministration"]
        assert administration["status"] == "completed"
        assert administration["dosage"]["dose"]["code"] == "mg"
        assert "rateQuantity" in administration["dosage"]
        (encounter,) = found["Encounter"]
        assert encounter["class"]["code"] == "AMB" and encounter["status"] == "finished"
        assert administration["context"]["reference"] == f"Encounter/{encounter['id']}"
        (adverse,) = found["AdverseEvent"]
        assert adverse["severity"]["coding"][0]["code"] == "mild"
        assert adverse["outcome"]["coding"][0]["code"] == "ongoing"

        statements = found["MedicationStatement"]
        assert [s["medicationCodeableConcept"]["text"] for s in statements] == ["lorazepam"]
        assert statements[0]["status"] == "active"

        exported = {f"{kind}/{row['id']}" for kind, rows in found.items() for row in rows}
        for rows in found.values():
            for resource in rows:
                for reference in _references(resource):
                    assert reference in exported, (resource["resourceType"], reference)
        ids = {row["id"] for rows in found.values() for row in rows}
        assert world["voided_med"] not in ids
        assert not any(i.startswith(world["voided_reading"]) for i in ids)

    def test_a_resolved_event_and_another_clinic_stay_apart(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
        db: Session,
        session_factory: sessionmaker[Session],
        tmp_path: Path,
    ) -> None:
        login(client, make_user("physician"))
        _world(client, db)
        event = db.scalars(select(SessionEvent).where(SessionEvent.kind == "adverse_event")).one()
        other = make_clinic("elsewhere")
        with transaction(session_factory) as session:
            empty = fhir_export.export_clinic(
                session, other.id, tmp_path / "other", load_instruments()
            )
        assert set(empty.counts.values()) == {0} and not list((tmp_path / "other").iterdir())
        db.add(
            SessionEvent(
                clinic_id=event.clinic_id,
                created_by=event.created_by,
                session_id=event.session_id,
                kind="adverse_event_resolved",
                at=event.at,
                detail={"event": str(event.id)},
            )
        )
        db.commit()
        with transaction(session_factory) as session:
            fhir_export.export_clinic(
                session, event.clinic_id, tmp_path / "mine", load_instruments()
            )
        (adverse,) = _read(tmp_path / "mine")["AdverseEvent"]
        assert adverse["outcome"]["coding"][0]["code"] == "resolved"


class TestCommand:
    def test_export_prints_counts_and_is_audited(
        self,
        run: Callable[..., Result],  # noqa: F811
        client: TestClient,
        make_user: Callable[..., User],
        db: Session,
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        login(client, make_user("physician"))
        _world(client, db)
        out = tmp_path / "bulk"
        result = run("export", "fhir", "--out", str(out), "--clinic", "riverside", "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["clinic"] == "riverside"
        assert body["counts"]["Patient"] == 1 and body["counts"]["AdverseEvent"] == 1
        assert {kind: len(rows) for kind, rows in _read(out).items()} == {
            k: v for k, v in body["counts"].items() if v
        }
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "fhir.export")).all()
        assert [e.clinic_id for e in events] == [clinic.id]
        assert events[0].details["counts"] == body["counts"]
        text = run("export", "fhir", "--out", str(out))  # the only clinic: no --clinic needed
        assert text.exit_code == 0, text.output
        assert "MedicationAdministration" in text.stdout

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--clinic", "nowhere"), "no clinic 'nowhere'"),
            (("--clinic", "riverside", "--out-is-file"), "is not a directory"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(
        self,
        run: Callable[..., Result],  # noqa: F811
        clinic: Clinic,
        tmp_path: Path,
        args: tuple[str, ...],
        message: str,
    ) -> None:
        out = tmp_path / "out"
        if "--out-is-file" in args:
            out.write_text("not a directory")
            args = args[:-1]
        result = run("export", "fhir", "--out", str(out), *args)
        assert result.exit_code == 2
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1

    def test_several_clinics_need_a_slug(
        self,
        run: Callable[..., Result],  # noqa: F811
        make_clinic: Callable[..., Clinic],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        make_clinic("second")
        result = run("export", "fhir", "--out", str(tmp_path))
        assert result.exit_code == 2 and "name the clinic" in result.stderr
