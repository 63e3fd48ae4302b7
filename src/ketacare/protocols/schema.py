"""What a treatment protocol file holds, validated field by field. Pure.

Every number carries where it came from: ``source`` fields cite the literature, and numbers the
literature does not give are marked ``clinic_choice = true`` so pages can say so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketacare.eligibility.screening import Treatment


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Strict):
    source: str = Field(min_length=3)
    clinic_choice: bool = False


class WeightBasis(Sourced):
    """Which weight a mg/kg dose multiplies. Formulas: rules in ``ketacare.dosing.rules``."""

    basis: Literal["actual", "ideal", "adjusted"] = "actual"
    adjusted_factor: float = Field(default=0.4, gt=0, lt=1)
    max_age_days: int = Field(ge=1, le=365, description="A weight older than this is refused")


class DosePerKg(Sourced):
    mode: Literal["mg_per_kg"] = "mg_per_kg"
    start_mg_per_kg: float = Field(gt=0, le=2)
    step_mg_per_kg: float = Field(gt=0, le=1)
    max_mg_per_kg: float = Field(gt=0, le=2)
    max_mg: float = Field(gt=0, le=500, description="Absolute cap whatever the weight")
    round_to_mg: float = Field(default=0.5, gt=0, le=10)
    weight: WeightBasis

    @model_validator(mode="after")
    def _ordered(self) -> DosePerKg:
        if self.start_mg_per_kg > self.max_mg_per_kg:
            raise ValueError("start_mg_per_kg must not exceed max_mg_per_kg")
        return self


class FixedDose(Sourced):
    mode: Literal["fixed_mg"] = "fixed_mg"
    start_mg: float = Field(gt=0, le=500)
    start_mg_age_65_and_over: float | None = Field(default=None, gt=0, le=500)
    step_mg: float = Field(gt=0, le=500)
    max_mg: float = Field(gt=0, le=500)
    device_mg: float | None = Field(default=None, gt=0, le=500, description="mg per device")

    @model_validator(mode="after")
    def _ordered(self) -> FixedDose:
        if self.start_mg > self.max_mg:
            raise ValueError("start_mg must not exceed max_mg")
        if self.device_mg and (self.start_mg % self.device_mg or self.step_mg % self.device_mg):
            raise ValueError("start_mg and step_mg must be whole numbers of devices (device_mg)")
        return self


class Infusion(Sourced):
    duration_min: float = Field(gt=0, le=240)
    stock_mg_per_ml: float = Field(gt=0, le=100)
    diluent: str = Field(min_length=2)
    bag_volume_ml: float = Field(ge=0, le=1000)
    draw_round_to_ml: float = Field(default=0.1, gt=0, le=1)
    rate_round_to_ml_per_h: float = Field(default=0.1, gt=0, le=10)


class Phase(Sourced):
    name: str = Field(min_length=2, max_length=40)
    sessions: int = Field(ge=1, le=52)
    interval_pattern_days: list[int] = Field(min_length=1, description="Cycled between sessions")
    min_interval_days: int = Field(ge=1, le=90)

    @model_validator(mode="after")
    def _spacing(self) -> Phase:
        if min(self.interval_pattern_days) < self.min_interval_days:
            raise ValueError("interval_pattern_days must respect min_interval_days")
        return self


Proposal = Literal["dose_step_up", "start_next_phase", "end_course", "physician_review"]


class DecisionPoint(Sourced):
    """After session ``after_session`` of ``phase``: if the improvement from baseline is in
    [min_improvement_pct, max_improvement_pct) and the tolerability matches, propose."""

    phase: str
    after_session: int = Field(ge=1, le=52)
    min_improvement_pct: float = Field(default=-1000, ge=-1000, le=100)
    max_improvement_pct: float = Field(default=1000, ge=-100, le=1000)
    requires_tolerated: bool = False
    propose: Proposal
    explanation: str = Field(min_length=3)


class Gates(Sourced):
    max_systolic_mmhg: int = Field(ge=100, le=220)
    max_diastolic_mmhg: int = Field(ge=60, le=140)
    fasting_solids_hours: float = Field(ge=0, le=12)
    fasting_liquids_hours: float = Field(ge=0, le=12)
    substance_free_hours: float = Field(ge=0, le=72)
    escort_required: bool


class Threshold(Sourced):
    measure: Literal["systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_pct", "resp_rate"]
    direction: Literal["above", "below"]
    value: float
    action: Literal["notify", "pause_advised", "stop_advised"]


class Monitoring(Sourced):
    vitals_every_min_during: int = Field(ge=1, le=60)
    vitals_every_min_after: int = Field(ge=1, le=120)
    observation_min: int = Field(ge=0, le=480)
    scales_at_min: list[int] = Field(default_factory=list)
    scales: list[str] = Field(default_factory=list)


class Protocol(_Strict):
    name: str = Field(min_length=3, max_length=120)
    treatment: Treatment
    drug: Literal["racemic ketamine", "esketamine"]
    route: Literal["intravenous", "intranasal"]
    summary: str = Field(min_length=3)
    outcome_instruments: list[str] = Field(
        default=["madrs", "phq9"],
        min_length=1,
        description="Improvement for decision points: the first with a baseline and a later score",
    )
    dose: DosePerKg | FixedDose = Field(discriminator="mode")
    infusion: Infusion | None = None
    phases: list[Phase] = Field(min_length=1)
    decisions: list[DecisionPoint] = Field(default_factory=list)
    gates: Gates
    monitoring: Monitoring
    thresholds: list[Threshold] = Field(default_factory=list)
    discharge: list[str] = Field(min_length=1)
    discharge_source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        if self.route == "intravenous" and self.infusion is None:
            raise ValueError("infusion: an intravenous protocol needs an [infusion] table")
        if self.route == "intravenous" and not isinstance(self.dose, DosePerKg):
            raise ValueError("dose: an intravenous protocol doses in mg_per_kg")
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("phases: phase names must be unique")
        for index, point in enumerate(self.decisions):
            phase = next((p for p in self.phases if p.name == point.phase), None)
            if phase is None:
                raise ValueError(f"decisions[{index}].phase: no phase named '{point.phase}'")
            if point.after_session > phase.sessions:
                raise ValueError(
                    f"decisions[{index}].after_session: phase '{phase.name}' has "
                    f"{phase.sessions} sessions"
                )
        return self
