"""Audit trail: appending through the hash chain vs plain INSERTs, then verifying the chain.

Baseline (naive implementation): the same rows, columns and secondary indexes in a scratch
table of the same database, minus ``prev_hash``/``row_hash``, written with one Core INSERT.
Both sides use ketacare's engine and commit once per event, as a request does.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Index, MetaData, Table, insert
from sqlalchemy.orm import Session

from benchmarks.common import Row, median_ms, migrated_sqlite, progress, ratio
from ketacare.audit import service as audit
from ketacare.audit.models import AuditEvent
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.types import utcnow

ACTOR = Actor(uuid.uuid4(), uuid.uuid4(), "nurse", "nurse@bench.example.com", "10.0.0.7")


def _scratch_table() -> Table:
    chain_only = {"prev_hash", "row_hash"}
    columns = [c._copy() for c in AuditEvent.__table__.columns if c.name not in chain_only]
    table = Table("bench_plain_events", MetaData(), *columns)
    Index("ix_bench_plain_clinic_occurred", table.c.clinic_id, table.c.occurred_at)
    Index("ix_bench_plain_patient", table.c.patient_id)
    return table


def _in_transaction(factory: Callable[[], Session], work: Callable[[Session], object]) -> float:
    start = time.perf_counter()
    with factory() as session:
        work(session)
        session.commit()
    return time.perf_counter() - start


def _append(url: str, backend: str, events: int, walks: int) -> list[Row]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    plain = _scratch_table()
    plain.metadata.create_all(engine)
    patient = uuid.uuid4()

    def chained(session: Session) -> None:
        audit.record(
            session, ACTOR, "patient.view", "patient", patient, patient_id=patient, details={}
        )

    seq = iter(range(1, 10**9))

    def naive(session: Session) -> None:
        session.execute(
            insert(plain),
            {
                "seq": next(seq),
                "event_id": uuid.uuid4(),
                "occurred_at": utcnow(),
                "clinic_id": ACTOR.clinic_id,
                "actor_user_id": ACTOR.user_id,
                "actor_label": ACTOR.label,
                "action": "patient.view",
                "resource_type": "patient",
                "resource_id": str(patient),
                "patient_id": patient,
                "outcome": "success",
                "ip": ACTOR.ip,
                "details": {},
            },
        )

    progress(f"audit append on {backend}: {events} events each side, interleaved")
    chain_times: list[float] = []
    plain_times: list[float] = []
    for _ in range(events):  # alternate so both tables grow together and share the noise
        chain_times.append(_in_transaction(factory, chained))
        plain_times.append(_in_transaction(factory, naive))
    walk_times: list[float] = []
    for _ in range(walks):
        start = time.perf_counter()
        with factory() as session:
            report = audit.verify(session)
        walk_times.append(time.perf_counter() - start)
        if not report.intact or report.events_checked != events:
            raise RuntimeError(f"audit chain check failed: {report}")
    engine.dispose()
    base, chain = median_ms(plain_times), median_ms(chain_times)
    walk = median_ms(walk_times)
    return [
        Row(f"audit/{backend}", "plain INSERT, no chain (1 txn/event)", base, events, "baseline"),
        Row(
            f"audit/{backend}",
            "audit.record, hash chain (1 txn/event)",
            chain,
            events,
            ratio(chain, base, "plain INSERT"),
        ),
        Row(
            f"audit/{backend}",
            f"audit.verify, whole chain of {events} (per second = events)",
            walk,
            walks,
            per_op=events,
        ),
    ]


def _postgres(events: int, walks: int) -> list[Row]:
    from tests.databases import PostgresDatabases, postgres_admin_url

    progress("starting embedded PostgreSQL (tests/databases.py postgres_admin_url)")
    workdir = Path(tempfile.mkdtemp(prefix="ketacare-bench-pg-"))
    admin = postgres_admin_url(workdir)
    try:
        databases = PostgresDatabases(next(admin))
        try:
            databases.build_template()
            url = databases.fresh()
            try:
                return _append(url, "postgresql", events, walks)
            finally:
                databases.drop(url)
        finally:
            databases.close()
    finally:
        next(admin, None)  # stops the server
        shutil.rmtree(workdir, ignore_errors=True)


def run(quick: bool) -> list[Row]:
    events, walks = (200, 3) if quick else (2000, 5)
    with migrated_sqlite("audit") as (url, _folder):
        rows = _append(url, "sqlite", events, walks)
    try:
        rows += _postgres(events, walks)
    except Exception as error:  # no server to be had: say so in the table, keep the SQLite rows
        progress(f"PostgreSQL variant skipped: {error!r}")
        rows.append(
            Row("audit/postgresql", f"skipped ({type(error).__name__}), see stderr", 0.0, 0)
        )
    return rows
