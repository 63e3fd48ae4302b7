"""``ketacare db``: schema migrations."""

from __future__ import annotations

import typer

from ketacare.cli.common import load_settings, stderr
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine

app = typer.Typer(
    help="Database schema: upgrade to the latest version, show the current one.",
    no_args_is_help=True,
)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    stderr.print(f"database at {migrate.head_revision(settings.database_url)}")


@app.command("current")
def current() -> None:
    """Print the database's current schema revision."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    typer.echo(migrate.current_revision(engine) or "(empty database)")
    engine.dispose()
