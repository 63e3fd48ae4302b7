"""The antidepressant-trial ledger and the signed eligibility assessments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord

_CONCLUSIONS = "'eligible', 'eligible_with_precautions', 'not_eligible'"


class TreatmentTrial(ClinicalRecord, Base):
    __tablename__ = "treatment_trials"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('antidepressant', 'augmentation', 'ect', 'psychotherapy')", name="kind_known"
        ),
        CheckConstraint("weeks_at_dose >= 0 AND weeks_at_dose <= 520", name="weeks_range"),
        CheckConstraint(
            "improvement_pct IS NULL OR (improvement_pct >= -100 AND improvement_pct <= 100)",
            name="improvement_range",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    drug_class: Mapped[str | None] = mapped_column(String(40))
    highest_daily_dose_mg: Mapped[float | None] = mapped_column(Float)
    weeks_at_dose: Mapped[float] = mapped_column(Float)
    adherence: Mapped[str] = mapped_column(String(10))
    improvement_pct: Mapped[float | None] = mapped_column(Float)
    adequate_dose: Mapped[bool] = mapped_column(Boolean)
    current_episode: Mapped[bool] = mapped_column(Boolean)
    bilateral: Mapped[bool] = mapped_column(Boolean, default=False)
    started_on: Mapped[date | None]
    reason_stopped: Mapped[str | None] = mapped_column(Text)


class EligibilityAssessment(ClinicalRecord, Base):
    """A physician's signed conclusion for one treatment, with the facts it rested on.

    Never edited: a review is a new assessment. ``facts_fingerprint`` digests the medication list
    and problem list at signing, so a later change marks the assessment out of date.
    """

    __tablename__ = "eligibility_assessments"
    __table_args__ = (
        CheckConstraint("treatment IN ('iv_ketamine', 'esketamine')", name="treatment_known"),
        CheckConstraint(
            f"computed_conclusion IN ({_CONCLUSIONS}) AND conclusion IN ({_CONCLUSIONS})",
            name="conclusion_known",
        ),
        CheckConstraint(
            "systolic_mmhg BETWEEN 40 AND 300 AND diastolic_mmhg BETWEEN 20 AND 200",
            name="bp_plausible",
        ),
        CheckConstraint(
            "heart_rate_bpm IS NULL OR heart_rate_bpm BETWEEN 20 AND 250", name="hr_plausible"
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    treatment: Mapped[str] = mapped_column(String(20))
    systolic_mmhg: Mapped[int]
    diastolic_mmhg: Mapped[int]
    heart_rate_bpm: Mapped[int | None]
    pregnancy_status: Mapped[str] = mapped_column(String(20))
    episode_onset_on: Mapped[date | None]
    episode_severity: Mapped[str | None] = mapped_column(String(20))
    computed_conclusion: Mapped[str] = mapped_column(String(30))
    conclusion: Mapped[str] = mapped_column(String(30))
    justification: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts_fingerprint: Mapped[str] = mapped_column(String(64))
