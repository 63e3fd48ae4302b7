"""Database-level guards that back the no-delete, no-overwrite rule, for use in migrations."""

from __future__ import annotations

from alembic import op

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ketacare_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ketacare: % on % is not allowed (void or amend instead)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def _dialect() -> str:
    return op.get_bind().dialect.name


def create_refusal_function() -> None:
    if _dialect() == "postgresql":
        op.execute(_PG_FUNCTION)


def drop_refusal_function() -> None:
    if _dialect() == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ketacare_refuse_change()")


def refuse(table: str, operations: tuple[str, ...]) -> None:
    """Make the database itself refuse UPDATE and/or DELETE on a table."""
    for operation in operations:
        name = f"{table}_no_{operation.lower()}"
        if _dialect() == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ketacare_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'ketacare: {operation} on {table} is not allowed'); END"
            )


def allow(table: str, operations: tuple[str, ...]) -> None:
    for operation in operations:
        name = f"{table}_no_{operation.lower()}"
        suffix = f" ON {table}" if _dialect() == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")
