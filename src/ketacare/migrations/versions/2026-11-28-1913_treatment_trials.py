"""Treatment trials: the antidepressant-trial ledger.

Revision ID: 0004_treatment_trials
Revises: 0003_medications
Create Date: 2026-11-28 19:13:48.299246
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0004_treatment_trials"
down_revision: str | None = "0003_medications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "treatment_trials",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("drug_class", sa.String(length=40), nullable=True),
        sa.Column("highest_daily_dose_mg", sa.Float(), nullable=True),
        sa.Column("weeks_at_dose", sa.Float(), nullable=False),
        sa.Column("adherence", sa.String(length=10), nullable=False),
        sa.Column("improvement_pct", sa.Float(), nullable=True),
        sa.Column("adequate_dose", sa.Boolean(), nullable=False),
        sa.Column("current_episode", sa.Boolean(), nullable=False),
        sa.Column("bilateral", sa.Boolean(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("reason_stopped", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('antidepressant', 'augmentation', 'ect', 'psychotherapy')",
            name=op.f("ck_treatment_trials_kind_known"),
        ),
        sa.CheckConstraint(
            "improvement_pct IS NULL OR (improvement_pct >= -100 AND improvement_pct <= 100)",
            name=op.f("ck_treatment_trials_improvement_range"),
        ),
        sa.CheckConstraint(
            "weeks_at_dose >= 0 AND weeks_at_dose <= 520",
            name=op.f("ck_treatment_trials_weeks_range"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_treatment_trials_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_treatment_trials_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_treatment_trials_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_treatment_trials_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_trials")),
    )
    with op.batch_alter_table("treatment_trials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_trials_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_trials_patient_id"), ["patient_id"], unique=False
        )

    guards.refuse("treatment_trials", ("DELETE",))


def downgrade() -> None:
    guards.allow("treatment_trials", ("DELETE",))
    with op.batch_alter_table("treatment_trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_trials_patient_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_trials_clinic_id"))

    op.drop_table("treatment_trials")
