"""Medication-management visit notes.

Revision ID: 0013_medication_visits
Revises: 0012_outbound_messages
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0013_medication_visits"
down_revision: str | None = "0012_outbound_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medication_visits",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("adherence", sa.String(length=15), nullable=False),
        sa.Column("side_effects", sa.Text(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "adherence IN ('good', 'partial', 'poor', 'not_assessed')",
            name=op.f("ck_medication_visits_adherence_known"),
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_medication_visits_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_medication_visits_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_medication_visits_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_medication_visits_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_medication_visits_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_visits")),
    )
    with op.batch_alter_table("medication_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medication_visits_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_medication_visits_patient_id"), ["patient_id"], unique=False
        )
    guards.refuse("medication_visits", ("DELETE",))


def downgrade() -> None:
    guards.allow("medication_visits", ("DELETE",))
    with op.batch_alter_table("medication_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_visits_patient_id"))
        batch_op.drop_index(batch_op.f("ix_medication_visits_clinic_id"))

    op.drop_table("medication_visits")
