"""The chair-side scales of one synthetic session, recorded as the chair records them.

At the protocol's ``monitoring.scales_at_min`` after dosing started, each of its
``monitoring.scales`` (CADSS-6 and MOAA/S in both shipped protocols) is a clinician-rated
scale response; before discharge a Modified Aldrete (and a MOAA/S again when the patient was
sedated) show the discharge criteria (``treatment/knowledge/discharge.toml``: MOAA/S 5,
Aldrete >= 9) were met.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from ketacare.synth.intake import add_answers
from ketacare.synth.rows import Context, Rows, Setup

FULLY_ALERT = 5  # MOAA/S 5: responds readily to name spoken in a normal tone (Chernik 1990)


def _cadss6(ctx: Context, rng: random.Random, dissociated: bool) -> dict[str, int]:
    items = ctx.instruments["cadss6"].items
    if not dissociated:
        return {item.id: 0 for item in items}
    top = ctx.parameters.chair_scales.cadss6_item_max
    answers = {item.id: rng.randint(0, top) for item in items}
    if not any(answers.values()):
        answers[rng.choice(items).id] = 1
    return answers


def _moaas(ctx: Context, rng: random.Random) -> int:
    p = ctx.parameters.chair_scales
    draw = rng.random()
    if draw < p.loss_of_consciousness:
        return 0
    if draw < p.sedation:
        return rng.choice(p.moaas_sedated)
    return FULLY_ALERT


def _aldrete(ctx: Context, rng: random.Random) -> dict[str, int]:
    """All items at their best (2), sometimes one at 1: a total of 9 or 10."""
    items = ctx.instruments["aldrete"].items
    answers = {item.id: 2 for item in items}
    if rng.random() < ctx.parameters.chair_scales.aldrete_nine:
        answers[rng.choice(items).id] = 1
    return answers


def record(
    ctx: Context,
    setup: Setup,
    rng: random.Random,
    rows: Rows,
    patient_id: uuid.UUID,
    started: datetime,
    discharged: datetime,
) -> None:
    nurse, p = ctx.staff.nurse, ctx.parameters.chair_scales
    monitoring = setup.protocol.monitoring
    alert = FULLY_ALERT
    for minute in monitoring.scales_at_min:
        when = started + timedelta(minutes=minute)
        for instrument in monitoring.scales:
            if instrument == "cadss6":
                answers = _cadss6(ctx, rng, rng.random() < p.dissociation)
            elif instrument == "moaas":
                alert = _moaas(ctx, rng)
                answers = {"1": alert}
            else:
                continue  # a clinic's own scale: no synthetic values defined
            add_answers(ctx, rng, rows, patient_id, instrument, answers, when, nurse)
    before = discharged - timedelta(minutes=5)
    if alert < FULLY_ALERT:  # re-rated until fully alert
        add_answers(ctx, rng, rows, patient_id, "moaas", {"1": FULLY_ALERT}, before, nurse)
    add_answers(ctx, rng, rows, patient_id, "aldrete", _aldrete(ctx, rng), before, nurse)
