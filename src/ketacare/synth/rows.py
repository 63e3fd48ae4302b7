"""Rows to insert, by table, and the fixed context every synthetic patient is built in."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from ketacare.protocols.schema import Protocol
from ketacare.scales.definitions import Instrument
from ketacare.synth.parameters import Parameters

# Insert order: every table after the tables its foreign keys point at.
TABLES = (
    "patients",
    "patient_revisions",
    "body_measurements",
    "diagnoses",
    "patient_medications",
    "treatment_trials",
    "scale_responses",
    "safety_alerts",
    "eligibility_assessments",
    "consent_signatures",
    "treatment_courses",
    "course_sessions",
    "appointments",
    "medication_visits",
    "course_proposals",
    "treatment_sessions",
    "session_events",
    "vital_readings",
    "therapy_sessions",
)

Row = dict[str, Any]


@dataclass
class Rows:
    """Column values by table, in the order they were made."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, **values: Any) -> Row:
        self.tables[table].append(values)
        return values

    def count(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.tables.items()}


@dataclass(frozen=True)
class Staff:
    physician: uuid.UUID
    nurse: uuid.UUID
    therapist: uuid.UUID
    desk: uuid.UUID  # who books appointments (the front desk, or the nurse)


@dataclass(frozen=True)
class Setup:
    """One treatment's protocol version and current consent document in the clinic."""

    treatment: str  # "iv_ketamine" or "esketamine"
    protocol_version_id: uuid.UUID
    protocol: Protocol
    consent_document_id: uuid.UUID
    consent_version: int
    consent_sha256: str
    consent_text: str


@dataclass(frozen=True)
class Places:
    """The clinic's bookable chairs and the room medication visits are booked in."""

    chairs: tuple[uuid.UUID, ...]
    room: uuid.UUID


@dataclass(frozen=True)
class Context:
    """What every patient of one synthetic clinic shares."""

    clinic_id: uuid.UUID
    staff: Staff
    setups: dict[str, Setup]
    instruments: dict[str, Instrument]
    parameters: Parameters
    places: Places | None = None
    made: dict[str, int] = field(default_factory=dict)  # clinic-level rows inserted, by table


def new_id(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator, so the same seed gives the same ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def record(ctx: Context, rng: random.Random, by: uuid.UUID, when: datetime) -> Row:
    """The columns every clinical row carries (ClinicalRecord), created at ``when``."""
    return {
        "id": new_id(rng),
        "clinic_id": ctx.clinic_id,
        "created_by": by,
        "created_at": when,
        "voided_at": None,
        "voided_by": None,
        "void_reason": None,
    }
