"""Foundation: clinics, accounts, the audit trail and patients.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-28 17:25:44.921605
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLINICAL_TABLES = ("patients", "body_measurements", "allergies", "diagnoses")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_events_event_id")),
        sa.UniqueConstraint("row_hash", name=op.f("uq_audit_events_row_hash")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(
            "ix_audit_events_clinic_occurred", ["clinic_id", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_audit_events_patient", ["patient_id"], unique=False)

    op.create_table(
        "clinics",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("mfa_required_for_all", sa.Boolean(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
        sa.UniqueConstraint("slug", name=op.f("uq_clinics_slug")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_email_at", ["email", "attempted_at"], unique=False)
        batch_op.create_index("ix_login_attempts_ip_at", ["ip", "attempted_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret_encrypted", sa.String(length=400), nullable=True),
        sa.Column("totp_last_timecode", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'physician', 'nurse', 'therapist', 'front_desk')",
            name=op.f("ck_users_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_users_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "patients",
        sa.Column("mrn", sa.String(length=40), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("referring_clinician", sa.String(length=200), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "sex IN ('female', 'male', 'other', 'unknown')", name=op.f("ck_patients_sex_known")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patients_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_patients_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_patients_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("clinic_id", "mrn", name=op.f("uq_patients_clinic_id_mrn")),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patients_clinic_family_given",
            ["clinic_id", "family_name", "given_name"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_patients_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("mfa_satisfied", sa.Boolean(), nullable=False),
        sa.Column("pending_totp_secret_encrypted", sa.String(length=400), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "absolute_expires_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("revoked_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "allergies",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column("reaction", sa.String(length=300), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('mild', 'moderate', 'severe', 'unknown')",
            name=op.f("ck_allergies_severity"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_allergies_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_allergies_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_allergies_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_allergies_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allergies")),
    )
    with op.batch_alter_table("allergies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allergies_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allergies_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "body_measurements",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("measured_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "height_cm IS NULL OR (height_cm > 0 AND height_cm < 300)",
            name=op.f("ck_body_measurements_height_cm"),
        ),
        sa.CheckConstraint(
            "weight_kg IS NOT NULL OR height_cm IS NOT NULL",
            name=op.f("ck_body_measurements_has_a_value"),
        ),
        sa.CheckConstraint(
            "weight_kg IS NULL OR (weight_kg > 0 AND weight_kg < 700)",
            name=op.f("ck_body_measurements_weight_kg"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_body_measurements_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_body_measurements_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_body_measurements_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_body_measurements_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_measurements")),
    )
    with op.batch_alter_table("body_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_body_measurements_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_body_measurements_patient_measured", ["patient_id", "measured_at"], unique=False
        )

    op.create_table(
        "diagnoses",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("icd10_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_diagnoses_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_diagnoses_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_diagnoses_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_diagnoses_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnoses")),
    )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_diagnoses_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_diagnoses_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "patient_revisions",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patient_revisions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_patient_revisions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_revisions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_patient_revisions_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_revisions")),
        sa.UniqueConstraint(
            "patient_id", "revision", name=op.f("uq_patient_revisions_patient_id_revision")
        ),
    )
    with op.batch_alter_table("patient_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_revisions_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_patient_revisions_patient_id"), ["patient_id"], unique=False
        )

    guards.create_refusal_function()
    guards.refuse("audit_events", ("UPDATE", "DELETE"))
    guards.refuse("patient_revisions", ("UPDATE", "DELETE"))
    for table in CLINICAL_TABLES:
        guards.refuse(table, ("DELETE",))


def downgrade() -> None:
    for table in CLINICAL_TABLES:
        guards.allow(table, ("DELETE",))
    guards.allow("patient_revisions", ("UPDATE", "DELETE"))
    guards.allow("audit_events", ("UPDATE", "DELETE"))
    guards.drop_refusal_function()
    with op.batch_alter_table("patient_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_revisions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_patient_revisions_clinic_id"))

    op.drop_table("patient_revisions")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnoses_patient_id"))
        batch_op.drop_index(batch_op.f("ix_diagnoses_clinic_id"))

    op.drop_table("diagnoses")
    with op.batch_alter_table("body_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_body_measurements_patient_measured")
        batch_op.drop_index(batch_op.f("ix_body_measurements_clinic_id"))

    op.drop_table("body_measurements")
    with op.batch_alter_table("allergies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allergies_patient_id"))
        batch_op.drop_index(batch_op.f("ix_allergies_clinic_id"))

    op.drop_table("allergies")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_clinic_id"))
        batch_op.drop_index("ix_patients_clinic_family_given")

    op.drop_table("patients")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_clinic_id"))

    op.drop_table("users")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_ip_at")
        batch_op.drop_index("ix_login_attempts_email_at")

    op.drop_table("login_attempts")
    op.drop_table("clinics")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_patient")
        batch_op.drop_index("ix_audit_events_clinic_occurred")
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
