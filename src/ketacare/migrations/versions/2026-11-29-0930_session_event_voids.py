"""Session events can be voided (entered in error), and nothing else about them can change.

Until now the database refused every UPDATE on ``session_events``, so an adverse event or a rescue
medication recorded in error could not be corrected. The new trigger allows exactly one update:
setting the void columns (who, when, why) of a row that is not voided yet. Every other column, and
a voided row, stay as they were written; DELETE is still refused.

Revision ID: 0016_session_event_voids
Revises: 0015_outcomes_indexes
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from ketacare.kit.db import guards

revision: str = "0016_session_event_voids"
down_revision: str | None = "0015_outcomes_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WRITTEN = (
    "id",
    "clinic_id",
    "session_id",
    "kind",
    "at",
    "detail",
    "reason",
    "created_by",
    "created_at",
)
MESSAGE = "ketacare: a session event can only be voided (entered in error), not changed"


def upgrade() -> None:
    guards.allow("session_events", ("UPDATE",))
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" for c in WRITTEN)
        op.execute(
            "CREATE OR REPLACE FUNCTION ketacare_session_event_void_only() RETURNS trigger AS $$ "
            f"BEGIN IF OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL OR ({changed}) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER session_events_void_only BEFORE UPDATE ON session_events "
            "FOR EACH ROW EXECUTE FUNCTION ketacare_session_event_void_only()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in WRITTEN)
        op.execute(
            "CREATE TRIGGER session_events_void_only BEFORE UPDATE ON session_events "
            f"WHEN OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL OR ({changed}) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS session_events_void_only ON session_events")
        op.execute("DROP FUNCTION IF EXISTS ketacare_session_event_void_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS session_events_void_only")
    guards.refuse("session_events", ("UPDATE",))
