"""``ketacare audit verify``: recompute the audit hash chain."""

from __future__ import annotations

import json

import typer

from ketacare.audit import service
from ketacare.cli.common import database, load_settings, stderr

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print the report as JSON")) -> None:
    """Check that no audit event was altered, removed or reordered. Exit 1 naming the first bad one."""
    with database(load_settings()) as session:
        report = service.verify(session)
    body = {
        "intact": report.intact,
        "events_checked": report.events_checked,
        "head_hash": report.head_hash,
        "first_bad_event": report.first_break.seq if report.first_break else None,
        "reason": report.first_break.reason if report.first_break else None,
    }
    if as_json:
        typer.echo(json.dumps(body))
    elif report.first_break is None:
        typer.echo(
            f"audit chain intact: {report.events_checked} events, head {report.head_hash[:16]}"
        )
    else:
        stderr.print(
            f"[red]audit chain broken at event {report.first_break.seq}:[/red] "
            f"{report.first_break.reason}",
            highlight=False,
        )
    if not report.intact:
        raise typer.Exit(1)
