"""Engine creation for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Let operators write ``postgresql://``; we always drive PostgreSQL through psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, autocommit: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url``. ``autocommit`` is for inspection tools: every statement stands alone."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, autocommit, **kwargs)
    if autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, autocommit: bool, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    if autocommit:
        return engine

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # Every request writes at least an audit event, so take the write lock up front:
        # a deferred BEGIN would fail with SQLITE_BUSY on upgrade instead of waiting.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
