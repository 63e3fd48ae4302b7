"""One transaction per request: the ``DbSession`` dependency commits when the route returns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker


def get_db(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """For the command line and jobs: one transaction, committed only if the block succeeds."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
