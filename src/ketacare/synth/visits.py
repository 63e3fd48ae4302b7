"""Medication-management visit notes of a synthetic patient (synthetic text only)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from ketacare.synth.rows import Context, Rows, at, record

REASONS = (
    "medication review during the ketamine course",
    "antidepressant review after induction",
    "side-effect check",
)
ASSESSMENTS = (
    "Tolerating current medicines; no new side effects (synthetic).",
    "Mild nausea on treatment days, settling; otherwise well (synthetic).",
    "Sleep improving; no change in adherence (synthetic).",
)
PLANS = (
    "No change; review again after the induction phase (synthetic).",
    "Continue current antidepressant; review in four weeks (synthetic).",
)
SIDE_EFFECTS = (None, None, "mild nausea", "dry mouth")


def notes(
    ctx: Context, rng: random.Random, rows: Rows, patient_id: uuid.UUID, course_start: date
) -> None:
    """For a share of patients, one signed visit note during the course (up to as_of)."""
    if rng.random() >= ctx.parameters.medication_visits.share:
        return
    day = course_start + timedelta(days=rng.randint(7, 28))
    if day > ctx.parameters.period.as_of:
        return
    rows.add(
        "medication_visits",
        **record(ctx, rng, ctx.staff.physician, at(day, 14)),
        patient_id=patient_id,
        visited_on=day,
        appointment_id=None,
        reason=rng.choice(REASONS),
        adherence=rng.choice(("good", "good", "partial")),
        side_effects=rng.choice(SIDE_EFFECTS),
        assessment=rng.choice(ASSESSMENTS),
        plan=rng.choice(PLANS),
    )
