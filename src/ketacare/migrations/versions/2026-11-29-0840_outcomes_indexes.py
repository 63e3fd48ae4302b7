"""Partial indexes for the outcomes dashboard: adverse events, vital readings with alerts and
aborted chair sessions.

All are small (a few per cent of their tables or less) and let the dashboard count adverse events and
blood-pressure excursions without scanning every session event or every vital reading. Writers
are unchanged: the predicates are on existing columns.

Revision ID: 0015_outcomes_indexes
Revises: 0014_fhir_export_jobs
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_outcomes_indexes"
down_revision: str | None = "0014_fhir_export_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADVERSE = "kind = 'adverse_event' AND voided_at IS NULL"
ALERTED = "json_array_length(alerts) > 0 AND voided_at IS NULL"
ABORTED = "state = 'aborted' AND voided_at IS NULL"


def upgrade() -> None:
    # Plain CREATE INDEX on both engines (no batch table copy: nothing else changes).
    op.create_index(
        "ix_session_events_adverse",
        "session_events",
        ["clinic_id", "session_id"],
        unique=False,
        sqlite_where=sa.text(ADVERSE),
        postgresql_where=sa.text(ADVERSE),
    )
    op.create_index(
        "ix_vital_readings_alerted",
        "vital_readings",
        ["clinic_id", "session_id"],
        unique=False,
        sqlite_where=sa.text(ALERTED),
        postgresql_where=sa.text(ALERTED),
    )
    op.create_index(
        "ix_treatment_sessions_aborted",
        "treatment_sessions",
        ["clinic_id", "course_session_id"],
        unique=False,
        sqlite_where=sa.text(ABORTED),
        postgresql_where=sa.text(ABORTED),
    )


def downgrade() -> None:
    op.drop_index("ix_treatment_sessions_aborted", table_name="treatment_sessions")
    op.drop_index("ix_vital_readings_alerted", table_name="vital_readings")
    op.drop_index("ix_session_events_adverse", table_name="session_events")
