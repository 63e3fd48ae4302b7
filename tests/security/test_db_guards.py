"""The database itself refuses deleting clinical rows and rewriting the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.kit.db.engine import make_engine

REFUSED = [
    ("DELETE", "patients", "DELETE FROM patients"),
    ("DELETE", "body_measurements", "DELETE FROM body_measurements"),
    ("DELETE", "allergies", "DELETE FROM allergies"),
    ("DELETE", "diagnoses", "DELETE FROM diagnoses"),
    ("DELETE", "patient_revisions", "DELETE FROM patient_revisions"),
    ("UPDATE", "patient_revisions", "UPDATE patient_revisions SET reason = 'rewritten'"),
    ("DELETE", "audit_events", "DELETE FROM audit_events"),
    ("UPDATE", "audit_events", "UPDATE audit_events SET outcome = 'success'"),
    ("UPDATE", "audit_events", "UPDATE audit_events SET actor_label = 'someone else'"),
]


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """A plain connection, as someone with database access but not the app would have."""
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def populated(
    make_user: Callable[..., User],
    make_patient: Callable[..., uuid.UUID],
    make_records: Callable[..., dict[str, uuid.UUID]],
) -> uuid.UUID:
    """At least one row in every guarded table (row triggers only fire on existing rows)."""
    physician = make_user("physician")
    patient_id = make_patient(physician)
    make_records(physician, patient_id)
    return patient_id


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def snapshot(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]


class TestDatabaseRefusesDestructiveStatements:
    @pytest.mark.parametrize(
        ("operation", "table", "statement"),
        REFUSED,
        ids=[f"{op.lower()}-{table}-{i}" for i, (op, table, _) in enumerate(REFUSED)],
    )
    def test_statement_is_refused_and_nothing_changes(
        self, engine: Engine, populated: uuid.UUID, operation: str, table: str, statement: str
    ) -> None:
        before = snapshot(engine, table)
        assert before, f"{table} is empty: the guard would not be exercised"
        with engine.connect() as connection:
            with pytest.raises(
                DBAPIError, match=f"ketacare: {operation} on {table} is not allowed"
            ):
                connection.execute(text(statement))
            connection.rollback()
        assert snapshot(engine, table) == before

    def test_refusal_holds_even_if_the_caller_commits(
        self, engine: Engine, populated: uuid.UUID
    ) -> None:
        before = count(engine, "patients")
        with engine.connect() as connection:
            try:
                connection.execute(text("DELETE FROM patients"))
                connection.commit()
            except DBAPIError:
                connection.rollback()
        assert count(engine, "patients") == before == 1


class TestGuardsAreNarrow:
    """Positive controls: the same connection can do what the rules allow."""

    def test_patients_can_be_updated_which_is_how_amendments_work(
        self, engine: Engine, populated: uuid.UUID
    ) -> None:
        with engine.begin() as connection:
            changed = connection.execute(
                text("UPDATE patients SET given_name = 'Augusta'")
            ).rowcount
        assert changed == 1

    def test_clinical_rows_can_be_voided(self, engine: Engine, populated: uuid.UUID) -> None:
        with engine.begin() as connection:
            changed = connection.execute(
                text("UPDATE diagnoses SET void_reason = 'entered on the wrong chart'")
            ).rowcount
        assert changed == 1
