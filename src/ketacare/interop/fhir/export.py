"""Bulk Data style export: every resource of one clinic as NDJSON, one file per resource type.

Rows stream from the database in batches (``yield_per``); each batch costs a fixed number of
queries, never one per row. Voided rows are left out, and so is everything recorded under a voided
treatment session. Psychotherapy is not part of the export at all.

Speed (10,000 patients, about two million resources, most of them vital-sign Observations): the
vital readings are read as plain columns, UUIDs unconverted, and written as text by
``mapping.vital_lines``, the same bytes ``json.dumps`` gives for ``mapping.vital_observations``
(which read by id uses). Each scale response is read once for its Observation and its
QuestionnaireResponse. Every other type goes through its mapping function and ``json.dumps``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, get_args

from sqlalchemy import Select, String, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ketacare.interop.fhir import mapping
from ketacare.interop.fhir.mapping import Json
from ketacare.medications.models import PatientMedication
from ketacare.patients.models import Patient, PatientRevision
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.treatment import session_machine
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
# Every exported type is in the R4 Patient compartment (the Patient itself, the others by their
# subject or patient reference), so a patient-level export has them all.
PATIENT_COMPARTMENT = RESOURCE_TYPES
BATCH = 500

Progress = Callable[[int], None]  # called with the number of source rows just processed
Lines = tuple[int, dict[str, list[str]]]  # source rows read; NDJSON lines made, by resource type
Since = datetime | None  # the Bulk Data ``_since`` instant
TRANSITIONS = get_args(session_machine.Action)  # the session events that change its state


@dataclass
class ExportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCE_TYPES, 0))
    files: dict[str, Path] = field(default_factory=dict)


def _live_sessions(clinic_id: uuid.UUID) -> Any:
    return (TreatmentSession.clinic_id == clinic_id) & TreatmentSession.voided_at.is_(None)


def _changed(since: Since, condition: Callable[[datetime], Any]) -> tuple[Any, ...]:
    """The ``_since`` condition as extra WHERE clauses: none when no instant was given."""
    return () if since is None else (condition(since),)


def _patient_changed(since: datetime) -> Any:
    """Created, or its demographics revised (every revision is a row), after ``since``."""
    return (Patient.created_at > since) | exists().where(
        PatientRevision.patient_id == Patient.id, PatientRevision.created_at > since
    )


def _session_changed(since: datetime) -> Any:
    """A chair session (Encounter, MedicationAdministration) opened or moved on after ``since``:
    every state change is recorded as a session event named after its action."""
    return (TreatmentSession.created_at > since) | exists().where(
        SessionEvent.session_id == TreatmentSession.id,
        SessionEvent.kind.in_(TRANSITIONS),
        SessionEvent.created_at > since,
    )


def _administration_changed(since: datetime) -> Any:
    """As its session, or the dose given recorded on the course session (``closed_at``)."""
    return _session_changed(since) | (CourseSession.closed_at > since)


def _statement_changed(since: datetime) -> Any:
    return (PatientMedication.created_at > since) | (PatientMedication.stopped_at > since)


def _adverse_event_changed(since: datetime) -> Any:
    """Recorded after ``since``, or resolved after it (a resolution is its own event)."""
    resolution = aliased(SessionEvent)
    return (SessionEvent.created_at > since) | exists().where(
        resolution.session_id == SessionEvent.session_id,
        resolution.kind == "adverse_event_resolved",
        resolution.created_at > since,
    )


def _batches(session: Session, statement: Select[*tuple[Any, ...]]) -> Iterator[Sequence[Any]]:
    result = session.execute(statement.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _text(resources: Iterable[Json]) -> list[str]:
    """NDJSON lines of these resources."""
    dumps = mapping.dumps
    return [dumps(resource) + "\n" for resource in resources]


def _patients(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    statement = (
        select(Patient)
        .where(Patient.clinic_id == clinic_id, Patient.voided_at.is_(None))
        .where(*_changed(since, _patient_changed))
        .order_by(Patient.id)
    )
    for rows in _batches(session, statement):
        yield len(rows), {"Patient": _text(mapping.patient(row) for (row,) in rows)}


def _encounters(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    statement = (
        select(TreatmentSession)
        .where(_live_sessions(clinic_id), *_changed(since, _session_changed))
        .order_by(TreatmentSession.id)
    )
    for rows in _batches(session, statement):
        yield len(rows), {"Encounter": _text(mapping.encounter(row) for (row,) in rows)}


def _administrations(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    statement = (
        select(TreatmentSession, CourseSession.dose_given_mg)
        .outerjoin(CourseSession, CourseSession.id == TreatmentSession.course_session_id)
        .where(_live_sessions(clinic_id), TreatmentSession.dosing_started_at.is_not(None))
        .where(*_changed(since, _administration_changed))
        .order_by(TreatmentSession.id)
    )
    for rows in _batches(session, statement):
        yield (
            len(rows),
            {
                "MedicationAdministration": _text(
                    mapping.medication_administration(mapping.Administration(row, dose))
                    for row, dose in rows
                )
            },
        )


def _uuid_text(value: object) -> str:
    """A UUID column read as it is stored: 32 hex digits on SQLite, a ``uuid.UUID`` from psycopg."""
    if isinstance(value, str) and len(value) == 32:
        text = value.lower()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _raw_uuid(column: Any) -> Any:
    """Skip SQLAlchemy's per-value ``uuid.UUID`` conversion; ``_uuid_text`` formats the value."""
    return type_coerce(column, String)


def _vitals(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    """The bulk of the export (about four Observations per reading): plain columns, no ORM
    entities, and each reading's Observations written as text by ``mapping.vital_lines``."""
    statement = (
        select(
            _raw_uuid(VitalReading.id),
            _raw_uuid(VitalReading.session_id),
            _raw_uuid(TreatmentSession.patient_id),
            VitalReading.device,
            VitalReading.measured_at,
            VitalReading.systolic_mmhg,
            VitalReading.diastolic_mmhg,
            VitalReading.heart_rate_bpm,
            VitalReading.spo2_pct,
            VitalReading.resp_rate,
        )
        .join(TreatmentSession, TreatmentSession.id == VitalReading.session_id)
        .where(
            _live_sessions(clinic_id),
            VitalReading.clinic_id == clinic_id,
            VitalReading.voided_at.is_(None),
            *_changed(since, lambda at: VitalReading.created_at > at),
        )
        .order_by(VitalReading.id)
    )
    vital_lines, text = mapping.vital_lines, _uuid_text
    for rows in _batches(session, statement):
        lines: list[str] = []
        for rid, sid, pid, device, measured_at, *measures in rows:
            lines += vital_lines(text(rid), text(sid), text(pid), device, measured_at, (*measures,))
        yield len(rows), {"Observation": lines}


def _scales(
    session: Session,
    clinic_id: uuid.UUID,
    instruments: Mapping[str, Instrument],
    kinds: Collection[str],
    since: Since,
) -> Iterator[Lines]:
    """Each scale response once, as an Observation (the score) and a QuestionnaireResponse."""
    statement = (
        select(ScaleResponse)
        .where(ScaleResponse.clinic_id == clinic_id, ScaleResponse.voided_at.is_(None))
        .where(*_changed(since, lambda at: ScaleResponse.created_at > at))
        .order_by(ScaleResponse.id)
    )
    observations, responses = "Observation" in kinds, "QuestionnaireResponse" in kinds
    for rows in _batches(session, statement):
        found: dict[str, list[str]] = {}
        if observations:
            found["Observation"] = _text(
                mapping.scale_observation(row, instruments.get(row.instrument_id))
                for (row,) in rows
            )
        if responses:
            found["QuestionnaireResponse"] = _text(
                mapping.questionnaire_response(row, instruments.get(row.instrument_id))
                for (row,) in rows
            )
        yield len(rows) * len(found), found


def _statements(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    statement = (
        select(PatientMedication)
        .where(PatientMedication.clinic_id == clinic_id, PatientMedication.voided_at.is_(None))
        .where(*_changed(since, _statement_changed))
        .order_by(PatientMedication.id)
    )
    for rows in _batches(session, statement):
        yield (
            len(rows),
            {"MedicationStatement": _text(mapping.medication_statement(r) for (r,) in rows)},
        )


def _adverse_events(session: Session, clinic_id: uuid.UUID, since: Since) -> Iterator[Lines]:
    statement = (
        select(SessionEvent, TreatmentSession.patient_id, TreatmentSession.dosing_started_at)
        .join(TreatmentSession, TreatmentSession.id == SessionEvent.session_id)
        .where(
            _live_sessions(clinic_id),
            SessionEvent.clinic_id == clinic_id,
            SessionEvent.kind == "adverse_event",
            SessionEvent.voided_at.is_(None),
            *_changed(since, _adverse_event_changed),
        )
        .order_by(SessionEvent.id)
    )
    for rows in _batches(session, statement):
        resolved = _resolved(session, {row.session_id for row, _, _ in rows})
        yield (
            len(rows),
            {
                "AdverseEvent": _text(
                    mapping.adverse_event(
                        row, patient_id, str(row.id) in resolved, started is not None
                    )
                    for row, patient_id, started in rows
                )
            },
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

    def write(self, kind: str, lines: list[str]) -> None:
        if not lines:
            return
        handle = self.handles.get(kind)
        if handle is None:
            path = self.out_dir / f"{kind}.ndjson"
            handle = self.handles[kind] = path.open("w", encoding="utf-8")
            self.result.files[kind] = path
        handle.write("".join(lines))
        self.result.counts[kind] += len(lines)

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
    since: datetime | None = None,
) -> ExportResult:
    """Write ``<ResourceType>.ndjson`` files into ``out_dir`` (created if missing); returns counts.

    ``types`` (the Bulk Data ``_type`` filter) limits the export to those resource types;
    ``since`` (``_since``, timezone-aware) to resources changed after that instant."""
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind in RESOURCE_TYPES:  # a previous run's files must not mix with this one's
        (out_dir / f"{kind}.ndjson").unlink(missing_ok=True)
    wanted = set(RESOURCE_TYPES if types is None else types)
    result = ExportResult()
    writer = _Writer(out_dir, result)
    scale_kinds = wanted & {"Observation", "QuestionnaireResponse"}
    sources: list[tuple[Collection[str], Iterator[Lines]]] = [  # generators: no query yet
        (("Patient",), _patients(session, clinic_id, since)),
        (("Encounter",), _encounters(session, clinic_id, since)),
        (("MedicationAdministration",), _administrations(session, clinic_id, since)),
        (("Observation",), _vitals(session, clinic_id, since)),
        (scale_kinds, _scales(session, clinic_id, instruments, scale_kinds, since)),
        (("MedicationStatement",), _statements(session, clinic_id, since)),
        (("AdverseEvent",), _adverse_events(session, clinic_id, since)),
    ]
    try:
        for kinds, source in sources:
            if not wanted.intersection(kinds):
                continue
            for read, found in source:
                for kind, lines in found.items():
                    writer.write(kind, lines)
                if progress is not None:
                    progress(read)
    finally:
        writer.close()
    return result
