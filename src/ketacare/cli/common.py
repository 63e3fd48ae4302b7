"""What every command shares: settings, a database transaction, and how to fail on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.orm import Session

from ketacare.config import Settings
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction

stderr = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        fail(f"configuration: {error.errors()[0]['msg']}")


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and exit 2 (bad input) or the given code."""
    stderr.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
