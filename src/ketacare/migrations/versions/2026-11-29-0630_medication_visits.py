"""Medication-management visit notes.

Revision ID: 0013_medication_visits
Revises: 0012_outbound_messages
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013_medication_visits"
down_revision: str | None = "0012_outbound_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
