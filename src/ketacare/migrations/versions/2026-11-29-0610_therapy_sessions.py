"""Psychotherapy sessions and walled-off process notes.

Revision ID: 0011_therapy
Revises: 0010_calendar
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011_therapy"
down_revision: str | None = "0010_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
