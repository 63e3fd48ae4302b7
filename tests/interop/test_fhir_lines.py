"""The export's fast paths give what the per-row mapping gives: vital-sign Observations written as
text (``mapping.vital_lines``) against ``mapping.vital_observations`` (what read by id returns),
UUID columns read unconverted, and the one pass over scale responses under a ``_type`` filter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.interop.fhir import export as fhir_export
from ketacare.interop.fhir import mapping
from ketacare.kit.db.session import transaction
from ketacare.scales.definitions import load_instruments
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.session_models import TreatmentSession, VitalReading
from tests.conftest import login
from tests.interop.test_fhir_export import _read, _world

measure = st.one_of(st.none(), st.integers(min_value=-(2**40), max_value=2**40))
moment = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _reading(
    device: str, measured_at: datetime, values: tuple[int | None, ...]
) -> tuple[VitalReading, uuid.UUID]:
    systolic, diastolic, heart_rate, spo2, resp_rate = values
    reading = VitalReading(
        id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        device=device,
        measured_at=measured_at,
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        heart_rate_bpm=heart_rate,
        spo2_pct=spo2,
        resp_rate=resp_rate,
    )
    return reading, uuid.uuid4()


def _as_lines(reading: VitalReading, patient_id: uuid.UUID) -> list[str]:
    return [
        mapping.dumps(resource) + "\n"
        for resource in mapping.vital_observations(reading, patient_id)
    ]


def _fast(reading: VitalReading, patient_id: uuid.UUID) -> list[str]:
    return mapping.vital_lines(
        str(reading.id),
        str(reading.session_id),
        str(patient_id),
        reading.device,
        reading.measured_at,
        (
            reading.systolic_mmhg,
            reading.diastolic_mmhg,
            reading.heart_rate_bpm,
            reading.spo2_pct,
            reading.resp_rate,
        ),
    )


class TestVitalLines:
    @given(device=st.text(max_size=30), measured_at=moment, values=st.tuples(*[measure] * 5))
    def test_same_bytes_as_the_mapped_dicts(
        self, device: str, measured_at: datetime, values: tuple[int | None, ...]
    ) -> None:
        reading, patient_id = _reading(device, measured_at, values)
        assert _fast(reading, patient_id) == _as_lines(reading, patient_id)

    @pytest.mark.parametrize(
        "values",
        [
            (132, 84, 76, 97, 14),
            (132, None, None, None, None),
            (None, 84, 76, None, None),
            (None, None, None, None, None),
            (120.0, 80, 70.5, 99, 12),  # a float stored in an integer column (SQLite allows it)
        ],
    )
    def test_every_measure_combination_and_odd_devices(self, values: tuple[object, ...]) -> None:
        at = datetime(2026, 3, 1, 9, 30, 0, 250, tzinfo=UTC)
        for device in ("manual", 'Philips "MX40" \\ ward', "Sauerstoff\u00e9 \u2028 \U0001f600"):
            reading, patient_id = _reading(device, at, values)  # type: ignore[arg-type]
            lines = _fast(reading, patient_id)
            assert lines == _as_lines(reading, patient_id)
            assert all(line.endswith("}\n") and "\n" not in line[:-1] for line in lines)
            expected = sum(v is not None for v in values[2:]) + (values[:2] != (None, None))
            assert len(lines) == expected


class TestUuidText:
    def test_sqlite_hex_postgres_uuid_and_dashed_text(self) -> None:
        value = uuid.uuid4()
        assert fhir_export._uuid_text(value.hex) == str(value)
        assert fhir_export._uuid_text(value.hex.upper()) == str(value)
        assert fhir_export._uuid_text(value) == str(value)
        assert fhir_export._uuid_text(str(value).upper()) == str(value)
        with pytest.raises(ValueError, match="hexadecimal"):
            fhir_export._uuid_text("not-a-uuid")


class TestExportPaths:
    def test_vitals_match_each_rows_mapping_and_type_filter_reads_scales_once(
        self,
        client: TestClient,
        make_user: Callable[..., User],
        db: Session,
        session_factory: sessionmaker[Session],
        clinic: Clinic,
        tmp_path: Path,
    ) -> None:
        login(client, make_user("physician"))
        _world(client, db)
        with transaction(session_factory) as session:
            fhir_export.export_clinic(session, clinic.id, tmp_path / "all", load_instruments())
        written = (tmp_path / "all" / "Observation.ndjson").read_text(encoding="utf-8")
        rows = db.execute(
            select(VitalReading, TreatmentSession.patient_id)
            .join(TreatmentSession, TreatmentSession.id == VitalReading.session_id)
            .where(VitalReading.voided_at.is_(None))
            .order_by(VitalReading.id)
        ).all()
        assert rows
        expected = "".join(line for row, patient_id in rows for line in _as_lines(row, patient_id))
        assert written.startswith(expected)  # the vitals, then the scores

        responses = int(db.scalar(select(func.count()).select_from(ScaleResponse)) or 0)
        assert responses == 2  # the PHQ-9 and the MADRS
        for kinds in ({"QuestionnaireResponse"}, {"Observation"}, {"Patient"}):
            seen: list[int] = []
            out = tmp_path / "-".join(sorted(kinds))
            with transaction(session_factory) as session:
                result = fhir_export.export_clinic(
                    session, clinic.id, out, load_instruments(), progress=seen.append, types=kinds
                )
            found = _read(out)
            assert set(found) == kinds == set(result.files)
            everything = _read(tmp_path / "all")
            assert all(found[kind] == everything[kind] for kind in kinds)
            if kinds == {"QuestionnaireResponse"}:
                assert sum(seen) == responses  # each response read once, one resource each
            if kinds == {"Observation"}:
                assert [json.loads(line) for line in written.splitlines()] == found["Observation"]
