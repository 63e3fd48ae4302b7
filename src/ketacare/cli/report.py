"""``ketacare report letter|progress``: a patient's PDF report written to a file."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from ketacare.accounts.models import Clinic
from ketacare.cli.common import database, fail, load_settings, stderr
from ketacare.kit.actor import Actor
from ketacare.patients.repository import PatientRepository
from ketacare.reports import content, render
from ketacare.scales.definitions import InstrumentFileError, load_instruments

app = typer.Typer(help="PDF reports: letters and progress summaries.", no_args_is_help=True)

Mrn = Annotated[str, typer.Option("--patient", help="The patient's MRN")]
Slug = Annotated[str, typer.Option("--clinic", help="Clinic slug")]
Out = Annotated[Path, typer.Option("--out", help="PDF file to write")]


def _write(kind: str, mrn: str, slug: str, out: Path, plan: str, author: str) -> None:
    if out.is_dir() or not out.parent.is_dir():
        fail(f"--out: {out} is not a writable file path (its folder must exist)")
    settings = load_settings()
    try:
        instruments = load_instruments(settings.instruments_dir)
    except InstrumentFileError as error:
        fail(str(error))
    started = time.perf_counter()
    with database(settings) as session:
        clinic = session.scalars(select(Clinic).where(Clinic.slug == slug)).one_or_none()
        if clinic is None:
            fail(f"--clinic: no clinic '{slug}'")
        actor = Actor(user_id=None, clinic_id=clinic.id, role="system", label="cli report")
        patient = PatientRepository(session, actor).by_mrn(mrn)
        if patient is None:
            fail(f"--patient: no patient with MRN '{mrn}' in {slug}")
        stderr.print(f"gathering the {kind} of {mrn}", highlight=False)
        report = content.gather(
            session, actor, settings, instruments, patient.id, kind=kind, plan=plan,
            author=author or clinic.name, today=date.today(),
        )  # fmt: skip
        data = render.pdf(kind, report)
    try:
        out.write_bytes(data)
    except OSError as error:
        fail(f"--out: {error.strerror or error}")
    seconds = time.perf_counter() - started
    stderr.print(f"wrote {out} ({len(data):,} bytes, {seconds:.1f} s)", highlight=False)


@app.command("letter")
def letter(
    mrn: Mrn,
    slug: Slug,
    out: Out,
    plan: Annotated[str, typer.Option("--plan", help="Free-text plan for the letter")] = "",
    author: Annotated[str, typer.Option("--author", help="Name under the letter")] = "",
) -> None:
    """The letter to the referring clinician: course, doses, score charts, adverse events, plan."""
    _write("letter", mrn, slug, out, plan, author)


@app.command("progress")
def progress(mrn: Mrn, slug: Slug, out: Out) -> None:
    """The patient's progress summary, in plain language."""
    _write("progress", mrn, slug, out, "", "")
