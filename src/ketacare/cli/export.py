"""``ketacare export fhir`` (FHIR R4 Bulk Data NDJSON) and ``ketacare export research``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic
from ketacare.audit import service as audit
from ketacare.cli.common import database, fail, load_settings, stderr
from ketacare.interop.fhir import export as fhir_export
from ketacare.interop.research import export as research_export
from ketacare.kit.actor import Actor
from ketacare.medications.drugs import DrugFileError, drug_table
from ketacare.scales.definitions import InstrumentFileError, load_instruments

app = typer.Typer(help="Export the record in standard formats.", no_args_is_help=True)


def _clinic(session: Session, slug: str | None) -> Clinic:
    if slug is not None:
        clinic = session.scalars(select(Clinic).where(Clinic.slug == slug)).one_or_none()
        if clinic is None:
            fail(f"--clinic: no clinic '{slug}'")
        return clinic
    clinics = session.scalars(select(Clinic).order_by(Clinic.slug).limit(2)).all()
    if len(clinics) != 1:
        fail("--clinic: " + ("there is no clinic" if not clinics else "name the clinic to export"))
    return clinics[0]


@app.command("fhir")
def fhir(
    out: Annotated[Path, typer.Option("--out", help="Directory for the NDJSON files")],
    clinic_slug: Annotated[
        str | None,
        typer.Option("--clinic", help="Clinic slug (needed when there is more than one clinic)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON")] = False,
) -> None:
    """Write one <ResourceType>.ndjson per FHIR R4 resource type (Bulk Data format) into --out."""
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    settings = load_settings()
    try:
        instruments = load_instruments(settings.instruments_dir)
    except InstrumentFileError as error:
        fail(str(error))
    with database(settings) as session:
        clinic = _clinic(session, clinic_slug)
        total = fhir_export.source_rows(session, clinic.id)
        columns = (
            TextColumn("FHIR export"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=stderr, transient=True) as bar:
            task = bar.add_task("export", total=total)
            try:
                result = fhir_export.export_clinic(
                    session,
                    clinic.id,
                    out,
                    instruments,
                    progress=lambda n: bar.advance(task, n),
                )
            except OSError as error:
                fail(f"--out: {error.strerror or error}")
        audit.record(
            session,
            Actor.system("cli"),
            "fhir.export",
            "clinic",
            clinic.id,
            clinic_id=clinic.id,
            details={"counts": result.counts},
        )
    if as_json:
        body = {
            "clinic": clinic.slug,
            "out": str(out),
            "counts": result.counts,
            "files": {kind: path.name for kind, path in result.files.items()},
        }
        typer.echo(json.dumps(body))
        return
    typer.echo(f"FHIR R4 export of {clinic.slug} into {out}")
    for kind, count in result.counts.items():
        typer.echo(f"  {kind:<26} {count:>8}")


@app.command("research")
def research(
    out: Annotated[Path, typer.Option("--out", help="Directory for the research files")],
    fmt: Annotated[
        str, typer.Option("--format", help="redcap (CSV + data dictionary), parquet or both")
    ] = "both",
    deidentify: Annotated[
        bool, typer.Option("--deidentify", help="Safe Harbor-style: no identifiers, dates shifted")
    ] = False,
    clinic_slug: Annotated[
        str | None,
        typer.Option("--clinic", help="Clinic slug (needed when there is more than one clinic)"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed pseudonyms and date shifts (tests only)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON")] = False,
) -> None:
    """Write one file per research form (REDCap-style CSV and/or Parquet) into --out."""
    if fmt not in research_export.FORMATS:
        fail(f"--format: must be one of {', '.join(research_export.FORMATS)}, not '{fmt}'")
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    settings = load_settings()
    try:
        drugs = drug_table(settings.extra_drugs_file)
    except (DrugFileError, OSError) as error:
        fail(str(error))
    with database(settings) as session:
        clinic = _clinic(session, clinic_slug)
        total = research_export.source_rows(session, clinic.id, drugs)
        columns = (TextColumn("Research export"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=stderr, transient=True) as bar:
            task = bar.add_task("export", total=total)
            try:
                result = research_export.export_clinic(
                    session,
                    clinic.id,
                    out,
                    drugs,
                    fmt=fmt,
                    deidentified=deidentify,
                    seed=seed,
                    progress=lambda n: bar.advance(task, n),
                )
            except OSError as error:
                fail(f"--out: {error.strerror or error}")
        audit.record(
            session,
            Actor.system("cli"),
            "research.export",
            "clinic",
            clinic.id,
            clinic_id=clinic.id,
            details={"tables": result.counts, "deidentified": deidentify, "format": fmt},
        )
    if as_json:
        body = {
            "clinic": clinic.slug,
            "out": str(out),
            "format": fmt,
            "deidentified": deidentify,
            "counts": result.counts,
            "files": [path.name for path in result.files],
        }
        typer.echo(json.dumps(body))
        return
    mode = "de-identified" if deidentify else "identified"
    typer.echo(f"Research export ({mode}, {fmt}) of {clinic.slug} into {out}")
    for name, count in result.counts.items():
        typer.echo(f"  {name:<26} {count:>8}")
