"""Demo therapy and medication-management visits beside the courses (synthetic text only)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ketacare.kit.actor import Actor
from ketacare.medications import visits
from ketacare.medications.schemas import VisitCreate
from ketacare.therapy import process_notes
from ketacare.therapy import service as therapy
from ketacare.therapy.schemas import ProcessNoteCreate, SessionCreate

THEMES = ("sleep", "work stress", "grief", "relationships", "self-criticism", "motivation")


def seed_care(
    session: Session,
    rng: random.Random,
    patient_id: uuid.UUID,
    therapist: Actor,
    physician: Actor,
    today: date,
) -> None:
    """A signed KAP preparation session with a process note, and a medication visit note."""
    prepared = therapy.record(
        session,
        therapist,
        patient_id,
        SessionCreate(
            held_on=today - timedelta(days=rng.randint(3, 10)),
            therapy_type="kap_preparation",
            duration_min=50,
            themes=rng.sample(THEMES, 2),
            homework="Write down three intentions for the first session.",
            progress_note="Set intentions and discussed what dissociation may feel like.",
        ),
    )
    therapy.sign(session, therapist, prepared.id)
    process_notes.write(
        session,
        therapist,
        prepared,
        ProcessNoteCreate(text="Therapist's own working hypotheses (synthetic demo text)."),
    )
    visits.record(
        session,
        physician,
        patient_id,
        VisitCreate(
            visited_on=today - timedelta(days=rng.randint(1, 14)),
            reason="medication review before ketamine",
            adherence=rng.choice(("good", "partial")),
            assessment="Tolerating current medicines; no new side effects.",
            plan="No change; review again after the induction phase.",
            list_reviewed_no_change=True,
        ),
    )
