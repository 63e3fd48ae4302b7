"""Outbound e-mail (reminders) with its delivery attempts.

Revision ID: 0012_outbound_messages
Revises: 0011_therapy
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012_outbound_messages"
down_revision: str | None = "0011_therapy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
