"""Protocol versions, treatment courses, their planned sessions and decision-point proposals.

Revision ID: 0007_protocols_and_courses
Revises: 0006_eligibility_assessments
Create Date: 2026-11-29 03:23:41.648195
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0007_protocols_and_courses"
down_revision: str | None = "0006_eligibility_assessments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "protocol_versions",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("copied_from", sa.String(length=80), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "treatment IN ('iv_ketamine', 'esketamine')",
            name=op.f("ck_protocol_versions_treatment_known"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_protocol_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_protocol_versions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_protocol_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_protocol_versions_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_versions")),
        sa.UniqueConstraint(
            "clinic_id", "key", "version", name=op.f("uq_protocol_versions_clinic_id_key_version")
        ),
    )
    with op.batch_alter_table("protocol_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protocol_versions_clinic_id"), ["clinic_id"], unique=False
        )

    op.create_table(
        "treatment_courses",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("protocol_version_id", sa.Uuid(), nullable=False),
        sa.Column("eligibility_assessment_id", sa.Uuid(), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("start_dose", sa.Float(), nullable=False),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "treatment IN ('iv_ketamine', 'esketamine')",
            name=op.f("ck_treatment_courses_treatment_known"),
        ),
        sa.CheckConstraint("start_dose > 0", name=op.f("ck_treatment_courses_start_dose_positive")),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_treatment_courses_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_treatment_courses_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["eligibility_assessment_id"],
            ["eligibility_assessments.id"],
            name=op.f("fk_treatment_courses_eligibility_assessment_id_eligibility_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_treatment_courses_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_version_id"],
            ["protocol_versions.id"],
            name=op.f("fk_treatment_courses_protocol_version_id_protocol_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_treatment_courses_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_courses")),
    )
    with op.batch_alter_table("treatment_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_courses_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_courses_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "course_sessions",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=False),
        sa.Column("number_in_phase", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("dose_given_mg", sa.Float(), nullable=True),
        sa.Column("tolerated", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'completed', 'cancelled')",
            name=op.f("ck_course_sessions_status_known"),
        ),
        sa.CheckConstraint(
            "dose_given_mg IS NULL OR dose_given_mg > 0",
            name=op.f("ck_course_sessions_dose_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_course_sessions_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_course_sessions_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_course_sessions_course_id_treatment_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_course_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_course_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_course_sessions_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sessions")),
    )
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_sessions_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index("ix_course_sessions_course", ["course_id", "number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_course_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "course_proposals",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("after_session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("clinic_choice", sa.Boolean(), nullable=False),
        sa.Column("improvement_pct", sa.Float(), nullable=True),
        sa.Column("from_dose", sa.Float(), nullable=True),
        sa.Column("to_dose", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("voided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('dose_step_up', 'start_next_phase', 'end_course', 'physician_review')",
            name=op.f("ck_course_proposals_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'declined')",
            name=op.f("ck_course_proposals_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["after_session_id"],
            ["course_sessions.id"],
            name=op.f("fk_course_proposals_after_session_id_course_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_course_proposals_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_course_proposals_course_id_treatment_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_course_proposals_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_course_proposals_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_course_proposals_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_course_proposals_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_proposals")),
    )
    with op.batch_alter_table("course_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_proposals_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_proposals_course_id"), ["course_id"], unique=False
        )
    guards.refuse("protocol_versions", ("UPDATE", "DELETE"))
    guards.refuse("treatment_courses", ("DELETE",))
    guards.refuse("course_sessions", ("DELETE",))
    guards.refuse("course_proposals", ("DELETE",))


def downgrade() -> None:
    guards.allow("course_proposals", ("DELETE",))
    guards.allow("course_sessions", ("DELETE",))
    guards.allow("treatment_courses", ("DELETE",))
    guards.allow("protocol_versions", ("UPDATE", "DELETE"))
    with op.batch_alter_table("course_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_proposals_course_id"))
        batch_op.drop_index(batch_op.f("ix_course_proposals_clinic_id"))

    op.drop_table("course_proposals")
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_sessions_patient_id"))
        batch_op.drop_index("ix_course_sessions_course")
        batch_op.drop_index(batch_op.f("ix_course_sessions_clinic_id"))

    op.drop_table("course_sessions")
    with op.batch_alter_table("treatment_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_courses_patient_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_courses_clinic_id"))

    op.drop_table("treatment_courses")
    with op.batch_alter_table("protocol_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocol_versions_clinic_id"))

    op.drop_table("protocol_versions")
