"""``ketacare worker``: the background worker that sends reminder e-mails and retries failures."""

from __future__ import annotations

import logging
import sys

import typer

from ketacare.cli.common import fail, load_settings, stderr
from ketacare.config import Settings
from ketacare.kit import jobs
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine


def worker(
    workers: int = typer.Option(1, min=1, max=16, help="Worker threads in this process"),
    once: bool = typer.Option(
        False, "--once", help="Do what is due now (e-mails, FHIR exports) and exit (no queue)"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every poll (debug level)"),
) -> None:
    """Run the job worker: every minute it sends due reminder e-mails (retrying refused ones) and
    runs requested FHIR Bulk Data exports.

    The queue is KETACARE_JOBS_URL: empty means a SQLite file in the data folder (one machine);
    redis://host:6379/0 at scale, with one worker per machine. Logs go to stderr. Ctrl+C stops it
    after the current e-mail.
    """
    settings = load_settings()
    _require_migrated(settings)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        configured = jobs.build(settings)
    except jobs.JobsConfigError as error:
        fail(str(error))
    if once:
        results = configured.send_due.call_local()
        stderr.print(f"sent or tried: {results or 'nothing due'}", highlight=False)
        if configured.run_exports is not None:
            exported = configured.run_exports.call_local()
            stderr.print(f"FHIR exports: {exported or 'nothing requested'}", highlight=False)
        configured.context.close()
        return
    stderr.print(
        f"worker: queue {jobs.describe(settings)}; due messages are sent every minute "
        "(Ctrl+C to stop)",
        highlight=False,
    )
    configured.send_due()  # one sweep straight away rather than at the next full minute
    try:
        jobs.consumer(configured, workers).run()
    finally:
        configured.context.close()


def _require_migrated(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if current != migrate.head_revision(settings.database_url):
        fail("the database is not at the latest schema; run `ketacare db upgrade` first", 1)
