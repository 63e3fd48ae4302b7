"""The course plan as pages show it: each planned session with its dose and formulas."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ketacare.dosing import rules as dosing
from ketacare.kit.actor import Actor
from ketacare.patients import service as patients_service
from ketacare.protocols.schema import DosePerKg
from ketacare.treatment.courses import Loaded
from ketacare.treatment.models import CourseSession


@dataclass(frozen=True)
class PlannedDose:
    session: CourseSession
    dose: dosing.Dose | None
    problem: str | None


def body_of(session: Session, actor: Actor, patient_id: uuid.UUID) -> dosing.Body | None:
    """The latest weight with its date, and height, sex and age, from the chart."""
    chart = patients_service.chart(session, actor, patient_id)
    weighed = next((m for m in chart.measurements if m.weight_kg is not None), None)
    if weighed is None or weighed.weight_kg is None:
        return None
    return dosing.Body(
        weight_kg=weighed.weight_kg,
        weighed_on=weighed.measured_at.date(),
        height_cm=chart.height_cm,
        sex=chart.patient.sex,
        age_years=chart.age_years,
    )


def planned_doses(loaded: Loaded, body: dosing.Body | None) -> list[PlannedDose]:
    rule = loaded.protocol.dose
    found = []
    for row in loaded.sessions:
        if row.status != "planned":
            found.append(PlannedDose(row, None, None))
            continue
        if not isinstance(rule, DosePerKg):
            found.append(PlannedDose(row, dosing.fixed_dose(rule, loaded.state.dose), None))
            continue
        if body is None:
            found.append(PlannedDose(row, None, "no weight on the chart: weigh the patient"))
            continue
        infusion = loaded.protocol.infusion
        assert infusion is not None  # the schema requires one for IV protocols
        try:
            dose = dosing.iv_dose(rule, infusion, loaded.state.dose, body, row.planned_on)
        except dosing.DoseProblem as problem:
            found.append(PlannedDose(row, None, str(problem)))
        else:
            found.append(PlannedDose(row, dose, None))
    return found


def dose_unit(loaded: Loaded) -> str:
    return "mg/kg" if isinstance(loaded.protocol.dose, DosePerKg) else "mg"
