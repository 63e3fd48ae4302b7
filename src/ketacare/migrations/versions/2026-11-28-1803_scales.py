"""Scales: responses, questionnaire links and safety alerts.

Revision ID: 0002_scales
Revises: 0001_foundation
Create Date: 2026-11-28 18:03:25.642051
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0002_scales"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLINICAL_TABLES = ("questionnaire_links", "scale_responses", "safety_alerts")


def upgrade() -> None:
    op.create_table(
        "questionnaire_links",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("sent_to", sa.String(length=320), nullable=True),
        sa.Column("draft_answers", sa.JSON(), nullable=False),
        sa.Column("opened_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_questionnaire_links_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_questionnaire_links_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_questionnaire_links_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_questionnaire_links_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_questionnaire_links_token_hash")),
    )
    with op.batch_alter_table("questionnaire_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_links_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_links_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "scale_responses",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column(
            "administered_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=60), nullable=True),
        sa.Column("risk", sa.String(length=20), nullable=True),
        sa.Column("subscores", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("loinc_panel", sa.String(length=20), nullable=True),
        sa.Column("loinc_total", sa.String(length=20), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "source IN ('clinician', 'patient', 'api')",
            name=op.f("ck_scale_responses_source_known"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_scale_responses_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_scale_responses_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["questionnaire_links.id"],
            name=op.f("fk_scale_responses_link_id_questionnaire_links"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_scale_responses_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_scale_responses_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_responses")),
    )
    with op.batch_alter_table("scale_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_responses_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_scale_responses_patient_instrument",
            ["patient_id", "instrument_id", "administered_at"],
            unique=False,
        )

    op.create_table(
        "safety_alerts",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column(
            "acknowledged_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("action_note", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_safety_alerts_acknowledged_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_safety_alerts_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_safety_alerts_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_safety_alerts_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["scale_responses.id"],
            name=op.f("fk_safety_alerts_response_id_scale_responses"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_safety_alerts_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_alerts")),
    )
    with op.batch_alter_table("safety_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_alerts_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(
            "ix_safety_alerts_clinic_open", ["clinic_id", "acknowledged_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safety_alerts_patient_id"), ["patient_id"], unique=False
        )

    for table in CLINICAL_TABLES:
        guards.refuse(table, ("DELETE",))


def downgrade() -> None:
    for table in CLINICAL_TABLES:
        guards.allow(table, ("DELETE",))
    with op.batch_alter_table("safety_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_alerts_patient_id"))
        batch_op.drop_index("ix_safety_alerts_clinic_open")
        batch_op.drop_index(batch_op.f("ix_safety_alerts_clinic_id"))

    op.drop_table("safety_alerts")
    with op.batch_alter_table("scale_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_scale_responses_patient_instrument")
        batch_op.drop_index(batch_op.f("ix_scale_responses_clinic_id"))

    op.drop_table("scale_responses")
    with op.batch_alter_table("questionnaire_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_links_patient_id"))
        batch_op.drop_index(batch_op.f("ix_questionnaire_links_clinic_id"))

    op.drop_table("questionnaire_links")
