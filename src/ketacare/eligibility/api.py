"""JSON API for the trial ledger, staging and signed eligibility assessments."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from ketacare.audit import service as audit
from ketacare.eligibility import assessments, service
from ketacare.eligibility.adequacy import adequacy_of
from ketacare.eligibility.models import EligibilityAssessment
from ketacare.eligibility.schemas import (
    AssessmentCreate,
    AssessmentRead,
    StagingRead,
    TrialCreate,
    TrialRead,
)
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
def read_staging(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> StagingRead:
    """The ledger with each trial's judgement, EU-PEARL and Thase-Rush with their reasoning."""
    result = service.staging_of(db, actor, patient_id, adequacy_of(request))
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


def _read(row: EligibilityAssessment, status: assessments.Status | None) -> AssessmentRead:
    current = (
        status is not None and status.assessment is not None and status.assessment.id == row.id
    )
    return AssessmentRead.model_validate(row).model_copy(
        update={
            "out_of_date": current and status is not None and status.out_of_date,
            "changes": list(status.changes) if current and status is not None else [],
        }
    )


@router.get("/patients/{patient_id}/eligibility", response_model=list[AssessmentRead])
def list_assessments(
    patient_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> list[AssessmentRead]:
    """Signed assessments, newest first; the newest per treatment says whether it is out of date."""
    statuses = assessments.statuses(db, actor, patient_id)
    rows = assessments.AssessmentRepository(db, actor).of_patient(patient_id)
    audit.record(
        db, actor, "eligibility_assessment.view", "eligibility_assessment", patient_id=patient_id
    )
    return [_read(row, statuses.get(row.treatment)) for row in reversed(rows)]  # type: ignore[call-overload]


@router.post("/patients/{patient_id}/eligibility", response_model=AssessmentRead, status_code=201)
def sign_assessment(
    request: Request,
    patient_id: uuid.UUID,
    data: AssessmentCreate,
    db: DbSession,
    actor: Diagnostician,
) -> AssessmentRead:
    """Sign an assessment. 422 names the field: readings out of range, or a missing justification
    when treating despite a contraindication or overriding "not eligible"."""
    settings = request.app.state.assessment_settings
    row = assessments.sign(
        db, actor, settings, drug_table_of(request), adequacy_of(request), patient_id, data
    )
    return _read(row, None)
