"""``ketacare demo``: migrate, seed the synthetic demo clinic, print the logins, serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from ketacare.cli.common import database, fail, load_settings, stderr
from ketacare.cli.serve import run
from ketacare.config import Settings
from ketacare.demo import mailcatcher, synthetic
from ketacare.demo.seed import DEMO_PASSWORD, seed
from ketacare.kit.db import migrate


def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Start the web server after seeding"
    ),
    synth_patients: int = typer.Option(
        synthetic.DEFAULT_PATIENTS,
        "--synth-patients",
        help=f"Synthetic patients added to the demo clinic once (0-{synthetic.MAX_PATIENTS})",
    ),
) -> None:
    """Set up the database, load the demo clinic (once; re-running is safe) and serve it."""
    if not 0 <= synth_patients <= synthetic.MAX_PATIENTS:
        fail(
            f"--synth-patients must be between 0 and {synthetic.MAX_PATIENTS}, got {synth_patients}"
        )
    settings = load_settings()
    stderr.print(f"database: {settings.database_url}")
    migrate.upgrade(settings.database_url)
    status = stderr.status("seeding the demo clinic (hashing passwords, 40 synthetic patients)...")
    with status, database(settings) as session:
        result = seed(session, settings)
    stderr.print("demo clinic created" if result.created else "demo clinic already present")
    if synth_patients:
        _add_synthetic(settings, synth_patients)
    stderr.print(f"\nDemo logins (password for all: [bold]{DEMO_PASSWORD}[/bold]):")
    for email, role in result.logins:
        note = "  (sets up two-factor sign-in at first login)" if role == "admin" else ""
        stderr.print(f"  {role:<11} {email}{note}", highlight=False)
    if serve:
        catcher = None
        if not mailcatcher.smtp_configured(settings.smtp_host, settings.smtp_port):
            catcher = mailcatcher.start(settings.data_dir / "demo-mail")
            settings = settings.model_copy(
                update={"smtp_host": "127.0.0.1", "smtp_port": catcher.port}
            )
            stderr.print(f"demo e-mail is delivered to {catcher.folder}/new/ (no real sending)")
        # The job worker (reminder e-mails) runs beside the server and stops with it.
        stderr.print("starting the job worker (reminder e-mails)")
        environment = os.environ | {
            "KETACARE_SMTP_HOST": settings.smtp_host,
            "KETACARE_SMTP_PORT": str(settings.smtp_port),
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", "from ketacare.cli import app; app()", "worker"],
            env=environment,
        )
        # uvicorn re-raises SIGTERM after its shutdown: exit through `finally` instead of dying.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            run(settings, host, port)
        finally:
            worker.terminate()  # SIGTERM: the worker stops at once; the outbox keeps its state
            worker.wait()
            if catcher is not None:
                catcher.stop()


def _add_synthetic(settings: Settings, patients: int) -> None:
    """Bulk-add the synthetic patients once, with a progress line."""
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stderr) as bar:
        task = bar.add_task("synthetic patients for the dashboards", total=patients)
        added = synthetic.add_synthetic(settings, patients, lambda n: bar.advance(task, n))
    if added is None:
        stderr.print("synthetic patients already present")
    else:
        stderr.print(
            f"added {added.patients} synthetic patients ("
            f"{added.counts['treatment_sessions']} chair sessions, "
            f"{added.counts['appointments']} appointments)"
        )
