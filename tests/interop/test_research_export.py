"""The research export on real databases: REDCap-style CSV with its data dictionary and Parquet,
identified and de-identified; de-identification leaves no identifier in any file; psychotherapy
notes are never exported; the command line."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.interop.research import export as research
from ketacare.interop.research import forms
from ketacare.kit.db.session import transaction
from ketacare.medications.drugs import drug_table
from ketacare.medications.models import PatientMedication
from ketacare.patients import service as patients_service
from ketacare.patients.models import Patient
from ketacare.patients.schemas import PatientCreate
from ketacare.therapy import process_notes
from ketacare.therapy import service as therapy
from ketacare.therapy.schemas import ProcessNoteCreate, SessionCreate
from ketacare.treatment.models import Course
from tests.cli.test_commands import run  # noqa: F401  (the CLI runner fixture)
from tests.conftest import login
from tests.interop.test_fhir_export import _world
from tests.therapy.world import PROCESS_MARKER, PROGRESS_MARKER, SESSION

HOMEWORK = "HOMEWORK-5e1d-MARKER"
STOP_REASON = "STOPREASON-91ac-MARKER"
FORMS = [form.name for form in forms.FORMS]

ELDER = {  # patient A: the whole IV session of the FHIR tests; 93 at the start of the course
    "mrn": "ZQ-44710",
    "given_name": "Zephyrine",
    "family_name": "Quillfeather",
    "email": "zephyrine.quill@example.org",
    "phone": "+1 555 0147 2211",
    "address": "12 Lantern Row, Marrowby",
    "referring_clinician": "Dr Obadiah Fernsby",
}
YOUNGER = {  # patient B: medications with dates and two therapy sessions with notes
    "mrn": "XW-90317",
    "given_name": "Thaddeus",
    "family_name": "Brindlecombe",
    "email": "t.brindlecombe@example.net",
    "phone": "+44 20 7946 0321",
    "address": "3 Quarry Lane, Dunmere",
    "referring_clinician": "Dr Perpetua Voss",
}
YOUNGER_BORN = date(1971, 4, 5)


def _therapy_world(
    session_factory: sessionmaker[Session], make_user: Callable[..., User]
) -> uuid.UUID:
    therapist = accounts.actor_for(make_user("therapist"))
    with transaction(session_factory) as db:
        patient = patients_service.register(
            db,
            therapist,
            PatientCreate(
                given_name="Temp", family_name="Name", date_of_birth=YOUNGER_BORN, sex="male"
            ),
        )
        for held_on in ("2026-03-02", "2026-03-16"):
            data = SessionCreate.model_validate(
                {
                    **SESSION,
                    "held_on": held_on,
                    "homework": HOMEWORK,
                    "progress_note": f"Progress {PROGRESS_MARKER}",
                }
            )
            row = therapy.record(db, therapist, patient.id, data)
            process_notes.write(
                db, therapist, row, ProcessNoteCreate(text=f"Dream {PROCESS_MARKER}")
            )
        db.add(
            PatientMedication(
                clinic_id=patient.clinic_id,
                created_by=therapist.user_id,
                patient_id=patient.id,
                drug_name="sertraline",
                dose_amount=100,
                dose_unit="mg",
                frequency="daily",
                started_on=date(2025, 1, 15),
                prescriber="Dr Wilhelmina Ostrander",
                stopped_on=date(2025, 6, 20),
                stopped_by=therapist.user_id,
                stopped_at=datetime(2025, 6, 20, 9, tzinfo=UTC),
                stop_reason=STOP_REASON,
            )
        )
        return patient.id


@pytest.fixture
def world(
    client: TestClient,
    make_user: Callable[..., User],
    db: Session,
    session_factory: sessionmaker[Session],
) -> dict[str, Any]:
    login(client, make_user("physician"))
    elder_id = uuid.UUID(_world(client, db)["patient_id"])
    younger_id = _therapy_world(session_factory, make_user)
    first_on = db.scalars(select(Course.started_on).where(Course.patient_id == elder_id)).one()
    elder_born = date(first_on.year - 93, 1, 1)
    db.execute(
        update(Patient).where(Patient.id == elder_id).values(**ELDER, date_of_birth=elder_born)
    )
    db.execute(update(Patient).where(Patient.id == younger_id).values(**YOUNGER))
    db.commit()
    return {
        "elder": elder_id,
        "younger": younger_id,
        "identifiers": [
            *ELDER.values(),
            *YOUNGER.values(),
            "Dr Wilhelmina Ostrander",
            str(elder_id),
            str(younger_id),
            elder_born.isoformat(),
            YOUNGER_BORN.isoformat(),
        ],
    }


def _export(
    session_factory: sessionmaker[Session], clinic: Clinic, out: Path, deidentified: bool
) -> research.ExportResult:
    seen: list[int] = []
    with transaction(session_factory) as session:
        result = research.export_clinic(
            session,
            clinic.id,
            out,
            drug_table(),
            fmt="both",
            deidentified=deidentified,
            seed=20261129,
            progress=seen.append,
        )
        assert sum(seen) == research.source_rows(session, clinic.id, drug_table())
    return result


def _csv(out: Path, name: str) -> list[dict[str, str]]:
    with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, date):
        yield value.isoformat()
    elif value is not None:
        yield str(value)


def _every_value(out: Path) -> tuple[str, set[str]]:
    """All CSV text, and every value of every Parquet column (dates as ISO strings)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.csv")))
    values = {
        v for p in sorted(out.glob("*.parquet")) for v in _values(pq.read_table(p).to_pylist())
    }
    return text, values


def _dates(out: Path) -> dict[tuple[str, str, str], date]:
    """(form, record, instance + field) -> date, for every date field of every form's CSV."""
    found = {}
    for form in forms.FORMS:
        date_fields = [f.name for f in form.columns(True) if f.kind == "date"]
        for row in _csv(out, form.name):
            for name in date_fields:
                if row.get(name):
                    key = (
                        form.name,
                        row["record_id"],
                        f"{row.get('redcap_repeat_instance')}:{name}",
                    )
                    found[key] = date.fromisoformat(row[name])
    return found


def _check_redcap_import(out: Path, result: research.ExportResult, deidentified: bool) -> None:
    """The single import file agrees with the dictionary and holds each form file's rows."""
    with (out / research.REDCAP_IMPORT).open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with (out / research.DICTIONARY).open(encoding="utf-8", newline="") as handle:
        dictionary = list(csv.reader(handle))[1:]
    fields = [row[0] for row in dictionary]
    assert header == [fields[0], *forms.REPEAT_FIELDS, *fields[1:]]
    assert header[0] == "record_id" and len(set(header)) == len(header)
    form_of = {row[0]: row[1] for row in dictionary}
    repeating = {form.name for form in forms.FORMS if form.repeating}
    flat = [dict(zip(header, row, strict=True)) for row in rows]
    for form in forms.FORMS:
        instrument = form.name if form.repeating else ""
        mine = [r for r in flat if r["redcap_repeat_instrument"] == instrument]
        assert len(mine) == result.counts[form.name], form.name
        assert instrument == "" or instrument in set(form_of.values())
        for flat_row, form_row in zip(mine, _csv(out, form.name), strict=True):
            assert {k: flat_row[k] for k in form_row} == form_row  # same record, same values
            others = set(header) - set(form_row) - set(forms.REPEAT_FIELDS)
            assert {flat_row[k] for k in others} <= {""}, form.name  # other forms' fields empty
            if not form.repeating:
                assert flat_row["redcap_repeat_instance"] == ""
    assert {r["redcap_repeat_instrument"] for r in flat} <= repeating | {""}
    patients = {r["record_id"] for r in flat if r["redcap_repeat_instrument"] == ""}
    assert {r["record_id"] for r in flat} == patients  # every row's record is created first
    identifiers = {f.name for form in forms.FORMS for f in form.fields if f.identifier}
    assert bool(identifiers & set(header)) is not deidentified


class TestExport:
    def test_single_redcap_import_file_is_consistent_with_the_dictionary(
        self,
        world: dict[str, Any],
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        result = _export(session_factory, clinic, tmp_path, deidentified=False)
        _check_redcap_import(tmp_path, result, deidentified=False)
        with (tmp_path / research.REDCAP_IMPORT).open(encoding="utf-8", newline="") as handle:
            flat = list(csv.DictReader(handle))
        assert len(flat) == sum(result.counts.values())
        (patient,) = [r for r in flat if r["mrn"] == ELDER["mrn"]]
        assert patient["redcap_repeat_instrument"] == "" and patient["age_first_course"] == "93"
        therapy_rows = [r for r in flat if r["redcap_repeat_instrument"] == "therapy_sessions"]
        assert [r["redcap_repeat_instance"] for r in therapy_rows] == ["1", "2"]
        assert therapy_rows[0]["record_id"] == str(world["younger"])
        (ae,) = [r for r in flat if r["redcap_repeat_instrument"] == "adverse_events"]
        assert ae["record_id"] == str(world["elder"]) and ae["ae_severity"]

    def test_identified_export_has_every_form_typed_and_described(
        self,
        world: dict[str, Any],
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        result = _export(session_factory, clinic, tmp_path, deidentified=False)
        assert result.counts == {
            "patients": 2,
            "courses": 1,
            "scale_scores": 2,
            "treatment_sessions": 1,
            "adverse_events": 1,
            "medications": 2,
            "therapy_sessions": 2,
        }
        names = {p.name for p in result.files}
        assert names == {research.DICTIONARY, research.REDCAP_IMPORT} | {
            f"{form}.{suffix}" for form in FORMS for suffix in ("csv", "parquet")
        }
        patients = {row["record_id"]: row for row in _csv(tmp_path, "patients")}
        elder = patients[str(world["elder"])]
        assert elder["mrn"] == ELDER["mrn"] and elder["age_first_course"] == "93"
        assert patients[str(world["younger"])]["age_first_course"] == ""  # no course
        (session,) = _csv(tmp_path, "treatment_sessions")
        assert session["redcap_repeat_instrument"] == "treatment_sessions"
        assert session["redcap_repeat_instance"] == "1"
        assert session["session_ae_count"] == "1" and session["session_max_systolic_mmhg"]
        assert session["session_number"] == "1" and float(session["session_dose_mg"]) > 0
        therapy_rows = _csv(tmp_path, "therapy_sessions")
        assert [r["redcap_repeat_instance"] for r in therapy_rows] == ["1", "2"]
        assert set(therapy_rows[0]) == {*forms.THERAPY.header(False)}
        assert therapy_rows[0]["therapy_type"] == "kap_integration"
        (course,) = _csv(tmp_path, "courses")
        assert course["course_ended"] == "0" and course["course_phase"]
        scales = _csv(tmp_path, "scale_scores")
        phq9 = next(r for r in scales if r["scale_instrument"] == "phq9")
        assert json.loads(phq9["scale_items"])["9"] == 0 and phq9["scale_total"] == "8"
        meds = {r["med_drug"]: r for r in _csv(tmp_path, "medications")}
        assert meds["sertraline"]["med_stop_reason"] == STOP_REASON  # free text: identified only
        assert meds["lorazepam"]["med_class"]

        with (tmp_path / research.DICTIONARY).open(encoding="utf-8", newline="") as handle:
            dictionary = list(csv.reader(handle))
        assert tuple(dictionary[0]) == forms.DICTIONARY_HEADER
        assert dictionary[0][:10] == [
            "Variable / Field Name",
            "Form Name",
            "Section Header",
            "Field Type",
            "Field Label",
            "Choices, Calculations, OR Slider Labels",
            "Field Note",
            "Text Validation Type OR Show Slider Number",
            "Text Validation Min",
            "Text Validation Max",
        ]
        described = {row[0]: row for row in dictionary[1:]}
        assert len(described) == len(dictionary) - 1  # field names unique across forms
        for form in FORMS:
            with (tmp_path / f"{form}.csv").open(encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert set(header) - set(forms.REPEAT_FIELDS) <= set(described), form
        assert described["record_id"][1] == "patients"
        assert described["scale_date"][7] == "date_ymd"
        assert described["course_ended"][3] == "yesno"
        assert described["mrn"][10] == "y"

        for form in forms.FORMS:
            schema = pq.read_schema(tmp_path / f"{form.name}.parquet")
            assert schema.names == form.header(False)
            assert schema.remove_metadata().equals(
                research.arrow_schema(form, False).remove_metadata()
            )
        sessions = pq.read_table(tmp_path / "treatment_sessions.parquet")
        assert str(sessions.schema.field("session_date").type) == "date32[day]"
        assert str(sessions.schema.field("session_dose_mg").type) == "double"
        assert str(sessions.schema.field("session_tolerated").type) == "bool"
        items = pq.read_table(tmp_path / "scale_scores.parquet").column("scale_items")
        assert pa.types.is_map(items.type) and items.type.item_type == pa.int32()

    def test_deidentification_leaves_no_identifier_in_any_file(
        self,
        world: dict[str, Any],
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        plain, masked = tmp_path / "identified", tmp_path / "deidentified"
        _export(session_factory, clinic, plain, deidentified=False)
        result = _export(session_factory, clinic, masked, deidentified=True)
        assert result.counts["patients"] == 2
        assert masked / research.REDCAP_IMPORT in result.files  # so the checks below read it
        _check_redcap_import(masked, result, deidentified=True)

        original = _dates(plain)
        by_patient = {str(world["elder"]): "elder", str(world["younger"]): "younger"}
        original_dates = {d.isoformat() for d in original.values()}
        assert original_dates
        text, values = _every_value(masked)
        for secret in [*world["identifiers"], *original_dates]:
            assert secret not in text, secret
            assert not any(secret in value for value in values), secret
        for free_text in (STOP_REASON, "at 30 min", "Dr Wilhelmina Ostrander"):
            assert free_text not in text and free_text not in values

        pseudonyms = {
            p["record_id"]: m["record_id"]
            for p, m in zip(_csv(plain, "patients"), _csv(masked, "patients"), strict=True)
        }
        assert set(pseudonyms) == set(by_patient)
        assert len(set(pseudonyms.values())) == 2
        assert not set(pseudonyms.values()) & set(by_patient)
        shifted = _dates(masked)
        assert len(shifted) == len(original)
        offsets: dict[str, set[timedelta]] = {}
        for (form, record, where), on in original.items():
            moved = shifted[(form, pseudonyms[record], where)]
            offsets.setdefault(record, set()).add(moved - on)
        for offset in offsets.values():
            (days,) = offset  # one offset per patient: intervals preserved
            assert timedelta(0) < abs(days) <= timedelta(days=180)
        assert len(offsets) == 2

        patients = {row["record_id"]: row for row in _csv(masked, "patients")}
        elder = patients[pseudonyms[str(world["elder"])]]
        assert elder["age_first_course"] == "90+"
        assert set(elder) == {"record_id", "sex", "age_first_course"}
        with (masked / research.DICTIONARY).open(encoding="utf-8", newline="") as handle:
            described = [row[0] for row in list(csv.reader(handle))[1:]]
        for field in ("mrn", "date_of_birth", "email", "session_note", "ae_note"):
            assert field not in described
        for form in forms.FORMS:
            schema = pq.read_schema(masked / f"{form.name}.parquet")
            assert not any(f.identifier for f in form.fields if f.name in schema.names)

    def test_seed_reproduces_and_no_seed_differs(
        self,
        world: dict[str, Any],
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        _export(session_factory, clinic, tmp_path / "a", deidentified=True)
        _export(session_factory, clinic, tmp_path / "b", deidentified=True)
        assert (tmp_path / "a" / "patients.csv").read_text() == (
            tmp_path / "b" / "patients.csv"
        ).read_text()
        with transaction(session_factory) as session:
            research.export_clinic(
                session, clinic.id, tmp_path / "c", drug_table(), deidentified=True
            )
        ids = {r["record_id"] for r in _csv(tmp_path / "a", "patients")}
        assert ids != {r["record_id"] for r in _csv(tmp_path / "c", "patients")}

    def test_psychotherapy_notes_are_never_exported_even_identified(
        self,
        world: dict[str, Any],
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        for deidentified in (False, True):
            out = tmp_path / str(deidentified)
            _export(session_factory, clinic, out, deidentified=deidentified)
            text, values = _every_value(out)
            for marker in (PROCESS_MARKER, PROGRESS_MARKER, HOMEWORK, "grief"):
                assert marker not in text
                assert not any(marker in value for value in values)

    def test_another_clinic_and_voided_rows_stay_out(
        self,
        world: dict[str, Any],
        make_clinic: Callable[..., Clinic],
        db: Session,
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        other = make_clinic("elsewhere")
        with transaction(session_factory) as session:
            empty = research.export_clinic(session, other.id, tmp_path / "o", drug_table())
        assert set(empty.counts.values()) == {0}
        assert all(len(_csv(tmp_path / "o", form)) == 0 for form in FORMS)
        assert pq.read_table(tmp_path / "o" / "patients.parquet").num_rows == 0
        db.execute(
            update(Patient)
            .where(Patient.id == world["younger"])
            .values(voided_at=datetime.now(UTC), void_reason="duplicate record")
        )
        db.commit()
        result = _export(session_factory, clinic, tmp_path / "v", deidentified=False)
        assert result.counts["patients"] == 1
        assert result.counts["therapy_sessions"] == 0
        assert result.counts["medications"] == 1  # lorazepam of the elder; sertraline voided


class TestCommand:
    def test_research_export_prints_counts_and_is_audited(
        self,
        run: Callable[..., Result],  # noqa: F811
        world: dict[str, Any],
        db: Session,
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        out = tmp_path / "research"
        args = ("--clinic", "riverside", "--deidentify", "--seed", "3", "--json")
        result = run("export", "research", "--out", str(out), "--format", "parquet", *args)
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["deidentified"] is True and body["format"] == "parquet"
        assert body["counts"]["patients"] == 2
        assert sorted(body["files"]) == sorted(f"{form}.parquet" for form in FORMS)
        assert sorted(p.name for p in out.iterdir()) == sorted(body["files"])
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "research.export")).all()
        assert [e.clinic_id for e in events] == [clinic.id]
        assert events[0].details["tables"] == body["counts"]
        assert events[0].details["deidentified"] is True
        text = run("export", "research", "--out", str(out), "--format", "redcap")
        assert text.exit_code == 0, text.output
        assert "identified, redcap" in text.stdout and "therapy_sessions" in text.stdout
        assert (out / research.DICTIONARY).exists() and not list(out.glob("*.parquet"))
        assert (out / research.REDCAP_IMPORT).exists()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--format", "xlsx"), "--format: must be one of redcap, parquet, both"),
            (("--clinic", "nowhere"), "no clinic 'nowhere'"),
            (("--seed", "many"), "--seed"),
            (("--out-is-file",), "is not a directory"),
        ],
    )
    def test_bad_input_exits_2(
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
            args = ()
        result = run("export", "research", "--out", str(out), *args)
        assert result.exit_code == 2
        assert message in result.stderr
