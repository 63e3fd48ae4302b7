"""``ketacare import fhir FILE``: PHQ-9 and GAD-7 QuestionnaireResponses from another system.

The file is one JSON resource, a Bundle (``collection``, ``transaction`` or ``batch``: each entry's
``resource``) or NDJSON (one resource per line, as Bulk Data writes them). Every
QuestionnaireResponse goes through the same importer as ``POST /fhir/R4/QuestionnaireResponse``,
in its own transaction: a refused resource stores nothing and does not stop the others. The
recorder is a real person: ``--as`` names an active physician or nurse of the clinic (the roles
the HTTP import accepts), so each stored response and its ``fhir.import`` audit event carry them.
Exit status: 0 when every QuestionnaireResponse was imported, 1 when any was refused, 2 on bad
input (no file, not JSON, an unknown or ineligible user).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts_service
from ketacare.accounts.rules import CLINICAL_RECORDERS
from ketacare.cli.common import fail, load_settings, stderr
from ketacare.interop.fhir import importer
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction
from ketacare.kit.errors import DomainError, NotFound
from ketacare.scales.definitions import Instrument, InstrumentFileError, load_instruments

app = typer.Typer(help="Import records from other systems.", no_args_is_help=True)

BUNDLE_TYPES = ("collection", "transaction", "batch")


@dataclass(frozen=True)
class Outcome:
    """What happened to one resource of the file."""

    where: str  # "resource", "entry[2]" or "line 7"
    source_id: str | None
    status: str  # imported, refused or skipped
    message: str
    instrument: str | None = None
    total: int | None = None
    severity: str | None = None
    response_id: str | None = None


Item = tuple[str, Any]  # (where, the parsed resource or an Exception for an unreadable line)


def _bundle_items(bundle: dict[str, Any]) -> list[Item]:
    if bundle.get("type") not in BUNDLE_TYPES:
        fail(f"Bundle.type: must be one of {', '.join(BUNDLE_TYPES)}, not {bundle.get('type')!r}")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        fail("Bundle.entry: must be a list of entries")
    items: list[Item] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        missing = ValueError(f"Bundle.entry[{index}].resource: missing or not an object")
        items.append((f"entry[{index}]", resource if isinstance(resource, dict) else missing))
    return items


def _ndjson(lines: list[str]) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as error:
            yield f"line {number}", ValueError(f"line {number}: not JSON ({error.msg})")


def _read(path: Path) -> tuple[Iterable[Item], int | None]:
    """The file's resources, and for NDJSON how many lines to import (the progress bar's total)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"FILE: cannot read {path}: {getattr(error, 'strerror', None) or error}")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        lines = text.splitlines()
        if not _any_json(lines):
            fail(f"FILE: {path} is neither a JSON resource nor NDJSON (one resource per line)")
        return _ndjson(lines), sum(1 for line in lines if line.strip())
    if not isinstance(whole, dict):
        fail("FILE: must hold a FHIR resource (a JSON object), a Bundle or NDJSON")
    if whole.get("resourceType") == "Bundle":
        return _bundle_items(whole), None
    return [("resource", whole)], None


def _any_json(lines: list[str]) -> bool:
    for line in filter(str.strip, lines):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            continue
        return True
    return False


def _actor(factory: sessionmaker[Session], email: str, clinic_slug: str | None) -> Actor:
    """The recorder: an active physician or nurse of the clinic, as the HTTP import requires."""
    with transaction(factory) as session:
        try:
            user = accounts_service.user_by_email(session, email)
        except NotFound:
            fail(f"--as: no user with e-mail {email}")
        if not user.is_active:
            fail(f"--as: {user.email} is disabled")
        if user.role not in CLINICAL_RECORDERS:
            fail(f"--as: must be one of the roles {', '.join(CLINICAL_RECORDERS)}, not {user.role}")
        if clinic_slug is not None:
            try:
                clinic = accounts_service.clinic_by_slug(session, clinic_slug)
            except NotFound:
                fail(f"--clinic: no clinic '{clinic_slug}'")
            if clinic.id != user.clinic_id:
                fail(f"--as: {user.email} is not a member of {clinic_slug}")
        return accounts_service.actor_for(user)


def _import_one(
    factory: sessionmaker[Session],
    actor: Actor,
    instruments: dict[str, Instrument],
    where: str,
    resource: Any,
) -> Outcome:
    source_id = resource.get("id") if isinstance(resource, dict) else None
    source_id = source_id if isinstance(source_id, str) else None
    if isinstance(resource, Exception):
        return Outcome(where, None, "refused", str(resource))
    if not isinstance(resource, dict):
        return Outcome(where, None, "refused", f"{where}: not a FHIR resource (a JSON object)")
    kind = resource.get("resourceType")
    if kind != "QuestionnaireResponse":
        return Outcome(where, source_id, "skipped", f"a {kind or 'resource'}, not imported")
    try:
        with transaction(factory) as session:  # one per resource: a refusal leaves nothing
            row, _ = importer.import_response(session, actor, instruments, resource)
            outcome = Outcome(
                where,
                source_id,
                "imported",
                f"{instruments[row.instrument_id].short_name} total {row.total}"
                + (f" ({row.severity})" if row.severity else ""),
                instrument=row.instrument_id,
                total=row.total,
                severity=row.severity,
                response_id=str(row.id),
            )
    except DomainError as error:
        return Outcome(where, source_id, "refused", str(error))
    return outcome


def _run(
    factory: sessionmaker[Session],
    actor: Actor,
    instruments: dict[str, Instrument],
    path: Path,
) -> list[Outcome]:
    items, lines = _read(path)
    if lines is None:
        return [_import_one(factory, actor, instruments, w, r) for w, r in items]
    outcomes: list[Outcome] = []
    columns = (TextColumn("FHIR import"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True, redirect_stdout=False) as bar:
        task = bar.add_task("import", total=lines)
        for where, resource in items:
            outcomes.append(_import_one(factory, actor, instruments, where, resource))
            bar.advance(task)
    return outcomes


@app.command("fhir")
def fhir(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A JSON resource, a Bundle, or NDJSON (one resource per line)"
        ),
    ],
    email: Annotated[
        str,
        typer.Option("--as", help="E-mail of the active physician or nurse who records them"),
    ],
    clinic_slug: Annotated[
        str | None, typer.Option("--clinic", help="Clinic slug (checked against --as)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON")] = False,
) -> None:
    """Import PHQ-9 and GAD-7 QuestionnaireResponses, scored as our own; exit 1 if any refused."""
    if not file.is_file():
        fail(f"FILE: {file} is not a readable file")
    settings = load_settings()
    try:
        instruments = load_instruments(settings.instruments_dir)
    except InstrumentFileError as error:
        fail(str(error))
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        outcomes = _run(factory, _actor(factory, email, clinic_slug), instruments, file)
    finally:
        engine.dispose()
    counts = {s: sum(o.status == s for o in outcomes) for s in ("imported", "refused", "skipped")}
    if as_json:
        typer.echo(json.dumps({"counts": counts, "resources": [asdict(o) for o in outcomes]}))
    else:
        for o in outcomes:
            named = f"{o.where}" + (f" (id {o.source_id})" if o.source_id else "")
            typer.echo(f"{o.status:<8} {named}: {o.message}")
        typer.echo(", ".join(f"{n} {status}" for status, n in counts.items()))
    if counts["refused"]:
        raise typer.Exit(1)
