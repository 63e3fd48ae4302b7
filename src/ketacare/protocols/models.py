"""A clinic's protocols: every edit is a new version; courses point at the version they follow."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord


class ProtocolVersion(ClinicalRecord, Base):
    __tablename__ = "protocol_versions"
    __table_args__ = (
        UniqueConstraint("clinic_id", "key", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("treatment IN ('iv_ketamine', 'esketamine')", name="treatment_known"),
    )

    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    treatment: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)  # the TOML, exactly as validated
    copied_from: Mapped[str | None] = mapped_column(String(80))
    change_note: Mapped[str] = mapped_column(Text)
