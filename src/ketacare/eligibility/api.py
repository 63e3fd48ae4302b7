"""JSON API for the trial ledger and staging."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from ketacare.eligibility import service
from ketacare.eligibility.schemas import StagingRead, TrialCreate, TrialRead
from ketacare.kit.db.session import DbSession
from ketacare.medications.api import drug_table_of
from ketacare.patients.permissions import Diagnostician
from ketacare.scales.permissions import ScaleReader

router = APIRouter(tags=["eligibility"])


@router.post("/patients/{patient_id}/trials", response_model=TrialRead, status_code=201)
def add_trial(
    request: Request, patient_id: uuid.UUID, data: TrialCreate, db: DbSession, actor: Diagnostician
) -> TrialRead:
    row = service.add_trial(db, actor, drug_table_of(request), patient_id, data)
    return TrialRead.model_validate(row)


@router.get("/patients/{patient_id}/staging", response_model=StagingRead)
def read_staging(patient_id: uuid.UUID, db: DbSession, actor: ScaleReader) -> StagingRead:
    """The ledger with each trial's judgement, EU-PEARL and Thase-Rush with their reasoning."""
    result = service.staging_of(db, actor, patient_id)
    trials = [
        TrialRead.model_validate(row).model_copy(
            update={"counts_as_failure": j.counts_as_failure, "judgement": j.reason}
        )
        for row, j in zip(result.trials, result.judgements, strict=True)
    ]
    return StagingRead(
        eu_pearl_failed_treatments=result.eu_pearl.failed_treatments,
        treatment_resistant=result.eu_pearl.treatment_resistant,
        thase_rush_stage=result.thase_rush.roman,
        thase_rush_reasoning=list(result.thase_rush.reasoning),
        trials=trials,
    )
