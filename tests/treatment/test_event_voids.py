"""An adverse event or rescue medication entered in error is voided with who, when and why: it
stays in the session log, struck through, and stops counting; the database allows no other change."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.treatment.session_models import SessionEvent
from tests.conftest import login, post_form
from tests.treatment.test_chair import _checked_in


def _event(db: Session, kind: str) -> SessionEvent:
    return db.scalars(select(SessionEvent).where(SessionEvent.kind == kind)).one()


def test_entered_in_error_voids_with_who_when_why_and_keeps_the_row(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("physician"))
    _, url = _checked_in(client)
    nurse = make_user("nurse")
    login(client, nurse)
    assert (
        post_form(client, f"{url}/ae", {"type": "vomiting", "severity": "severe"}).status_code
        == 303
    )
    rescue = {"drug": "ondansetron", "dose": "4", "unit": "mg", "route": "iv"}
    assert post_form(client, f"{url}/rescue", rescue).status_code == 303
    ae = _event(db, "adverse_event")

    no_reason = post_form(client, f"{url}/event_void", {"event": str(ae.id), "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    db.refresh(ae)
    assert ae.voided_at is None

    why = "Recorded on the wrong patient at chair 2."
    assert (
        post_form(client, f"{url}/event_void", {"event": str(ae.id), "reason": why}).status_code
        == 303
    )
    db.refresh(ae)
    assert ae.voided_by == nurse.id and ae.void_reason == why and ae.voided_at is not None
    assert ae.detail["type"] == "vomiting"  # the row itself is unchanged

    again = post_form(client, f"{url}/event_void", {"event": str(ae.id), "reason": why})
    assert again.status_code == 422 and "already" in again.text
    resolve = post_form(client, f"{url}/ae_resolve", {"event": str(ae.id)})
    assert resolve.status_code == 422  # a voided event cannot be resolved

    page = client.get(url).text
    assert "<del>" in page and "entered in error" in page and why in page
    assert "Mark entered in error" in page  # still offered for the rescue medication

    actions = db.scalars(select(AuditEvent.action)).all()
    assert "session.adverse_event.void" in actions


def test_the_database_allows_only_the_void(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("physician"))
    _, url = _checked_in(client)
    assert post_form(client, f"{url}/ae", {"type": "nausea", "severity": "mild"}).status_code == 303
    ae = _event(db, "adverse_event")
    table = SessionEvent.__table__
    with pytest.raises(DatabaseError, match="can only be voided"):
        db.execute(update(table).where(table.c.id == ae.id).values(kind="headache"))
    db.rollback()
    with pytest.raises(DatabaseError, match="can only be voided"):
        db.execute(update(table).where(table.c.id == ae.id).values(void_reason="no who or when"))
    db.rollback()
    with pytest.raises(DatabaseError, match="not allowed"):
        db.execute(text("DELETE FROM session_events"))
    db.rollback()

    assert (
        post_form(client, f"{url}/event_void", {"event": str(ae.id), "reason": "Typo."}).status_code
        == 303
    )
    with pytest.raises(DatabaseError, match="can only be voided"):  # a void is final
        db.execute(update(table).where(table.c.id == ae.id).values(void_reason="changed"))
    db.rollback()
