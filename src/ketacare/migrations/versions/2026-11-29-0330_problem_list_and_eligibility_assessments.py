"""Problem list (screening conditions, resolution) and signed eligibility assessments.

Revision ID: 0006_eligibility_assessments
Revises: 0005_consent
Create Date: 2026-11-29 02:46:11.641014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0006_eligibility_assessments"
down_revision: str | None = "0005_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eligibility_assessments",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("systolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("diastolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("heart_rate_bpm", sa.Integer(), nullable=True),
        sa.Column("pregnancy_status", sa.String(length=20), nullable=False),
        sa.Column("episode_onset_on", sa.Date(), nullable=True),
        sa.Column("episode_severity", sa.String(length=20), nullable=True),
        sa.Column("computed_conclusion", sa.String(length=30), nullable=False),
        sa.Column("conclusion", sa.String(length=30), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("facts_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "computed_conclusion IN ('eligible', 'eligible_with_precautions', 'not_eligible') AND conclusion IN ('eligible', 'eligible_with_precautions', 'not_eligible')",
            name=op.f("ck_eligibility_assessments_conclusion_known"),
        ),
        sa.CheckConstraint(
            "treatment IN ('iv_ketamine', 'esketamine')",
            name=op.f("ck_eligibility_assessments_treatment_known"),
        ),
        sa.CheckConstraint(
            "heart_rate_bpm IS NULL OR heart_rate_bpm BETWEEN 20 AND 250",
            name=op.f("ck_eligibility_assessments_hr_plausible"),
        ),
        sa.CheckConstraint(
            "systolic_mmhg BETWEEN 40 AND 300 AND diastolic_mmhg BETWEEN 20 AND 200",
            name=op.f("ck_eligibility_assessments_bp_plausible"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_eligibility_assessments_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_eligibility_assessments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_eligibility_assessments_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_eligibility_assessments_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_assessments")),
    )
    with op.batch_alter_table("eligibility_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_eligibility_assessments_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_eligibility_assessments_patient_id"), ["patient_id"], unique=False
        )

    # SQLite rebuilds the table in batch mode, which drops its triggers: lift and restore the guard.
    guards.allow("diagnoses", ("DELETE",))
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("condition", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "resolved_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.alter_column("icd10_code", existing_type=sa.VARCHAR(length=10), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_diagnoses_resolved_by_users"), "users", ["resolved_by"], ["id"]
        )
        batch_op.create_check_constraint("coded", "icd10_code IS NOT NULL OR condition IS NOT NULL")
        batch_op.create_check_constraint(
            "resolved_after_onset",
            "resolved_on IS NULL OR onset_date IS NULL OR resolved_on >= onset_date",
        )
    guards.refuse("diagnoses", ("DELETE",))
    guards.refuse("eligibility_assessments", ("DELETE",))


def downgrade() -> None:
    guards.allow("eligibility_assessments", ("DELETE",))
    guards.allow("diagnoses", ("DELETE",))
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_diagnoses_resolved_after_onset"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_diagnoses_coded"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_diagnoses_resolved_by_users"), type_="foreignkey")
        batch_op.alter_column("icd10_code", existing_type=sa.VARCHAR(length=10), nullable=False)
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_on")
        batch_op.drop_column("condition")

    with op.batch_alter_table("eligibility_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eligibility_assessments_patient_id"))
        batch_op.drop_index(batch_op.f("ix_eligibility_assessments_clinic_id"))

    op.drop_table("eligibility_assessments")
    guards.refuse("diagnoses", ("DELETE",))
