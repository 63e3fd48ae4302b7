"""The antidepressant-trial ledger: each past treatment with what is needed to judge adequacy."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord


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
