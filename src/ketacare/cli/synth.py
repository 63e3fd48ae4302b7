"""``ketacare synth``: build a realistic synthetic clinic in bulk (demo, dashboards, benchmarks)."""

from __future__ import annotations

import json
import re

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from ketacare.cli.common import fail, load_settings, stderr
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine
from ketacare.synth.writer import ClinicExists, write

MAX_PATIENTS = 200_000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")  # as accounts.service checks it


def synth(
    patients: int = typer.Option(..., "--patients", help=f"Number of patients, 1-{MAX_PATIENTS}"),
    seed: int = typer.Option(
        ..., "--seed", help="Random seed: the same seed gives the same clinic"
    ),
    clinic_slug: str | None = typer.Option(
        None, "--clinic-slug", help="Slug of the new clinic (default synth-<seed>)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON"),
) -> None:
    """Create a new synthetic clinic with N patients, their courses, sessions, scores and therapy."""
    if not 1 <= patients <= MAX_PATIENTS:
        fail(f"--patients must be between 1 and {MAX_PATIENTS}, got {patients}")
    slug = clinic_slug or f"synth-{seed}"
    if not SLUG.match(slug):
        fail(f"--clinic-slug must be 3-60 lower-case letters, digits or dashes, got '{slug}'")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision(settings.database_url):
            fail("the database schema is not up to date: run `ketacare db upgrade` first")
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=stderr) as bar:
            task = bar.add_task(f"synth {slug}", total=patients)
            result = write(engine, patients, seed, slug, lambda n: bar.advance(task, n))
    except ClinicExists as exists:
        fail(str(exists))
    finally:
        engine.dispose()
    if as_json:
        body = {"clinic_id": result.clinic_id, "slug": slug, "seed": seed, "counts": result.counts}
        typer.echo(json.dumps(body))
        return
    typer.echo(f"created clinic {slug} ({result.clinic_id}) from seed {seed}")
    for table, count in result.counts.items():
        typer.echo(f"  {table:<24} {count:>9}")
