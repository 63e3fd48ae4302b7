"""Treatment sessions at the chair: state, append-only event log, vital-sign readings.

Revision ID: 0008_treatment_sessions
Revises: 0007_protocols_and_courses
Create Date: 2026-11-29 04:03:36.319842
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0008_treatment_sessions"
down_revision: str | None = "0007_protocols_and_courses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "treatment_sessions",
        sa.Column("course_session_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column(
            "checked_in_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("ordered_dose_mg", sa.Float(), nullable=False),
        sa.Column("ordered_rate_ml_per_h", sa.Float(), nullable=True),
        sa.Column("final_volume_ml", sa.Float(), nullable=True),
        sa.Column("devices_ordered", sa.Integer(), nullable=True),
        sa.Column("order_signed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "order_signed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("lot_number", sa.String(length=40), nullable=True),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column(
            "dosing_started_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "dosing_ended_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("discharged_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("signed_by", sa.Uuid(), nullable=True),
        sa.Column("signed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "state IN ('scheduled', 'checked_in', 'prechecked', 'dosing', 'observation', 'discharged', 'cancelled', 'aborted')",
            name=op.f("ck_treatment_sessions_state_known"),
        ),
        sa.CheckConstraint("ordered_dose_mg > 0", name=op.f("ck_treatment_sessions_dose_positive")),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_treatment_sessions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["course_session_id"],
            ["course_sessions.id"],
            name=op.f("fk_treatment_sessions_course_session_id_course_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_treatment_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_signed_by"],
            ["users.id"],
            name=op.f("fk_treatment_sessions_order_signed_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_treatment_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["users.id"], name=op.f("fk_treatment_sessions_signed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_treatment_sessions_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_sessions")),
    )
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_sessions_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_sessions_course_session_id"),
            ["course_session_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "session_events",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_session_events_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_session_events_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_session_events_session_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_session_events_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_events")),
    )
    with op.batch_alter_table("session_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_events_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index("ix_session_events_session", ["session_id", "at"], unique=False)

    op.create_table(
        "vital_readings",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("device", sa.String(length=60), nullable=False),
        sa.Column("measured_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("systolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("diastolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("heart_rate_bpm", sa.Integer(), nullable=True),
        sa.Column("spo2_pct", sa.Integer(), nullable=True),
        sa.Column("resp_rate", sa.Integer(), nullable=True),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "spo2_pct IS NULL OR spo2_pct <= 100", name=op.f("ck_vital_readings_spo2_at_most_100")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_vital_readings_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_vital_readings_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"], ["users.id"], name=op.f("fk_vital_readings_responded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_vital_readings_session_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_vital_readings_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_readings")),
        sa.UniqueConstraint(
            "session_id", "device", "measured_at", name="one_reading_per_device_time"
        ),
    )
    with op.batch_alter_table("vital_readings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vital_readings_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_vital_readings_session_id"), ["session_id"], unique=False
        )
    guards.refuse("treatment_sessions", ("DELETE",))
    guards.refuse("session_events", ("DELETE",))
    guards.refuse("vital_readings", ("DELETE",))
    guards.refuse("session_events", ("UPDATE",))


def downgrade() -> None:
    guards.allow("session_events", ("UPDATE",))
    guards.allow("vital_readings", ("DELETE",))
    guards.allow("session_events", ("DELETE",))
    guards.allow("treatment_sessions", ("DELETE",))
    with op.batch_alter_table("vital_readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vital_readings_session_id"))
        batch_op.drop_index(batch_op.f("ix_vital_readings_clinic_id"))

    op.drop_table("vital_readings")
    with op.batch_alter_table("session_events", schema=None) as batch_op:
        batch_op.drop_index("ix_session_events_session")
        batch_op.drop_index(batch_op.f("ix_session_events_clinic_id"))

    op.drop_table("session_events")
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_course_session_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_clinic_id"))

    op.drop_table("treatment_sessions")
