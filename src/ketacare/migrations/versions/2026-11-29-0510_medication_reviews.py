"""Medication reconciliation: "reviewed, no change" recorded at a visit.

Revision ID: 0009_medication_reviews
Revises: 0008_treatment_sessions
Create Date: 2026-11-29 04:51:45.963134
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0009_medication_reviews"
down_revision: str | None = "0008_treatment_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medication_reviews",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_medication_reviews_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_medication_reviews_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_medication_reviews_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_medication_reviews_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_reviews")),
    )
    with op.batch_alter_table("medication_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medication_reviews_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_medication_reviews_patient_id"), ["patient_id"], unique=False
        )
    guards.refuse("medication_reviews", ("DELETE",))


def downgrade() -> None:
    guards.allow("medication_reviews", ("DELETE",))
    with op.batch_alter_table("medication_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_reviews_patient_id"))
        batch_op.drop_index(batch_op.f("ix_medication_reviews_clinic_id"))

    op.drop_table("medication_reviews")
