"""A bulk synthetic clinic for the scale benchmarks (FHIR export, outcomes dashboard).

SQLite: built once per (seed, N, generator) with ``ketacare.synth.writer.write`` (what ``ketacare
synth`` runs) into ``var/bench/clinic-s<seed>-n<N>-<fingerprint>.db`` and reused afterwards, where
the fingerprint hashes the generator's files and the migrations, so a changed generator or schema
builds a new clinic instead of measuring a stale one; benchmarks that write
(an audit event, an API token) work on a temporary copy. PostgreSQL: a database on the local
server (``KETACARE_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1/postgres`` as
the admin connection), created, migrated and filled the same way, and dropped afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from benchmarks.common import progress
from ketacare.accounts.models import Clinic
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine, normalise_url
from ketacare.synth.writer import write

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
SEED = 20_261_129
ADMIN_URL = os.environ.get(
    "KETACARE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def fingerprint() -> str:
    """Eight hex digits over the synth package and the migrations (names and contents)."""
    digest = hashlib.sha256()
    source = ROOT / "src" / "ketacare"
    for folder in (source / "synth", source / "migrations" / "versions"):
        for path in sorted(folder.glob("*.[pt][yo]*")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


@dataclass(frozen=True)
class BenchClinic:
    url: str
    slug: str
    clinic_id: uuid.UUID
    build_seconds: float  # 0 when reused from the cache


def slug_for(seed: int) -> str:
    return f"synth-{seed}"


def _fill(url: str, patients: int, seed: int) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    step = max(patients // 10, 1)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        before, done = done, done + n
        if done // step != before // step:
            progress(f"  synth: {done:,}/{patients:,} patients")

    try:
        write(engine, patients, seed, slug_for(seed), tick)
    finally:
        engine.dispose()


def _clinic_id(url: str, slug: str) -> uuid.UUID:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.scalar(select(Clinic.id).where(Clinic.slug == slug))
    finally:
        engine.dispose()
    if found is None:
        raise RuntimeError(f"no clinic {slug} in {url}")
    return uuid.UUID(str(found))


def sqlite_clinic(patients: int, seed: int = SEED) -> BenchClinic:
    """The cached SQLite clinic file for (seed, N), built on first use (~84 s for 10,000)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"clinic-s{seed}-n{patients}-{fingerprint()}.db"
    url = f"sqlite:///{path}"
    seconds = 0.0
    if not path.exists():
        building = CACHE / f"building-s{seed}-n{patients}-{os.getpid()}.db"
        building.unlink(missing_ok=True)
        progress(f"building the synthetic clinic: {patients:,} patients, seed {seed} (SQLite)")
        start = time.perf_counter()
        _fill(f"sqlite:///{building}", patients, seed)
        seconds = time.perf_counter() - start
        building.rename(path)
        progress(f"  built {path.relative_to(ROOT)} in {seconds:.0f} s")
    else:
        progress(f"reusing {path.relative_to(ROOT)}")
    return BenchClinic(url, slug_for(seed), _clinic_id(url, slug_for(seed)), seconds)


@contextmanager
def sqlite_copy(clinic: BenchClinic, folder: Path) -> Iterator[BenchClinic]:
    """A scratch copy of the cached file, for benchmarks that write (audit events, tokens)."""
    source = Path(make_url(clinic.url).database or "")
    target = folder / source.name
    shutil.copyfile(source, target)
    yield BenchClinic(f"sqlite:///{target}", clinic.slug, clinic.clinic_id, 0.0)


@contextmanager
def postgres_clinic(patients: int, seed: int = SEED) -> Iterator[BenchClinic]:
    """A fresh database on the local PostgreSQL server holding the same clinic; dropped after."""
    admin_url = normalise_url(ADMIN_URL)
    name = f"ketacare_bench_s{seed}_n{patients}_{os.getpid()}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        progress(f"building the synthetic clinic: {patients:,} patients, seed {seed} (PostgreSQL)")
        start = time.perf_counter()
        _fill(url, patients, seed)
        seconds = time.perf_counter() - start
        progress(f"  built database {name} in {seconds:.0f} s")
        yield BenchClinic(url, slug_for(seed), _clinic_id(url, slug_for(seed)), seconds)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
