"""``ketacare serve``: run the web application with uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from ketacare.app import create_app
from ketacare.cli.common import load_settings, stderr
from ketacare.config import Settings
from ketacare.kit.db import migrate
from ketacare.kit.db.engine import make_engine


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"),
) -> None:
    """Serve the web app and API. Refuses to start on a database that needs migrating."""
    settings = load_settings()
    run(settings, host, port)


def run(settings: Settings, host: str, port: int) -> None:
    engine = make_engine(settings.database_url)
    current = migrate.current_revision(engine)
    engine.dispose()
    if current != migrate.head_revision(settings.database_url):
        stderr.print(
            "[red]error:[/red] the database is not at the latest schema; "
            "run `ketacare db upgrade` first"
        )
        raise typer.Exit(1)
    stderr.print(f"serving on http://{host}:{port}  (Ctrl+C to stop)")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        server_header=False,
        proxy_headers=False,
        log_level="info",
    )
