"""FHIR Bulk Data export jobs (the $export kick-off and its status).

Revision ID: 0014_fhir_export_jobs
Revises: 0013_medication_visits
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0014_fhir_export_jobs"
down_revision: str | None = "0013_medication_visits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_export_jobs",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("request_url", sa.String(length=2000), nullable=False),
        sa.Column("types", sa.JSON(), nullable=True),
        sa.Column("started_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "transaction_time", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_fhir_export_jobs_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_fhir_export_jobs_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_fhir_export_jobs_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_fhir_export_jobs_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_export_jobs")),
    )
    with op.batch_alter_table("fhir_export_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fhir_export_jobs_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index("ix_fhir_export_jobs_status", ["status", "created_at"], unique=False)

    guards.refuse("fhir_export_jobs", ("DELETE",))


def downgrade() -> None:
    guards.allow("fhir_export_jobs", ("DELETE",))
    with op.batch_alter_table("fhir_export_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_fhir_export_jobs_status")
        batch_op.drop_index(batch_op.f("ix_fhir_export_jobs_clinic_id"))

    op.drop_table("fhir_export_jobs")
