"""Helpers for calendar tests: a front desk with chairs, rooms, clinicians and patients."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount

from ketacare.accounts.models import User
from ketacare.config import Settings
from tests.conftest import bearer_for, login
from tests.patients.test_views import register

API = "/api/v1"
_mrn = itertools.count(1)


@dataclass
class Desk:
    """A signed-in front desk (browser and API token) with two chairs, a room and clinicians."""

    client: TestClient
    headers: dict[str, str]
    user: User
    chairs: list[str]
    room: str
    therapist: User
    physician: User
    nurse: User

    def patient(self, **changes: str) -> str:
        changes.setdefault("mrn", f"T{next(_mrn):05d}")
        return register(self.client, **changes)

    def book(self, **body: Any) -> Any:
        return self.client.post(f"{API}/appointments", json=body, headers=self.headers)

    def resource(self, name: str, kind: str) -> str:
        response = self.client.post(
            f"{API}/schedule-resources", json={"name": name, "kind": kind}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


def front_desk(
    client: TestClient,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> Desk:
    user = make_user("front_desk")
    assert login(client, user).status_code == 303
    headers = bearer_for(session_factory, settings, user)
    desk = Desk(
        client,
        headers,
        user,
        [],
        "",
        make_user("therapist"),
        make_user("physician"),
        make_user("nurse"),
    )
    desk.chairs = [desk.resource("Chair 1", "chair"), desk.resource("Chair 2", "chair")]
    desk.room = desk.resource("Room A", "room")
    return desk


def set_today(app: Any, day: date) -> None:
    """Move the clinic's calendar day for the pages and the mounted API alike."""
    app.state.today = lambda: day
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api/v1":
            route.app.state.today = lambda: day  # type: ignore[attr-defined]
