"""The patient list, in-process through Starlette's TestClient, against the floor.

Floor: a bare Starlette app whose one route runs the same SELECT of 25 patients (same engine,
same WHERE and ORDER BY) and returns them as JSON. A middle row, the floor plus
``patients.service.search`` (count, page query, audit event, commit), splits the gap into
"what the clinic rules cost" and "what the framework, auth and rendering cost".
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.common import (
    Row,
    interleaved,
    make_settings,
    median_ms,
    migrated_sqlite,
    progress,
    ratio,
)
from ketacare.accounts import api_tokens as accounts_tokens
from ketacare.accounts import service as accounts
from ketacare.app import create_app
from ketacare.demo.seed import DEMO_PASSWORD, seed
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction
from ketacare.patients import service as patients
from ketacare.patients.models import Patient

NURSE = "nurse@demo.example.com"


def _floor_app(engine: Engine, clinic_id: uuid.UUID, with_service: bool) -> Starlette:
    table = Patient.__table__
    statement = (
        select(table)
        .where(table.c.clinic_id == clinic_id, table.c.voided_at.is_(None))
        .order_by(table.c.family_name, table.c.given_name, table.c.mrn)
        .limit(25)
    )
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        nurse_actor = accounts.actor_for(accounts.user_by_email(session, NURSE), "testclient")

    def bare(_request: Request) -> Response:
        with engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(statement).mappings()]
        return Response(json.dumps(rows, default=str), media_type="application/json")

    def with_rules(_request: Request) -> Response:
        with transaction(factory) as session:
            found, _total = patients.search(session, nurse_actor, "", 25, 0)
            rows = [{"id": str(p.id), "mrn": p.mrn, "name": p.family_name} for p in found]
        return Response(json.dumps(rows), media_type="application/json")

    return Starlette(routes=[Route("/patients", with_rules if with_service else bare)])


def _login(client: TestClient) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login page has no CSRF token"
    form = {"email": NURSE, "password": DEMO_PASSWORD, "next": "/", "csrf_token": token.group(1)}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text


def _get(client: TestClient, path: str, expect: str) -> Callable[[], None]:
    def call() -> None:
        response = client.get(path)
        if response.status_code != 200 or expect not in response.text:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")

    return call


def run(quick: bool) -> list[Row]:
    repeats = 20 if quick else 200
    with migrated_sqlite("pages") as (url, folder):
        # Cheap hashes: only seeding and the one form login use them, never a timed request.
        settings = make_settings(url, folder, argon2_time_cost=1, argon2_memory_kib=8 * 1024)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        progress("seeding the demo clinic (40 patients)")
        with transaction(factory) as session:
            seed(session, settings, patient_count=40)
        with transaction(factory) as session:
            nurse = accounts.user_by_email(session, NURSE)
            actor = accounts.actor_for(nurse)
            _row, raw_token = accounts_tokens.create_api_token(
                session, settings, nurse, "bench", actor
            )
        app = create_app(settings)
        api = TestClient(app, headers={"Authorization": f"Bearer {raw_token}"})
        browser = TestClient(app)
        _login(browser)
        floor = TestClient(_floor_app(engine, nurse.clinic_id, with_service=False))
        middle = TestClient(_floor_app(engine, nurse.clinic_id, with_service=True))
        cases = {
            "floor": _get(floor, "/patients", '"mrn": "KC'),
            "middle": _get(middle, "/patients", '"mrn": "KC'),
            "api": _get(api, "/api/v1/patients?limit=25", '"total":40'),
            "html": _get(browser, "/patients", "KC0000"),
        }
        progress(f"patient list: floor, floor+service, API, HTML page; n={repeats} each")
        times = interleaved(cases, repeats, warmup=5)
        for client in (api, browser, floor, middle):
            client.close()
        app.state.engine.dispose()
        engine.dispose()
    base = median_ms(times["floor"])
    labels = {
        "floor": "floor: bare Starlette route, same SELECT of 25, JSON",
        "middle": "floor + patients.service.search (count, audit event, commit)",
        "api": "GET /api/v1/patients?limit=25 (bearer API token)",
        "html": "GET /patients (session cookie, Jinja2 HTML)",
    }
    return [
        Row(
            "pages",
            labels[name],
            median_ms(times[name]),
            repeats,
            "baseline" if name == "floor" else ratio(median_ms(times[name]), base, "floor"),
        )
        for name in labels
    ]
