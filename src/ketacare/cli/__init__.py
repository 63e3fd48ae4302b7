"""The ``ketacare`` command: one Typer sub-app per command group."""

from __future__ import annotations

import typer

from ketacare.cli import (
    accounts,
    audit,
    db,
    demo,
    export,
    importing,
    pk,
    report,
    score,
    serve,
    synth,
    worker,
)

app = typer.Typer(
    name="ketacare",
    help="ketacare: clinical system for supervised ketamine therapy. Progress goes to stderr, data to stdout.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("score")(score.score)
app.command("worker")(worker.worker)
app.command("synth")(synth.synth)
app.add_typer(db.app, name="db")
app.add_typer(accounts.clinic_app, name="clinic")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(audit.app, name="audit")
app.add_typer(pk.app, name="pk")
app.add_typer(export.app, name="export")
app.add_typer(report.app, name="report")
app.add_typer(importing.app, name="import")
