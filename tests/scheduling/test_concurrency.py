"""Two desks booking the same chair at the same moment: exactly one wins, on both backends."""

# ruff: noqa: RUF001  (the calendar writes time ranges with an en dash)
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.scheduling import service
from ketacare.scheduling.models import Appointment
from ketacare.scheduling.schemas import AppointmentCreate
from tests.scheduling.support import API, front_desk


def booked(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Appointment)) or 0


def test_simultaneous_requests_for_one_chair_book_it_once(
    client: TestClient,
    new_client: Callable[[], TestClient],
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> None:
    desk = front_desk(client, make_user, session_factory, settings)
    patients = [desk.patient(), desk.patient(family_name="Byron")]
    start = threading.Barrier(len(patients))
    statuses: list[int] = []

    def book(patient_id: str) -> None:
        body = {
            "patient_id": patient_id,
            "kind": "other",
            "starts_at": "2027-01-11T10:00",
            "resource_id": desk.chairs[0],
        }
        browser = new_client()
        start.wait()
        response = browser.post(f"{API}/appointments", json=body, headers=desk.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=book, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert booked(db) == 1


def test_a_second_booking_waits_for_the_first_and_then_sees_it(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> None:
    """The first transaction holds the calendar lock until it commits; the second, started
    meanwhile, must not check for conflicts before then (or it would book the chair twice)."""
    desk = front_desk(client, make_user, session_factory, settings)
    actor = accounts.actor_for(desk.user)
    patients = [uuid.UUID(desk.patient()), uuid.UUID(desk.patient(family_name="Byron"))]

    def request(patient_id: uuid.UUID) -> AppointmentCreate:
        return AppointmentCreate(
            patient_id=patient_id,
            kind="other",
            starts_at=datetime(2027, 1, 11, 10),
            resource_id=uuid.UUID(desk.chairs[0]),
        )

    outcome: list[str] = []

    def second() -> None:
        try:
            with transaction(session_factory) as session:
                service.book(session, actor, settings, request(patients[1]))
            outcome.append("booked")
        except service.BookingConflict as conflict:
            outcome.append(conflict.problems[0].message)

    with transaction(session_factory) as session:
        service.book(session, actor, settings, request(patients[0]))
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.5)
        assert outcome == [], "the second booking did not wait for the first"
    waiting.join(timeout=15)
    assert len(outcome) == 1
    assert outcome[0].startswith("Chair 1 is booked 10:00–10:30 for another patient")
    assert booked(db) == 1


@pytest.mark.parametrize("attempts", [4])
def test_many_desks_one_slot(
    attempts: int,
    client: TestClient,
    new_client: Callable[[], TestClient],
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> None:
    """The same patient from several desks at once (a double click, two tabs): one booking."""
    desk = front_desk(client, make_user, session_factory, settings)
    patient = desk.patient()
    start = threading.Barrier(attempts)
    statuses: list[int] = []

    def book(index: int) -> None:
        body = {
            "patient_id": patient,
            "kind": "other",
            "starts_at": "2027-01-11T10:00",
            "resource_id": desk.chairs[index % 2],
        }
        browser = new_client()
        start.wait()
        statuses.append(
            browser.post(f"{API}/appointments", json=body, headers=desk.headers).status_code
        )

    threads = [threading.Thread(target=book, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * (attempts - 1)
    assert booked(db) == 1
