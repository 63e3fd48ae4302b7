"""Bulk Data ``$export`` jobs: kick-off, status, cancel, files, and the worker's run.

The job row is the queue (as the messaging outbox): the worker sweeps for ``queued`` jobs, claims
one with a conditional UPDATE only one worker can win, writes the NDJSON files under
``<data_dir>/fhir-export/<job id>/`` with the export module, and records ``done`` (or ``failed``)
in a second short transaction. A job left ``running`` by a crashed worker is queued again after
``RUNNING_LEASE``. A lost queue loses nothing: the next sweep finds the row.

The kick-off URL, stored on the job, is its request: ``_type`` is also kept as a column, and
``_since`` is read back from the URL by the worker (``since_of``), so the two cannot disagree.
``/Patient/$export`` (patient level) exports the same types as ``/$export``: every exported type
is in the Patient compartment.
"""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.interop.fhir import export as fhir_export
from ketacare.interop.fhir.models import FhirExportJob
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import NotFound
from ketacare.scales.definitions import Instrument

log = logging.getLogger(__name__)

EXPORT_DIR = "fhir-export"
RUNNING_LEASE = timedelta(minutes=30)
REQUEST_URL_MAX = 2000  # the job's request_url column
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def parse_since(text: str) -> datetime:
    """A ``_since`` value: a FHIR instant, with its time zone (``Z`` or an offset).

    A ``+`` left unencoded in a query string arrives as a space, so a space is read as ``+``."""
    text = text.strip().replace(" ", "+")
    match = _INSTANT.match(text)
    if match is None:
        raise ValueError(
            f"_since must be an instant with a time zone, e.g. 2026-01-31T09:00:00Z; got {text!r}"
        )
    fraction = match.group(1) or ""
    if len(fraction) > 7:  # datetime keeps microseconds: cut the rest (they only move it earlier)
        text = text.replace(fraction, fraction[:7], 1)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"_since is not a valid date and time: {text!r}") from None


def since_of(request_url: str) -> datetime | None:
    """The ``_since`` instant of a kick-off URL, or None for a full export."""
    values = parse_qs(urlsplit(request_url).query).get("_since")
    return parse_since(values[-1]) if values else None


def worker_actor(clinic_id: uuid.UUID) -> Actor:
    return Actor(user_id=None, clinic_id=clinic_id, role="system", label="fhir export worker")


def job_dir(settings: Settings, job_id: uuid.UUID) -> Path:
    return settings.data_dir / EXPORT_DIR / str(job_id)


def kick_off(
    session: Session, actor: Actor, request_url: str, types: list[str] | None
) -> FhirExportJob:
    if actor.clinic_id is None or actor.user_id is None:
        raise NotFound("exports are made within a clinic")
    job = FhirExportJob(
        clinic_id=actor.clinic_id,
        created_by=actor.user_id,
        status="queued",
        request_url=request_url[:REQUEST_URL_MAX],
        types=types,
        output=[],
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "fhir.export.kickoff",
        "fhir_export_job",
        job.id,
        details={"types": types or list(fhir_export.RESOURCE_TYPES)}
        | ({"since": since.isoformat()} if (since := since_of(request_url)) else {}),
    )
    return job


def get_job(session: Session, actor: Actor, job_id: uuid.UUID) -> FhirExportJob:
    """The job, if it is this clinic's and not cancelled (a cancelled job answers 404)."""
    job = session.scalars(
        select(FhirExportJob).where(
            FhirExportJob.id == job_id,
            FhirExportJob.clinic_id == actor.clinic_id,
            FhirExportJob.status != "cancelled",
        )
    ).one_or_none()
    if job is None:
        raise NotFound("no such export")
    return job


def cancel(session: Session, actor: Actor, job_id: uuid.UUID) -> None:
    job = get_job(session, actor, job_id)
    job.status = "cancelled"
    job.finished_at = job.finished_at or utcnow()
    audit.record(session, actor, "fhir.export.cancel", "fhir_export_job", job.id)


def file_of(
    session: Session, actor: Actor, settings: Settings, job_id: uuid.UUID, kind: str
) -> Path:
    """The path of one finished output file; audited as a download."""
    job = get_job(session, actor, job_id)
    if job.status != "done" or kind not in {entry["type"] for entry in job.output}:
        raise NotFound("no such file")
    path = job_dir(settings, job.id) / f"{kind}.ndjson"
    if not path.is_file():
        raise NotFound("no such file")
    audit.record(
        session,
        actor,
        "fhir.export.download",
        "fhir_export_job",
        job.id,
        details={"type": kind},
    )
    return path


def manifest(job: FhirExportJob, base_url: str) -> dict[str, Any]:
    assert job.transaction_time is not None
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": entry["type"],
                "url": f"{base_url}/$export-files/{job.id}/{entry['type']}.ndjson",
                "count": entry["count"],
            }
            for entry in job.output
        ],
        "error": [],
    }


# --- The worker's side -------------------------------------------------------------------------


def run_due(
    factory: sessionmaker[Session],
    settings: Settings,
    instruments: Mapping[str, Instrument],
    now: datetime | None = None,
    limit: int = 20,
) -> dict[str, int]:
    """Queue again jobs a crashed worker left running, then run every queued job once."""
    now = now or utcnow()
    with transaction(factory) as session:
        session.execute(
            update(FhirExportJob)
            .where(
                FhirExportJob.status == "running",
                FhirExportJob.started_at < now - RUNNING_LEASE,
            )
            .values(status="queued", started_at=None)
        )
        due = list(
            session.scalars(
                select(FhirExportJob.id)
                .where(FhirExportJob.status == "queued")
                .order_by(FhirExportJob.created_at)
                .limit(limit)
            )
        )
    results: dict[str, int] = {}
    for job_id in due:
        result = run_job(factory, settings, instruments, job_id)
        results[result] = results.get(result, 0) + 1
    return results


def run_job(
    factory: sessionmaker[Session],
    settings: Settings,
    instruments: Mapping[str, Instrument],
    job_id: uuid.UUID,
) -> str:
    """One job: "done", "failed" or "skipped" (another worker has it, or it was cancelled)."""
    started = utcnow()
    with transaction(factory) as session:
        claimed = session.execute(
            update(FhirExportJob)
            .where(FhirExportJob.id == job_id, FhirExportJob.status == "queued")
            .values(status="running", started_at=started, transaction_time=started)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return "skipped"
    out_dir = job_dir(settings, job_id)
    try:
        with transaction(factory) as session:
            job = session.get_one(FhirExportJob, job_id)
            clinic_id, types = job.clinic_id, job.types
            since = since_of(job.request_url)
            shutil.rmtree(out_dir, ignore_errors=True)
            result = fhir_export.export_clinic(
                session, clinic_id, out_dir, instruments, types=types, since=since
            )
    except Exception as error:  # any fault fails the job with its message, for the client
        log.exception("fhir export %s failed", job_id)
        with transaction(factory) as session:
            session.execute(
                update(FhirExportJob)
                .where(FhirExportJob.id == job_id, FhirExportJob.status == "running")
                .values(status="failed", error=str(error)[:2000], finished_at=utcnow())
            )
        return "failed"
    output = [{"type": kind, "count": result.counts[kind]} for kind in result.files]
    with transaction(factory) as session:
        session.execute(
            update(FhirExportJob)
            .where(FhirExportJob.id == job_id, FhirExportJob.status == "running")
            .values(status="done", output=output, finished_at=utcnow())
        )
        audit.record(
            session,
            worker_actor(clinic_id),
            "fhir.export",
            "fhir_export_job",
            job_id,
            clinic_id=clinic_id,
            details={"counts": result.counts},
        )
    log.info("fhir export %s done: %s", job_id, result.counts)
    return "done"
