"""The outcomes dashboard for a bulk synthetic clinic (10,000 patients) on SQLite and PostgreSQL.

Measured, over the clinic's whole date range (first to last course start), in-process:
``outcomes.service.dashboard`` (what the page calls: its queries, the cohort figures, the audit
event) committed like a request, and ``GET /outcomes?from=..&to=..`` through Starlette's
``TestClient`` with a physician's session cookie (Jinja2 HTML with the two charts). Baseline
(the floor): the same SELECTs the service issues (``OutcomesRepository``: protocols, courses,
session groups per course with their adverse events and blood-pressure excursions, aborted
chair sessions per course, scores), each wrapped in ``SELECT count(*) FROM (...)`` so the database does the same filtering and joins but returns no
rows. A middle row runs those SELECTs and fetches their rows, which splits the gap into
"moving the rows into Python" and "computing the figures". All cases alternate, median of 5.

SQLite: a scratch copy of the cached clinic file. PostgreSQL: a database on the local server,
filled by the same synthetic writer (which ends with ``ANALYZE``, as the local server runs with
autovacuum off), dropped afterwards (see ``benchmarks/synth_clinic.py``). Either database is first
brought to the latest schema (``ketacare db upgrade``: a cached clinic may predate the dashboard's
indexes) and, on PostgreSQL, the indexed tables analysed again.

    .venv/bin/python benchmarks/dashboard.py [--patients N] [--repeats R] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from benchmarks.common import Row, interleaved, make_settings, median_ms, progress
from benchmarks.synth_clinic import (
    BenchClinic,
    postgres_clinic,
    sqlite_clinic,
    sqlite_copy,
)
from ketacare.accounts import service as accounts
from ketacare.accounts import signin
from ketacare.accounts.models import User
from ketacare.app import create_app
from ketacare.kit.actor import Actor
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine, make_session_factory, normalise_url
from ketacare.kit.db.session import transaction
from ketacare.kit.web.cookies import session_cookie_name
from ketacare.outcomes import service
from ketacare.scales.definitions import load_instruments
from ketacare.treatment.models import Course

PATIENTS = 10_000
QUICK_PATIENTS = 1_000
TARGET_MS = 1000.0
LABELS = {
    "floor": "floor: the service's SELECTs as count(*), no rows returned",
    "fetch": "the service's SELECTs, rows fetched",
    "service": "outcomes.service.dashboard (+ audit event, commit)",
    "page": "GET /outcomes, full range (session cookie, HTML)",
}


def _queries(
    repository: service.OutcomesRepository, start: date, end: date, instrument_ids: list[str]
) -> list[Any]:
    """The statements ``service.gather`` and ``service.dashboard`` execute, built the same way."""
    courses = repository.courses(start, end, None)
    course_ids = courses.with_only_columns(Course.id)
    return [
        courses,
        repository.session_groups(course_ids),
        repository.aborted_sessions(course_ids),
        repository.scores(courses.with_only_columns(Course.patient_id), instrument_ids),
    ]


def _range(session: Session, clinic: BenchClinic) -> tuple[date, date]:
    first, last = session.execute(
        select(func.min(Course.started_on), func.max(Course.started_on)).where(
            Course.clinic_id == clinic.clinic_id
        )
    ).one()
    return first, last


def _upgrade(url: str) -> None:
    """The latest schema (the dashboard's partial indexes), then fresh statistics on PostgreSQL."""
    migrate.upgrade(normalise_url(url))
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE session_events, vital_readings"))
    finally:
        engine.dispose()


@contextmanager
def _cases(
    clinic: BenchClinic, folder: Path
) -> Iterator[tuple[dict[str, Callable[[], None]], str]]:
    settings = make_settings(clinic.url, folder)
    engine = make_engine(clinic.url)
    factory = make_session_factory(engine)
    instruments = load_instruments()
    instrument_ids = sorted(service.outcome_criteria(instruments))
    with transaction(factory) as session:
        physician = session.scalars(
            select(User).where(User.clinic_id == clinic.clinic_id, User.role == "physician")
        ).one()
        actor: Actor = accounts.actor_for(physician, "bench")
        # A signed-in physician without the password step (synthetic staff cannot log in).
        token = signin._open_session(session, settings, physician, "testclient", "bench", True)
        start, end = _range(session, clinic)
    app = create_app(settings)
    client = TestClient(app, cookies={session_cookie_name(settings): token})
    path = f"/outcomes?from={start:%Y-%m-%d}&to={end:%Y-%m-%d}"
    courses: list[int] = []

    def floor() -> None:
        with factory() as session:
            repository = service.OutcomesRepository(session, actor)
            repository.protocol_keys()
            for statement in _queries(repository, start, end, instrument_ids):
                # Through ``rows``, so the session is set up as for the service (PostgreSQL: no JIT).
                repository.rows(select(func.count()).select_from(statement.subquery()))

    def fetch() -> None:
        with factory() as session:
            repository = service.OutcomesRepository(session, actor)
            repository.protocol_keys()
            for statement in _queries(repository, start, end, instrument_ids):
                repository.rows(statement)

    def dashboard() -> None:
        with transaction(factory) as session:
            result = service.dashboard(session, actor, instruments, start, end, None)
            courses.append(result.figures.courses_started)

    def page() -> None:
        response = client.get(path)
        if response.status_code != 200 or "<svg" not in response.text:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")

    try:
        yield (
            {"floor": floor, "fetch": fetch, "service": dashboard, "page": page},
            (f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"),
        )
        progress(f"  courses started in range: {courses[-1]:,}")
    finally:
        client.close()
        app.state.engine.dispose()
        engine.dispose()


def _rows(
    backend: str, clinic: BenchClinic, folder: Path, repeats: int, full_size: bool
) -> list[Row]:
    """``full_size``: the 1 s target applies (10,000 patients or more)."""
    _upgrade(clinic.url)
    with _cases(clinic, folder) as (cases, span):
        progress(f"dashboard/{backend}: {span}, floor / fetch / service / page, n={repeats}")
        times = interleaved(cases, repeats)
    base = median_ms(times["floor"])
    rows = []
    for name, label in LABELS.items():
        value = median_ms(times[name])
        note = "baseline" if name == "floor" else f"{value / base:.2f}x floor"
        if name in ("service", "page") and full_size:
            note += f"; {value / TARGET_MS:.0%} of 1 s"
        rows.append(Row(f"dashboard/{backend}", label, value, repeats, note))
        progress(f"  {name}: {value:.0f} ms ({note})")
    return rows


def measure(
    patients: int, repeats: int, postgres_url: str | None = None, backends: tuple[str, ...] = ()
) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="ketacare-bench-dashboard-"))
    rows: list[Row] = []
    try:
        if not backends or "sqlite" in backends:
            with sqlite_copy(sqlite_clinic(patients), folder) as clinic:
                rows += _rows("sqlite", clinic, folder, repeats, patients >= PATIENTS)
        if not backends or "postgresql" in backends:
            if postgres_url:
                existing = BenchClinic(postgres_url, "", _clinic_id_any(postgres_url), 0.0)
                rows += _rows("postgresql", existing, folder, repeats, patients >= PATIENTS)
            else:
                with postgres_clinic(patients) as clinic:
                    rows += _rows("postgresql", clinic, folder, repeats, patients >= PATIENTS)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _clinic_id_any(url: str) -> Any:
    """The one synthetic clinic in an existing database (``--postgres-url``)."""
    from ketacare.accounts.models import Clinic

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalars(
                select(Clinic.id).where(Clinic.slug.like("synth-%")).order_by(Clinic.slug)
            ).first()
    finally:
        engine.dispose()


def run(quick: bool, patients: int | None = None) -> list[Row]:
    return measure(patients or (QUICK_PATIENTS if quick else PATIENTS), 3 if quick else 5)


def main() -> int:
    from benchmarks.run import text_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--postgres-url", help="use the synthetic clinic already in this database (not dropped)"
    )
    args = parser.parse_args()
    rows = measure(args.patients, args.repeats, args.postgres_url, tuple(args.backend or ()))
    print(text_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
