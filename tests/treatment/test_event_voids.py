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
from ketacare.treatment.session_models import SessionEvent, VitalReading
from tests.conftest import login, post_form
from tests.treatment.test_chair import PRECHECKS, _checked_in, _consent


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


def test_a_vital_reading_entered_in_error_is_voided_and_stops_counting(
    client: TestClient, make_user: Callable[..., User], db: Session
) -> None:
    login(client, make_user("physician"))
    patient_id, url = _checked_in(client)
    _consent(client, patient_id)
    assert post_form(client, f"{url}/prechecks", PRECHECKS).status_code == 303
    assert post_form(client, f"{url}/start", {"lot_number": "KX-2211"}).status_code == 303
    typo = {
        "systolic_mmhg": "186",
        "diastolic_mmhg": "100",
        "heart_rate_bpm": "90",
        "confirm": "on",
    }
    assert post_form(client, f"{url}/vitals", typo).status_code == 303
    reading = db.scalars(select(VitalReading).where(VitalReading.systolic_mmhg == 186)).one()
    assert reading.alerts  # the typo raised a blood-pressure alert

    assert f'{url}/reading_void"' in client.get(url).text  # offered in the reading's row
    form = {"reading": str(reading.id), "reason": "x"}
    assert post_form(client, f"{url}/reading_void", form).status_code == 422
    why = "Typed 186 for 136."
    assert post_form(client, f"{url}/reading_void", {**form, "reason": why}).status_code == 303
    db.refresh(reading)
    assert reading.voided_at is not None and reading.void_reason == why
    assert reading.systolic_mmhg == 186  # kept as it was written
    again = post_form(client, f"{url}/reading_void", {**form, "reason": why})
    assert again.status_code == 422 and "already voided" in again.text

    page = client.get(url).text
    voided = page.split('id="voided-readings"')[1].split("</ul>")[0]
    assert "<del>" in voided and "186/100" in voided and why in voided
    table = page.split('id="h-vitals"')[1].split("</table>")[0]
    assert "186" not in table  # no longer a live reading
    assert "session.vital_reading.void" in db.scalars(select(AuditEvent.action)).all()
