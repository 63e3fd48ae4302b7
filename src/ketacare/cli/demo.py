"""``ketacare demo``: migrate, seed the synthetic demo clinic, print the logins, serve."""

from __future__ import annotations

import typer

from ketacare.cli.common import database, load_settings, stderr
from ketacare.cli.serve import run
from ketacare.demo.seed import DEMO_PASSWORD, seed
from ketacare.kit.db import migrate


def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Start the web server after seeding"
    ),
) -> None:
    """Set up the database, load the demo clinic (once; re-running is safe) and serve it."""
    settings = load_settings()
    stderr.print(f"database: {settings.database_url}")
    migrate.upgrade(settings.database_url)
    status = stderr.status("seeding the demo clinic (hashing passwords, 40 synthetic patients)...")
    with status, database(settings) as session:
        result = seed(session, settings)
    stderr.print("demo clinic created" if result.created else "demo clinic already present")
    stderr.print(f"\nDemo logins (password for all: [bold]{DEMO_PASSWORD}[/bold]):")
    for email, role in result.logins:
        note = "  (sets up two-factor sign-in at first login)" if role == "admin" else ""
        stderr.print(f"  {role:<11} {email}{note}", highlight=False)
    if serve:
        run(settings, host, port)
