"""Background jobs on Huey: a SQLite file on one machine, Redis at scale (``KETACARE_JOBS_URL``).

The outbox in the database is the source of truth; the job queue only carries "look now". One
periodic job sweeps every minute for due messages (``messaging.delivery`` explains why: a lost job
or a crash between sending and committing loses no reminder). Retries are therefore the
outbox's own (``message_max_attempts``, ``message_retry_minutes``), recorded on each message for the
front desk, not Huey's in-memory retries.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

# huey ships no type information: its objects are Any here.
from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab  # type: ignore[import-untyped]
from huey.api import TaskWrapper  # type: ignore[import-untyped]
from huey.consumer import Consumer  # type: ignore[import-untyped]
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ketacare.config import Settings
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.scales.definitions import Instrument, load_instruments

QUEUE_NAME = "ketacare"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class JobsConfigError(ValueError):
    pass


def make_huey(settings: Settings) -> Huey:
    """The queue named by ``jobs_url``: empty = ``<data_dir>/jobs.db``; ``redis://...`` = Redis."""
    url = settings.jobs_url.strip()
    if not url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "jobs.db"))
    if url.startswith(REDIS_SCHEMES):
        return PriorityRedisHuey(QUEUE_NAME, url=url)
    raise JobsConfigError(
        "KETACARE_JOBS_URL must be empty (a SQLite file in the data folder) "
        "or a Redis URL such as redis://127.0.0.1:6379/0"
    )


def describe(settings: Settings) -> str:
    """Where the queue lives, without a password."""
    url = settings.jobs_url.strip()
    if not url:
        return f"SQLite {settings.data_dir / 'jobs.db'}"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


@dataclass
class Context:
    """What the tasks need, made once per worker process on first use (thread-safe)."""

    settings: Settings
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _engine: Engine | None = None
    _factory: sessionmaker[Session] | None = None
    _instruments: dict[str, Instrument] | None = None

    def factory(self) -> sessionmaker[Session]:
        with self._lock:
            if self._factory is None:
                self._engine = make_engine(self.settings.database_url)
                self._factory = make_session_factory(self._engine)
            return self._factory

    def instruments(self) -> dict[str, Instrument]:
        with self._lock:
            if self._instruments is None:
                self._instruments = load_instruments(self.settings.instruments_dir)
            return self._instruments

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._factory = None


@dataclass
class Jobs:
    huey: Huey
    context: Context
    send_due: TaskWrapper  # periodic, every minute; calling it enqueues one run now
    run_exports: TaskWrapper | None = None  # FHIR Bulk Data $export jobs, swept every minute


def build(settings: Settings) -> Jobs:
    """A Huey instance with ketacare's tasks registered (the worker and any producer call this)."""
    from ketacare.interop.fhir import bulk  # kit must not import domain code at load time
    from ketacare.messaging import delivery

    huey = make_huey(settings)
    context = Context(settings)

    def send_due() -> dict[str, int]:
        return delivery.sweep(context.factory(), settings, context.instruments())

    def run_exports() -> dict[str, int]:
        return bulk.run_due(context.factory(), settings, context.instruments())

    every_minute = huey.periodic_task(crontab(minute="*"), name="messaging.send_due")
    exports = huey.periodic_task(crontab(minute="*"), name="fhir.run_exports")
    return Jobs(huey, context, every_minute(send_due), exports(run_exports))


def consumer(jobs: Jobs, workers: int = 1, **options: Any) -> Consumer:
    """A consumer with the periodic scheduler on; threads, so one process per machine is enough."""
    made: Consumer = jobs.huey.create_consumer(
        workers=workers, periodic=True, worker_type="thread", **options
    )
    return made
