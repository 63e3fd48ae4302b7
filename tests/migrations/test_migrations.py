"""Migrations: upgrade → downgrade → upgrade on both engines, and no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from typer.testing import CliRunner

from ketacare.cli import app as cli
from ketacare.kit.db import migrate, registry
from ketacare.kit.db.engine import make_engine
from tests.databases import PostgresDatabases, SqliteDatabases


@pytest.fixture
def empty_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    url = databases.empty()
    yield url
    databases.drop(url)


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


class TestMigrationChain:
    def test_upgrade_downgrade_upgrade(self, empty_url: str) -> None:
        migrate.upgrade(empty_url)
        created = tables(empty_url)
        assert {"patients", "audit_events", "users", "clinics"} <= created
        migrate.downgrade(empty_url, "base")
        assert tables(empty_url) == set()
        migrate.upgrade(empty_url)
        assert tables(empty_url) == created

    def test_models_match_the_migrated_schema(self, empty_url: str) -> None:
        migrate.upgrade(empty_url)
        engine = make_engine(empty_url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, registry.metadata())
        engine.dispose()
        assert differences == []

    def test_serve_refuses_an_unmigrated_database(self, empty_url: str) -> None:
        result = CliRunner().invoke(
            cli,
            ["serve", "--port", "8799"],
            env={
                "KETACARE_ENV": "test",
                "KETACARE_DATABASE_URL": empty_url,
                "KETACARE_SECRET_KEY": "s" * 40,
            },
        )
        assert result.exit_code == 1
        assert "not at the latest schema" in result.output
        assert "run `ketacare db upgrade` first" in result.output
