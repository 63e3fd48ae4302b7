"""Synthetic patients in the demo clinic (``ketacare demo --synth-patients N``), added once.

The hand-made demo has 40 patients; the outcomes dashboard, the calendar and the research and
FHIR exports need volume. ``ketacare synth``'s bulk writer adds N generated patients to the SAME
clinic, with the demo's own staff as their clinicians and around the demo's own bookings. The
clinic's intake period ends yesterday, so courses in progress have sessions from today on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from ketacare.accounts.models import Clinic
from ketacare.config import Settings
from ketacare.demo.seed import CLINIC_SLUG, SEED
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.synth.writer import ClinicExists, Result, write_into

DEFAULT_PATIENTS = 300
MAX_PATIENTS = 20_000


def add_synthetic(
    settings: Settings,
    patients: int,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> Result | None:
    """Add ``patients`` synthetic patients to the demo clinic; None when it already has them
    (so running the demo again adds nothing)."""
    if not 0 < patients <= MAX_PATIENTS:
        raise ValueError(f"synth patients must be between 1 and {MAX_PATIENTS}, got {patients}")
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            clinic_id = session.scalar(select(Clinic.id).where(Clinic.slug == CLINIC_SLUG))
        if clinic_id is None:
            raise ValueError("the demo clinic is not seeded yet")
        as_of = (today or date.today()) - timedelta(days=1)
        try:
            return write_into(engine, clinic_id, patients, SEED, progress, as_of=as_of)
        except ClinicExists:
            return None
    finally:
        engine.dispose()
