"""Trial-ledger input and output shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from ketacare.kit.schemas import InputSchema, Schema


class TrialCreate(InputSchema):
    kind: Literal["antidepressant", "augmentation", "ect", "psychotherapy"]
    name: str = Field(
        min_length=2,
        max_length=100,
        description="Generic drug name, or e.g. 'bilateral ECT', 'CBT'",
    )
    highest_daily_dose_mg: float | None = Field(default=None, gt=0, le=100_000)
    weeks_at_dose: float = Field(ge=0, le=520)
    adherence: Literal["good", "partial", "poor", "unknown"] = "unknown"
    improvement_pct: float | None = Field(
        default=None, ge=-100, le=100, description="Improvement from the start of the trial"
    )
    adequate_dose: bool = Field(
        default=True, description="Physician's judgement until the clinic supplies a dose table"
    )
    current_episode: bool = True
    bilateral: bool = Field(default=False, description="ECT only")
    started_on: date | None = None
    reason_stopped: str | None = Field(default=None, max_length=500)

    @field_validator("started_on")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("cannot be in the future")
        return value


class TrialRead(Schema):
    id: uuid.UUID
    kind: str
    name: str
    drug_class: str | None
    highest_daily_dose_mg: float | None
    weeks_at_dose: float
    adherence: str
    improvement_pct: float | None
    adequate_dose: bool
    current_episode: bool
    bilateral: bool
    started_on: date | None
    reason_stopped: str | None
    counts_as_failure: bool = False
    judgement: str = ""


class StagingRead(Schema):
    eu_pearl_failed_treatments: int
    treatment_resistant: bool
    thase_rush_stage: str
    thase_rush_reasoning: list[str]
    trials: list[TrialRead]


PregnancyStatusIn = Literal[
    "not_applicable", "negative_test", "pregnant", "breastfeeding", "unknown"
]
ConclusionIn = Literal["eligible", "eligible_with_precautions", "not_eligible"]
SeverityIn = Literal["subsyndromal", "mild", "moderate", "severe", "severe_psychotic"]


class AssessmentCreate(InputSchema):
    """What the physician enters and signs. Readings are bounded by the clinic's entry ranges."""

    treatment: Literal["iv_ketamine", "esketamine"]
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int | None = None
    pregnancy_status: PregnancyStatusIn
    episode_onset_on: date | None = Field(
        default=None, description="Start of the current depressive episode (Maudsley duration)"
    )
    episode_severity: SeverityIn | None = Field(
        default=None, description="Severity at baseline (Maudsley)"
    )
    conclusion: ConclusionIn = Field(description="The physician's conclusion, signed")
    justification: str = Field(default="", max_length=4000)

    @field_validator("episode_onset_on")
    @classmethod
    def _onset_not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("cannot be in the future")
        return value


class ReasonRead(Schema):
    strength: str
    finding: str
    action: str
    source: str


class AssessmentRead(Schema):
    id: uuid.UUID
    treatment: str
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int | None
    pregnancy_status: str
    computed_conclusion: str
    conclusion: str
    justification: str | None
    reasons: list[ReasonRead]
    created_at: datetime
    created_by: uuid.UUID
    out_of_date: bool = False
    changes: list[str] = Field(default_factory=list)
