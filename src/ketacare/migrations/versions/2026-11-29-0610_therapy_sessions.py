"""Psychotherapy sessions, addenda, walled-off process notes and the clinic's read grants.

Revision ID: 0011_therapy
Revises: 0010_calendar
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0011_therapy"
down_revision: str | None = "0010_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# After signing only the void fields of a session may change (corrections are addenda).
LOCKED_COLUMNS = (
    "patient_id",
    "therapist_id",
    "held_on",
    "therapy_type",
    "type_detail",
    "duration_min",
    "modality",
    "delivery",
    "themes",
    "homework",
    "progress_note",
    "appointment_id",
    "course_session_id",
    "signed_by",
    "signed_at",
    "clinic_id",
    "created_by",
    "created_at",
)
APPEND_ONLY = ("therapy_addenda", "therapy_process_notes", "therapy_process_note_voids")
NO_DELETE = ("therapy_sessions", "process_note_grants")


def _lock_signed_sessions() -> None:
    message = "ketacare: a signed therapy session is locked (add an addendum instead)"
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(
            f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" for c in LOCKED_COLUMNS
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION ketacare_therapy_signed_locked() RETURNS trigger AS $$ "
            f"BEGIN IF OLD.signed_at IS NOT NULL AND ({changed}) THEN "
            f"RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER therapy_sessions_signed_locked BEFORE UPDATE ON therapy_sessions "
            "FOR EACH ROW EXECUTE FUNCTION ketacare_therapy_signed_locked()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in LOCKED_COLUMNS)
        op.execute(
            "CREATE TRIGGER therapy_sessions_signed_locked BEFORE UPDATE ON therapy_sessions "
            f"WHEN OLD.signed_at IS NOT NULL AND ({changed}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def _unlock_signed_sessions() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS therapy_sessions_signed_locked ON therapy_sessions")
        op.execute("DROP FUNCTION IF EXISTS ketacare_therapy_signed_locked()")
    else:
        op.execute("DROP TRIGGER IF EXISTS therapy_sessions_signed_locked")


def upgrade() -> None:
    op.create_table(
        "process_note_grants",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=False),
        sa.Column("granted_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "role IN ('physician', 'nurse', 'therapist')",
            name=op.f("ck_process_note_grants_role_grantable"),
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL)",
            name=op.f("ck_process_note_grants_revoked_has_who"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_process_note_grants_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_process_note_grants_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_process_note_grants_revoked_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_note_grants")),
    )
    with op.batch_alter_table("process_note_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_note_grants_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "uq_process_note_grants_active",
            ["clinic_id", "role"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "therapy_sessions",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("therapist_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("therapy_type", sa.String(length=20), nullable=False),
        sa.Column("type_detail", sa.String(length=200), nullable=True),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=12), nullable=False),
        sa.Column("delivery", sa.String(length=12), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("homework", sa.Text(), nullable=True),
        sa.Column("progress_note", sa.Text(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("course_session_id", sa.Uuid(), nullable=True),
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
            "delivery IN ('in_person', 'video', 'phone')",
            name=op.f("ck_therapy_sessions_delivery_known"),
        ),
        sa.CheckConstraint(
            "modality IN ('individual', 'group', 'couple', 'family')",
            name=op.f("ck_therapy_sessions_modality_known"),
        ),
        sa.CheckConstraint(
            "therapy_type != 'other' OR type_detail IS NOT NULL",
            name=op.f("ck_therapy_sessions_other_has_detail"),
        ),
        sa.CheckConstraint(
            "therapy_type IN ('kap_preparation', 'kap_dosing_support', 'kap_integration', 'cbt', 'other')",
            name=op.f("ck_therapy_sessions_type_known"),
        ),
        sa.CheckConstraint(
            "(signed_at IS NULL) = (signed_by IS NULL)",
            name=op.f("ck_therapy_sessions_signed_has_signer"),
        ),
        sa.CheckConstraint(
            "duration_min BETWEEN 1 AND 480", name=op.f("ck_therapy_sessions_duration_range")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_therapy_sessions_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_therapy_sessions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["course_session_id"],
            ["course_sessions.id"],
            name=op.f("fk_therapy_sessions_course_session_id_course_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_therapy_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_therapy_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["users.id"], name=op.f("fk_therapy_sessions_signed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"], ["users.id"], name=op.f("fk_therapy_sessions_therapist_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_therapy_sessions_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_sessions")),
    )
    with op.batch_alter_table("therapy_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_sessions_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_therapy_sessions_patient_held", ["patient_id", "held_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_sessions_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_sessions_therapist_id"), ["therapist_id"], unique=False
        )

    op.create_table(
        "therapy_addenda",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("therapy_session_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_therapy_addenda_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_therapy_addenda_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["therapy_session_id"],
            ["therapy_sessions.id"],
            name=op.f("fk_therapy_addenda_therapy_session_id_therapy_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_addenda")),
    )
    with op.batch_alter_table("therapy_addenda", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_addenda_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_addenda_therapy_session_id"),
            ["therapy_session_id"],
            unique=False,
        )

    op.create_table(
        "therapy_process_notes",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("therapy_session_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_therapy_process_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_therapy_process_notes_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_process_notes_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["therapy_process_notes.id"],
            name=op.f("fk_therapy_process_notes_replaces_id_therapy_process_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["therapy_session_id"],
            ["therapy_sessions.id"],
            name=op.f("fk_therapy_process_notes_therapy_session_id_therapy_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_process_notes")),
    )
    with op.batch_alter_table("therapy_process_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_process_notes_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_process_notes_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_process_notes_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_process_notes_therapy_session_id"),
            ["therapy_session_id"],
            unique=False,
        )

    op.create_table(
        "therapy_process_note_voids",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("process_note_id", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_therapy_process_note_voids_clinic_id_clinics"),
        ),
        sa.ForeignKeyConstraint(
            ["process_note_id"],
            ["therapy_process_notes.id"],
            name=op.f("fk_therapy_process_note_voids_process_note_id_therapy_process_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_therapy_process_note_voids_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_process_note_voids")),
        sa.UniqueConstraint(
            "process_note_id", name=op.f("uq_therapy_process_note_voids_process_note_id")
        ),
    )
    with op.batch_alter_table("therapy_process_note_voids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_process_note_voids_clinic_id"), ["clinic_id"], unique=False
        )
    for table in APPEND_ONLY:
        guards.refuse(table, ("UPDATE", "DELETE"))
    for table in NO_DELETE:
        guards.refuse(table, ("DELETE",))
    _lock_signed_sessions()


def downgrade() -> None:
    _unlock_signed_sessions()
    for table in NO_DELETE:
        guards.allow(table, ("DELETE",))
    for table in APPEND_ONLY:
        guards.allow(table, ("UPDATE", "DELETE"))
    with op.batch_alter_table("therapy_process_note_voids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_process_note_voids_clinic_id"))

    op.drop_table("therapy_process_note_voids")
    with op.batch_alter_table("therapy_process_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_process_notes_therapy_session_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_process_notes_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_process_notes_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_process_notes_author_id"))

    op.drop_table("therapy_process_notes")
    with op.batch_alter_table("therapy_addenda", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_addenda_therapy_session_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_addenda_clinic_id"))

    op.drop_table("therapy_addenda")
    with op.batch_alter_table("therapy_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_sessions_therapist_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_sessions_patient_id"))
        batch_op.drop_index("ix_therapy_sessions_patient_held")
        batch_op.drop_index(batch_op.f("ix_therapy_sessions_clinic_id"))

    op.drop_table("therapy_sessions")
    with op.batch_alter_table("process_note_grants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_process_note_grants_active",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_process_note_grants_clinic_id"))

    op.drop_table("process_note_grants")
