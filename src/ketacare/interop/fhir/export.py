"""Bulk Data style export: every resource of one clinic as NDJSON, one file per resource type.

Rows stream from the database in batches (``yield_per``); each batch costs a fixed number of
queries, never one per row. Voided rows are left out, and so is everything recorded under a voided
treatment session. Psychotherapy is not part of the export at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ketacare.interop.fhir import mapping
from ketacare.interop.fhir.mapping import Json
from ketacare.medications.models import PatientMedication
from ketacare.patients.models import Patient
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.models import CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

RESOURCE_TYPES = (
    "Patient",
    "Encounter",
    "Observation",
    "QuestionnaireResponse",
    "MedicationAdministration",
    "MedicationStatement",
    "AdverseEvent",
)
BATCH = 500

Progress = Callable[[int], None]  # called with the number of source rows just processed
Batch = tuple[int, list[Json]]  # source rows read, resources made from them


@dataclass
class ExportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCE_TYPES, 0))
    files: dict[str, Path] = field(default_factory=dict)


def _live_sessions(clinic_id: uuid.UUID) -> Any:
    return (TreatmentSession.clinic_id == clinic_id) & TreatmentSession.voided_at.is_(None)


def _batches(session: Session, statement: Select[*tuple[Any, ...]]) -> Iterator[Sequence[Any]]:
    result = session.execute(statement.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _patients(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(Patient)
        .where(Patient.clinic_id == clinic_id, Patient.voided_at.is_(None))
        .order_by(Patient.id)
    )
    for rows in _batches(session, statement):
        yield len(rows), [mapping.patient(row) for (row,) in rows]


def _encounters(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(TreatmentSession).where(_live_sessions(clinic_id)).order_by(TreatmentSession.id)
    )
    for rows in _batches(session, statement):
        yield len(rows), [mapping.encounter(row) for (row,) in rows]


def _administrations(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(TreatmentSession, CourseSession.dose_given_mg)
        .outerjoin(CourseSession, CourseSession.id == TreatmentSession.course_session_id)
        .where(_live_sessions(clinic_id), TreatmentSession.dosing_started_at.is_not(None))
        .order_by(TreatmentSession.id)
    )
    for rows in _batches(session, statement):
        yield (
            len(rows),
            [
                mapping.medication_administration(mapping.Administration(row, dose))
                for row, dose in rows
            ],
        )


def _vitals(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(VitalReading, TreatmentSession.patient_id)
        .join(TreatmentSession, TreatmentSession.id == VitalReading.session_id)
        .where(
            _live_sessions(clinic_id),
            VitalReading.clinic_id == clinic_id,
            VitalReading.voided_at.is_(None),
        )
        .order_by(VitalReading.id)
    )
    for rows in _batches(session, statement):
        yield (
            len(rows),
            [
                obs
                for row, patient_id in rows
                for obs in mapping.vital_observations(row, patient_id)
            ],
        )


def _scale_rows(session: Session, clinic_id: uuid.UUID) -> Iterator[Sequence[Any]]:
    statement = (
        select(ScaleResponse)
        .where(ScaleResponse.clinic_id == clinic_id, ScaleResponse.voided_at.is_(None))
        .order_by(ScaleResponse.id)
    )
    return _batches(session, statement)


def _scale_observations(
    session: Session, clinic_id: uuid.UUID, instruments: Mapping[str, Instrument]
) -> Iterator[Batch]:
    for rows in _scale_rows(session, clinic_id):
        yield (
            len(rows),
            [mapping.scale_observation(row, instruments.get(row.instrument_id)) for (row,) in rows],
        )


def _questionnaire_responses(
    session: Session, clinic_id: uuid.UUID, instruments: Mapping[str, Instrument]
) -> Iterator[Batch]:
    for rows in _scale_rows(session, clinic_id):
        yield (
            len(rows),
            [
                mapping.questionnaire_response(row, instruments.get(row.instrument_id))
                for (row,) in rows
            ],
        )


def _statements(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(PatientMedication)
        .where(PatientMedication.clinic_id == clinic_id, PatientMedication.voided_at.is_(None))
        .order_by(PatientMedication.id)
    )
    for rows in _batches(session, statement):
        yield len(rows), [mapping.medication_statement(row) for (row,) in rows]


def _adverse_events(session: Session, clinic_id: uuid.UUID) -> Iterator[Batch]:
    statement = (
        select(SessionEvent, TreatmentSession.patient_id, TreatmentSession.dosing_started_at)
        .join(TreatmentSession, TreatmentSession.id == SessionEvent.session_id)
        .where(
            _live_sessions(clinic_id),
            SessionEvent.clinic_id == clinic_id,
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
        )
        .order_by(SessionEvent.id)
    )
    for rows in _batches(session, statement):
        resolved = _resolved(session, {row.session_id for row, _, _ in rows})
        yield (
            len(rows),
            [
                mapping.adverse_event(row, patient_id, str(row.id) in resolved, started is not None)
                for row, patient_id, started in rows
            ],
        )


def _resolved(session: Session, session_ids: Iterable[uuid.UUID]) -> set[str]:
    """Ids of the adverse events resolved within these sessions: one query per batch."""
    details = session.scalars(
        select(SessionEvent.detail).where(
            SessionEvent.session_id.in_(list(session_ids)),
            SessionEvent.kind == "adverse_event_resolved",
            SessionEvent.voided_at.is_(None),
        )
    )
    return {str(detail.get("event")) for detail in details}


def source_rows(session: Session, clinic_id: uuid.UUID) -> int:
    """How many source rows the export reads (the progress bar's total)."""
    counts = [
        select(func.count())
        .select_from(Patient)
        .where(Patient.clinic_id == clinic_id, Patient.voided_at.is_(None)),
        select(func.count()).select_from(TreatmentSession).where(_live_sessions(clinic_id)),
        select(func.count())
        .select_from(TreatmentSession)
        .where(_live_sessions(clinic_id), TreatmentSession.dosing_started_at.is_not(None)),
        select(func.count())
        .select_from(VitalReading)
        .join(TreatmentSession, TreatmentSession.id == VitalReading.session_id)
        .where(_live_sessions(clinic_id), VitalReading.voided_at.is_(None)),
        select(func.count() * 2)
        .select_from(ScaleResponse)
        .where(ScaleResponse.clinic_id == clinic_id, ScaleResponse.voided_at.is_(None)),
        select(func.count())
        .select_from(PatientMedication)
        .where(PatientMedication.clinic_id == clinic_id, PatientMedication.voided_at.is_(None)),
        select(func.count())
        .select_from(SessionEvent)
        .join(TreatmentSession, TreatmentSession.id == SessionEvent.session_id)
        .where(
            _live_sessions(clinic_id),
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
        ),
    ]
    return sum(int(session.scalar(count) or 0) for count in counts)


class _Writer:
    """Opens a type's file on its first resource, so empty types leave no file (as Bulk Data)."""

    def __init__(self, out_dir: Path, result: ExportResult) -> None:
        self.out_dir = out_dir
        self.result = result
        self.handles: dict[str, IO[str]] = {}

    def write(self, resources: list[Json]) -> None:
        for resource in resources:
            kind = resource["resourceType"]
            handle = self.handles.get(kind)
            if handle is None:
                path = self.out_dir / f"{kind}.ndjson"
                handle = self.handles[kind] = path.open("w", encoding="utf-8")
                self.result.files[kind] = path
            handle.write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False))
            handle.write("\n")
            self.result.counts[kind] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def export_clinic(
    session: Session,
    clinic_id: uuid.UUID,
    out_dir: Path,
    instruments: Mapping[str, Instrument],
    progress: Progress | None = None,
    types: Collection[str] | None = None,
) -> ExportResult:
    """Write ``<ResourceType>.ndjson`` files into ``out_dir`` (created if missing); returns counts.

    ``types`` (the Bulk Data ``_type`` filter) limits the export to those resource types."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind in RESOURCE_TYPES:  # a previous run's files must not mix with this one's
        (out_dir / f"{kind}.ndjson").unlink(missing_ok=True)
    result = ExportResult()
    writer = _Writer(out_dir, result)
    sources: list[tuple[str, Iterator[Batch]]] = [  # generators: no query until iterated
        ("Patient", _patients(session, clinic_id)),
        ("Encounter", _encounters(session, clinic_id)),
        ("MedicationAdministration", _administrations(session, clinic_id)),
        ("Observation", _vitals(session, clinic_id)),
        ("Observation", _scale_observations(session, clinic_id, instruments)),
        ("QuestionnaireResponse", _questionnaire_responses(session, clinic_id, instruments)),
        ("MedicationStatement", _statements(session, clinic_id)),
        ("AdverseEvent", _adverse_events(session, clinic_id)),
    ]
    try:
        for kind, source in sources:
            if types is not None and kind not in types:
                continue
            for read, resources in source:
                writer.write(resources)
                if progress is not None:
                    progress(read)
    finally:
        writer.close()
    return result
