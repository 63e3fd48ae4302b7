"""A small clinic for therapy tests: one patient, every role, and a session with a process note."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from ketacare.patients import service as patients_service
from ketacare.patients.schemas import PatientCreate
from ketacare.therapy import process_notes, service
from ketacare.therapy.schemas import ProcessNoteCreate, SessionCreate

PROCESS_MARKER = "PROCESSNOTE-7f3c2a-MARKER"
PROGRESS_MARKER = "PROGRESSNOTE-b41d09-MARKER"

SESSION = {
    "held_on": "2026-03-02",
    "therapy_type": "kap_integration",
    "duration_min": 50,
    "modality": "individual",
    "delivery": "in_person",
    "themes": ["grief", "sleep"],
    "homework": "Keep a mood diary",
    "progress_note": "Engaged, mood brighter, integration of dosing experience.",
}


@dataclass
class World:
    users: dict[str, User]
    patient_id: uuid.UUID
    session_id: uuid.UUID
    note_id: uuid.UUID
    extra: dict[str, uuid.UUID] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return accounts.actor_for(self.users[key])


def build_world(
    session_factory: sessionmaker[Session], make_user: Callable[..., User], *, sign: bool = False
) -> World:
    """Users of every role (two therapists: the author and another), a patient, and the author's
    session with a progress note and a process note that carry unique markers."""
    users = {
        "author": make_user("therapist"),
        "therapist": make_user("therapist"),
        "physician": make_user("physician"),
        "nurse": make_user("nurse"),
        "front_desk": make_user("front_desk"),
        "admin": make_user("admin"),
    }
    author = accounts.actor_for(users["author"])
    with transaction(session_factory) as db:
        patient = patients_service.register(
            db,
            author,
            PatientCreate(
                given_name="Ada",
                family_name="Lovelace",
                date_of_birth=date(1980, 12, 10),
                sex="female",
            ),
        )
        data = SessionCreate.model_validate(
            {**SESSION, "progress_note": f"Progress {PROGRESS_MARKER}"}
        )
        row = service.record(db, author, patient.id, data)
        if sign:
            service.sign(db, author, row.id)
        note = process_notes.write(
            db, author, row, ProcessNoteCreate(text=f"Dream {PROCESS_MARKER}")
        )
        return World(users, patient.id, row.id, note.id)
