"""Bulk Data export jobs: the database is the queue (the worker sweeps for queued jobs).

A job row is never deleted: a client's ``DELETE`` on the status URL marks it cancelled, so the
audit trail of who exported what stays whole. ``output`` lists the files written, with counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketacare.kit.db.base import Base, ClinicalRecord

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class FhirExportJob(ClinicalRecord, Base):
    """One ``$export`` kick-off; ``created_by`` is the requesting user, ``clinic_id`` the scope."""

    __tablename__ = "fhir_export_jobs"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in JOB_STATUSES)})", name="status_known"
        ),
        Index("ix_fhir_export_jobs_status", "status", "created_at"),
    )

    status: Mapped[str] = mapped_column(String(10), default="queued")
    request_url: Mapped[str] = mapped_column(String(2000))
    types: Mapped[list[str] | None] = mapped_column(JSON)  # the ``_type`` filter; None = all
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    transaction_time: Mapped[datetime | None]
    output: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
