"""Informed consent: versioned consent documents and patients' signatures.

Revision ID: 0005_consent
Revises: 0004_treatment_trials
Create Date: 2026-11-29 03:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0005_consent"
down_revision: str | None = "0004_treatment_trials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]


def _record_keys(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f(f"fk_{table}_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f(f"fk_{table}_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f(f"fk_{table}_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "consent_documents",
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        *_record_columns(),
        sa.CheckConstraint(
            "treatment IN ('iv_ketamine', 'esketamine')",
            name=op.f("ck_consent_documents_treatment_known"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_consent_documents_version_positive")),
        *_record_keys("consent_documents"),
        sa.UniqueConstraint(
            "clinic_id",
            "treatment",
            "version",
            name=op.f("uq_consent_documents_clinic_id_treatment_version"),
        ),
    )
    with op.batch_alter_table("consent_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_documents_clinic_id"), ["clinic_id"], unique=False
        )

    op.create_table(
        "consent_signatures",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_text", sa.Text(), nullable=False),
        sa.Column("typed_name", sa.String(length=200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("witnessed_by", sa.Uuid(), nullable=False),
        sa.Column("withdrawn_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        *_record_columns(),
        sa.CheckConstraint(
            "treatment IN ('iv_ketamine', 'esketamine')",
            name=op.f("ck_consent_signatures_treatment_known"),
        ),
        sa.CheckConstraint(
            "withdrawn_at IS NULL OR (withdrawn_by IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name=op.f("ck_consent_signatures_withdrawal_complete"),
        ),
        *_record_keys("consent_signatures"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["consent_documents.id"],
            name=op.f("fk_consent_signatures_document_id_consent_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_consent_signatures_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["users.id"], name=op.f("fk_consent_signatures_withdrawn_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["witnessed_by"], ["users.id"], name=op.f("fk_consent_signatures_witnessed_by_users")
        ),
    )
    with op.batch_alter_table("consent_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_signatures_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_consent_signatures_patient_treatment", ["patient_id", "treatment"], unique=False
        )

    # A published text is never edited (a new text is a new version); signatures are withdrawn
    # or voided, never deleted.
    guards.refuse("consent_documents", ("UPDATE", "DELETE"))
    guards.refuse("consent_signatures", ("DELETE",))


def downgrade() -> None:
    guards.allow("consent_signatures", ("DELETE",))
    guards.allow("consent_documents", ("UPDATE", "DELETE"))
    with op.batch_alter_table("consent_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_signatures_patient_treatment")
        batch_op.drop_index(batch_op.f("ix_consent_signatures_clinic_id"))

    op.drop_table("consent_signatures")
    with op.batch_alter_table("consent_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_documents_clinic_id"))

    op.drop_table("consent_documents")
