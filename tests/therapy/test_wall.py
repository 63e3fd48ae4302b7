"""The psychotherapy-notes wall: every role against every GET route of the whole app, and exports.

One world per backend: two therapists (the author of the process note and another), a physician,
a nurse, front desk and an administrator. The process note and the progress note carry unique
markers. Every GET route is enumerated at run time from ``app.routes`` and from the mounted
``/api/v1`` and ``/fhir/R4`` applications; path parameters named ``patient_id`` and ``session_id``
are filled with the world's ids (``session_id`` is also the treatment-session parameter, which then
answers 404), and FHIR's read by id with the patient's Patient resource.
Routes with parameters that name other objects are skipped; the skipped names must be in
``UNFILLED`` so a new route with an unknown parameter fails this test until it is considered.

Routes covered when this was written (HTML): /healthz /login /login/mfa /account/mfa /account
/admin/users /admin/audit /admin/process-notes /patients/{patient_id}/consent /consent/documents
/patients/{patient_id}/medications/visits /patients/{patient_id}/treatment-history
/patients/{patient_id}/eligibility /patients /patients/new /patients/{patient_id}
/patients/{patient_id}/amend /patients/{patient_id}/history /patients/{patient_id}/scales
/patients/{patient_id}/links/new /patients/{patient_id}/timeline /alerts / /protocols
/patients/{patient_id}/courses /chair /sessions/{session_id} /sessions/{session_id}/rems /calendar
/calendar/week /calendar/book /calendar/resources /patients/{patient_id}/therapy
/patients/{patient_id}/therapy/{session_id};
(API) /api/v1/openapi.json /patients /patients/{patient_id} /patients/{patient_id}/history
/conditions /instruments /patients/{patient_id}/responses /patients/{patient_id}/outcomes /alerts
/drugs /patients/{patient_id}/medications /patients/{patient_id}/medication-reviews
/patients/{patient_id}/medication-visits /patients/{patient_id}/staging
/patients/{patient_id}/eligibility /protocols /patients/{patient_id}/consent /appointments
/schedule-resources /patients/{patient_id}/therapy-sessions /therapy-sessions/{session_id}
/therapy-sessions/{session_id}/process-notes; plus ``therapy.service.for_export`` with and
without ``include_process_notes``. Skipped (parameters naming other objects): consent
signatures/documents, scale instruments, questionnaire tokens, protocol keys, courses,
appointments.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount

from ketacare.accounts.models import User
from ketacare.kit.db.session import transaction
from ketacare.therapy import service
from tests.conftest import enrol_mfa, login, post_form
from tests.therapy.world import PROCESS_MARKER, PROGRESS_MARKER, World, build_world

UNFILLED = {
    "treatment",
    "signature_id",
    "version",
    "key",
    "instrument_id",
    "token",
    "course_id",
    "appointment_id",
    "grant_id",
    "note_id",
    "medication_id",
    "visit_id",
    "job_id",  # FHIR Bulk Data export jobs and their files: NDJSON never carries therapy
    "filename",
}
PARAM = re.compile(r"{([a-zA-Z_]+)(?::[a-z]+)?}")
ROLES = ("author", "therapist", "physician", "nurse", "front_desk", "admin")
CLINICAL = {"author", "therapist", "physician", "nurse"}
NOTE_ROUTES = {
    "/patients/{patient_id}/therapy/{session_id}",
    "/api/v1/therapy-sessions/{session_id}/process-notes",
}
NOTES_API = "/api/v1/therapy-sessions/{session_id}/process-notes"


def get_routes(app: FastAPI, prefix: str = "") -> Iterator[str]:
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, Mount):
            if isinstance(original.app, FastAPI):
                yield from get_routes(original.app, prefix + original.path)
        elif route.path is not None and "GET" in (route.methods or set()):
            yield prefix + route.path


def fill(template: str, world: World) -> str | None:
    values = {
        "patient_id": world.patient_id,
        "session_id": world.session_id,
        "resource_type": "Patient",  # FHIR read by id: /fhir/R4/Patient/{patient_id}
        "resource_id": world.patient_id,
    }
    names = PARAM.findall(template)
    if any(name not in values for name in names):
        return None
    return PARAM.sub(lambda m: str(values[m.group(1)]), template)


def sweep(
    clients: dict[str, TestClient], keys: tuple[str, ...], world: World, app: FastAPI
) -> dict[str, dict[str, set[str]]]:
    """Which routes show which marker to whom; no route may fail with a server error."""
    seen: dict[str, dict[str, set[str]]] = {k: {"process": set(), "progress": set()} for k in keys}
    for template in sorted(set(get_routes(app))):
        url = fill(template, world)
        if url is None:
            continue
        for key in keys:
            response = clients[key].get(url, follow_redirects=False)
            assert response.status_code < 500, (key, url, response.text[:300])
            if PROCESS_MARKER in response.text:
                seen[key]["process"].add(template)
            if PROGRESS_MARKER in response.text:
                seen[key]["progress"].add(template)
            if template == NOTES_API:
                assert response.status_code == (200 if PROCESS_MARKER in response.text else 403)
    return seen


def exports(session_factory: sessionmaker[Session], world: World) -> dict[str, tuple[bool, bool]]:
    """For each role: does the export carry the process note without / with asking for it?"""
    found = {}
    with transaction(session_factory) as db:
        for key in ROLES:
            actor = world.actor(key)
            plain = str(service.for_export(db, actor, world.patient_id))
            asked = str(service.for_export(db, actor, world.patient_id, include_process_notes=True))
            found[key] = (PROCESS_MARKER in plain, PROCESS_MARKER in asked)
    return found


def test_the_wall_for_every_role_on_every_route(
    app: FastAPI,
    new_client: Callable[[], TestClient],
    session_factory: sessionmaker[Session],
    make_user: Callable[..., User],
) -> None:
    world = build_world(session_factory, make_user, sign=True)
    routes = set(get_routes(app))
    skipped = {t for t in routes if fill(t, world) is None}
    assert {name for t in skipped for name in PARAM.findall(t)} - {
        "patient_id",
        "session_id",
    } <= UNFILLED
    assert len(skipped) <= 25, sorted(skipped)
    assert (
        NOTE_ROUTES | {"/api/v1/therapy-sessions/{session_id}", "/patients/{patient_id}"} <= routes
    )

    clients: dict[str, TestClient] = {}
    for key in ROLES:
        clients[key] = new_client()
        assert login(clients[key], world.users[key]).status_code == 303
        if key == "admin":
            enrol_mfa(clients[key])

    # 1. No grants: the author alone reads the process note; the desk never sees the progress note.
    seen = sweep(clients, ROLES, world, app)
    assert seen["author"]["process"] == NOTE_ROUTES
    for key in ROLES[1:]:
        assert seen[key]["process"] == set(), key
    for key in ROLES:
        assert bool(seen[key]["progress"]) == (key in CLINICAL), key
    assert "/api/v1/therapy-sessions/{session_id}" in seen["nurse"]["progress"]
    assert exports(session_factory, world) == {key: (False, key == "author") for key in ROLES}

    # 2. The administrator grants physicians: physicians read, nurses and the others still not.
    assert (
        post_form(clients["admin"], "/admin/process-notes", {"role": "physician"}).status_code
        == 303
    )
    seen = sweep(clients, ROLES, world, app)
    assert seen["physician"]["process"] == seen["author"]["process"] == NOTE_ROUTES
    for key in ("therapist", "nurse", "front_desk", "admin"):
        assert seen[key]["process"] == set(), key
    assert exports(session_factory, world) == {
        key: (False, key in ("author", "physician")) for key in ROLES
    }

    # 3. Revoked: back to the author alone.
    page = clients["admin"].get("/admin/process-notes").text
    grant_id = uuid.UUID(page.split('action="/admin/process-notes/')[1].split("/")[0])
    revoked = post_form(
        clients["admin"], f"/admin/process-notes/{grant_id}/revoke", {"reason": "policy change"}
    )
    assert revoked.status_code == 303
    seen = sweep(clients, ("physician", "nurse"), world, app)
    assert seen["physician"]["process"] == seen["nurse"]["process"] == set()
    assert exports(session_factory, world)["physician"] == (False, False)
