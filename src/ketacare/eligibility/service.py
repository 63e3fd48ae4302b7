"""Eligibility use cases: the trial ledger and staging from it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.eligibility import staging
from ketacare.eligibility.adequacy import SHIPPED, AdequacyTable
from ketacare.eligibility.models import TreatmentTrial
from ketacare.eligibility.schemas import TrialCreate
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.errors import InvalidInput
from ketacare.medications.drugs import Drug, suggestions
from ketacare.patients import service as patients_service

# The classes Thase-Rush distinguishes, from the drug table's class keys.
_STAGING_CLASSES = {
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "TCA",
    "maoi": "MAOI",
    "antidepressant_other": "other antidepressant",
    "antipsychotic": "antipsychotic",
    "lithium": "lithium",
}


class TrialRepository(ClinicScopedRepository):
    def of_patient(self, patient_id: uuid.UUID) -> list[TreatmentTrial]:
        statement = select(TreatmentTrial).where(
            TreatmentTrial.clinic_id == self.clinic_id,
            TreatmentTrial.patient_id == patient_id,
            TreatmentTrial.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(TreatmentTrial.created_at)))


def add_trial(
    session: Session,
    actor: Actor,
    drugs: Mapping[str, Drug],
    patient_id: uuid.UUID,
    data: TrialCreate,
) -> TreatmentTrial:
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    if data.started_on is not None:
        weeks_so_far = (date.today() - data.started_on).days / 7
        if data.weeks_at_dose > weeks_so_far:
            raise InvalidInput.one(
                "weeks_at_dose",
                f"must be at most {weeks_so_far:.1f}: the trial started on "
                f"{data.started_on:%Y-%m-%d}, so more weeks would end in the future",
                min=0,
                max=round(weeks_so_far, 1),
            )
    name, drug_class = data.name.strip(), None
    if data.kind in ("antidepressant", "augmentation"):
        drug = drugs.get(name.lower())
        if drug is None:
            close = suggestions(name, drugs)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InvalidInput.one("name", f"'{name}' is not in the drug table{hint}")
        name = drug.name
        drug_class = next(
            (_STAGING_CLASSES[c] for c in drug.classes if c in _STAGING_CLASSES), None
        )
    row = TreatmentTrial(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient.id,
        name=name,
        drug_class=drug_class,
        **data.model_dump(exclude={"name"}),
    )
    TrialRepository(session, actor).add(row)
    audit.record(
        session,
        actor,
        "treatment_trial.create",
        "treatment_trial",
        row.id,
        patient_id=patient.id,
        details={"kind": data.kind},
    )
    return row


def _as_rule_input(row: TreatmentTrial) -> staging.Trial:
    return staging.Trial(
        kind=row.kind,  # type: ignore[arg-type]  # constrained by the table's CHECK
        name=row.name,
        drug_class=row.drug_class,
        adequate_dose=row.adequate_dose,
        daily_dose_mg=row.highest_daily_dose_mg,
        weeks_at_dose=row.weeks_at_dose,
        improvement_pct=row.improvement_pct,
        current_episode=row.current_episode,
        bilateral=row.bilateral,
    )


@dataclass(frozen=True)
class Staging:
    trials: list[TreatmentTrial]
    judgements: list[staging.Judgement]
    eu_pearl: staging.EuPearl
    thase_rush: staging.Stage


def staging_of(
    session: Session, actor: Actor, patient_id: uuid.UUID, table: AdequacyTable = SHIPPED
) -> Staging:
    patients_service.get(session, actor, patient_id, audit_view=False)
    rows = TrialRepository(session, actor).of_patient(patient_id)
    inputs = [_as_rule_input(row) for row in rows]
    audit.record(
        session,
        actor,
        "treatment_trial.view",
        "treatment_trial",
        patient_id=patient_id,
        details={"count": len(rows)},
    )
    return Staging(
        rows,
        [staging.judge(t, table) for t in inputs],
        staging.eu_pearl(inputs, table),
        staging.thase_rush(inputs, table),
    )
