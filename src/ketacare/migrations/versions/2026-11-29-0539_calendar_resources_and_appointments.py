"""Calendar: bookable chairs and rooms, and appointments (cancelled, never deleted).

Revision ID: 0010_calendar
Revises: 0009_medication_reviews
Create Date: 2026-11-29 05:39:23.845382
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0010_calendar"
down_revision: str | None = "0009_medication_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_resources",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("retired_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('chair', 'room')", name=op.f("ck_schedule_resources_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_schedule_resources_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_schedule_resources_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["retired_by"], ["users.id"], name=op.f("fk_schedule_resources_retired_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_schedule_resources_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_resources")),
        sa.UniqueConstraint("clinic_id", "name", name="uq_schedule_resources_clinic_name"),
    )
    with op.batch_alter_table("schedule_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_resources_clinic_id"), ["clinic_id"], unique=False
        )

    op.create_table(
        "appointments",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column("clinician_id", sa.Uuid(), nullable=True),
        sa.Column("course_session_id", sa.Uuid(), nullable=True),
        sa.Column("therapy_type", sa.String(length=30), nullable=True),
        sa.Column("desk_note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_changed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "status_changed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancelled_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)",
            name=op.f("ck_appointments_cancelled_has_time"),
        ),
        sa.CheckConstraint(
            "kind IN ('treatment', 'therapy', 'medication_visit', 'other')",
            name=op.f("ck_appointments_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'attended', 'no_show')",
            name=op.f("ck_appointments_status_known"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_appointments_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_appointments_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["users.id"], name=op.f("fk_appointments_clinician_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["course_session_id"],
            ["course_sessions.id"],
            name=op.f("fk_appointments_course_session_id_course_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_appointments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["schedule_resources.id"],
            name=op.f("fk_appointments_resource_id_schedule_resources"),
        ),
        sa.ForeignKeyConstraint(
            ["status_changed_by"],
            ["users.id"],
            name=op.f("fk_appointments_status_changed_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_appointments_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(
            "ix_appointments_clinic_starts", ["clinic_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_clinician_id"), ["clinician_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_course_session_id"), ["course_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_resource_id"), ["resource_id"], unique=False
        )

    guards.refuse("schedule_resources", ("DELETE",))
    guards.refuse("appointments", ("DELETE",))


def downgrade() -> None:
    guards.allow("appointments", ("DELETE",))
    guards.allow("schedule_resources", ("DELETE",))
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointments_resource_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_patient_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_course_session_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_clinician_id"))
        batch_op.drop_index("ix_appointments_clinic_starts")
        batch_op.drop_index(batch_op.f("ix_appointments_clinic_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("schedule_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_resources_clinic_id"))

    op.drop_table("schedule_resources")
