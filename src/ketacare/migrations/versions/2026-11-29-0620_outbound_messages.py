"""Outbound e-mail (reminders) with its delivery attempts.

Revision ID: 0012_outbound_messages
Revises: 0011_therapy
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketacare.kit.db.types
from ketacare.kit.db import guards

revision: str = "0012_outbound_messages"
down_revision: str | None = "0011_therapy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("hours_before", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("questionnaire_id", sa.String(length=40), nullable=True),
        sa.Column("questionnaire_link_id", sa.Uuid(), nullable=True),
        sa.Column("send_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempts_at_requeue", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "next_attempt_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("claimed_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
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
            name=op.f("ck_outbound_messages_cancelled_has_time"),
        ),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_at IS NOT NULL)",
            name=op.f("ck_outbound_messages_sent_has_time"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled')",
            name=op.f("ck_outbound_messages_status_known"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_outbound_messages_attempts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_outbound_messages_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"], ["users.id"], name=op.f("fk_outbound_messages_cancelled_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_outbound_messages_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_outbound_messages_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_outbound_messages_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_link_id"],
            ["questionnaire_links.id"],
            name=op.f("fk_outbound_messages_questionnaire_link_id_questionnaire_links"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_outbound_messages_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbound_messages_clinic_status", ["clinic_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_outbound_messages_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "message_attempts",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", ketacare.kit.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('in_progress', 'sent', 'refused', 'unknown')",
            name=op.f("ck_message_attempts_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_message_attempts_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_message_attempts_message_id_outbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attempts")),
    )
    with op.batch_alter_table("message_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_attempts_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index("ix_message_attempts_message", ["message_id", "number"], unique=False)
    guards.refuse("outbound_messages", ("DELETE",))
    guards.refuse("message_attempts", ("DELETE",))


def downgrade() -> None:
    guards.allow("message_attempts", ("DELETE",))
    guards.allow("outbound_messages", ("DELETE",))
    with op.batch_alter_table("message_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_message_attempts_message")
        batch_op.drop_index(batch_op.f("ix_message_attempts_clinic_id"))

    op.drop_table("message_attempts")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_patient_id"))
        batch_op.drop_index("ix_outbound_messages_due")
        batch_op.drop_index("ix_outbound_messages_clinic_status")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_appointment_id"))

    op.drop_table("outbound_messages")
