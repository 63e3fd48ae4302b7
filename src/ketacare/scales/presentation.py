"""Shaping scale data for pages: form parsing and the per-patient scores page context."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.patients import service as patients_service
from ketacare.scales import charts, outcomes, service
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse


def answers_from_form(
    instrument: Instrument, form: Mapping[str, str]
) -> tuple[dict[str, int], InvalidInput | None]:
    """``item-<id>`` fields as integers; anything unparsable is a problem naming the item.

    Missing items are left to the scoring rules, which know which ones are required.
    """
    answers: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for item in instrument.items:
        raw = form.get(f"item-{item.id}", "")
        if raw == "":
            continue
        try:
            answers[item.id] = int(raw)
        except ValueError:
            problems.append(FieldProblem(f"item {item.id}", "must be one of the listed answers"))
    return answers, InvalidInput(problems) if problems else None


@dataclass(frozen=True)
class InstrumentPanel:
    instrument: Instrument
    responses: list[ScaleResponse]
    outcome: outcomes.Outcome | None
    chart_svg: str


def chart_spec(
    instrument: Instrument,
    rows: list[ScaleResponse],
    settings: Settings,
    treatments: tuple[datetime, ...],
) -> tuple[charts.ChartSpec, outcomes.Outcome | None]:
    """One instrument's trajectory with its bands, baseline, response and remission lines."""
    first = treatments[0] if treatments else None
    outcome = service.outcome_of(instrument, rows, settings, first_treatment_at=first)
    baseline = outcome.baseline.total if outcome and outcome.baseline else None
    criteria = instrument.outcome_criteria
    spec = charts.ChartSpec(
        title=instrument.name,
        y_label=f"{instrument.short_name} total",
        y_min=instrument.total_min,
        y_max=instrument.total_max,
        bands=tuple(charts.Band(b.min, b.max, b.label) for b in instrument.bands),
        points=tuple(
            charts.Point(r.administered_at, r.total, r.severity or "")
            for r in rows
            if r.total is not None
        ),
        baseline=baseline,
        response_line=(
            baseline * (1 - criteria.response_reduction_pct / 100)
            if baseline and criteria
            else None
        ),
        remission_lines=tuple((c.name, c.value) for c in criteria.remission) if criteria else (),
        treatments=treatments,
        response_label=(
            f"≥{criteria.response_reduction_pct:g}% reduction" if criteria else "≥50% reduction"
        ),
        higher_is_worse=instrument.higher_is_worse,
    )
    return spec, outcome


def _panel(
    instrument: Instrument,
    rows: list[ScaleResponse],
    settings: Settings,
    treatments: tuple[datetime, ...],
) -> InstrumentPanel:
    spec, outcome = chart_spec(instrument, rows, settings, treatments)
    return InstrumentPanel(instrument, rows, outcome, charts.trajectory_svg(spec))


def patient_scales_context(
    session: Session,
    actor: Actor,
    settings: Settings,
    patient_id: uuid.UUID,
    instruments: Mapping[str, Instrument],
    treatments: Sequence[datetime] = (),
) -> dict[str, Any]:
    """``treatments``: when the patient was given treatment sessions (chart markers, baseline)."""
    patient = patients_service.get(session, actor, patient_id)
    rows = service.responses(session, actor, patient_id)
    by_instrument: dict[str, list[ScaleResponse]] = {}
    for row in rows:
        by_instrument.setdefault(row.instrument_id, []).append(row)
    panels = [
        _panel(instruments[iid], responses, settings, tuple(sorted(treatments)))
        for iid, responses in by_instrument.items()
        if iid in instruments
    ]
    return {
        "patient": patient,
        "panels": panels,
        "alerts": service.alerts_of_patient(session, actor, patient_id),
        "clinician_instruments": [i for i in instruments.values() if i.rater != "self"],
        "self_report_instruments": [i for i in instruments.values() if i.rater == "self"],
        "role": actor.role,
    }
