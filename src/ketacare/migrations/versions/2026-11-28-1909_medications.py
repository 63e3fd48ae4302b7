"""Medications: each patient's medication list.

Revision ID: 0003_medications
Revises: 0002_scales
Create Date: 2026-11-28 19:09:03.291599
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0003_medications"
down_revision: str | None = "0002_scales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_medications",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("drug_name", sa.String(length=100), nullable=False),
        sa.Column("dose_amount", sa.Float(), nullable=False),
        sa.Column("dose_unit", sa.String(length=10), nullable=False),
        sa.Column("frequency", sa.String(length=60), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("prescriber", sa.String(length=200), nullable=True),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("stopped_by", sa.Uuid(), nullable=True),
        sa.Column("stopped_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("dose_amount > 0", name=op.f("ck_patient_medications_dose_positive")),
        sa.CheckConstraint(
            "stopped_on IS NULL OR stopped_on >= started_on",
            name=op.f("ck_patient_medications_stop_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patient_medications_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_patient_medications_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_medications_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["stopped_by"], ["users.id"], name=op.f("fk_patient_medications_stopped_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_patient_medications_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_medications")),
    )
    with op.batch_alter_table("patient_medications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_medications_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_patient_medications_patient_id"), ["patient_id"], unique=False
        )

    guards.refuse("patient_medications", ("DELETE",))


def downgrade() -> None:
    guards.allow("patient_medications", ("DELETE",))
    with op.batch_alter_table("patient_medications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_medications_patient_id"))
        batch_op.drop_index(batch_op.f("ix_patient_medications_clinic_id"))

    op.drop_table("patient_medications")
