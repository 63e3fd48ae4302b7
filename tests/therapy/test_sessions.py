"""Therapy sessions through the pages, the API and the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.therapy import service
from ketacare.therapy.models import ProcessNote, ProcessNoteVoid, TherapySession
from tests.conftest import bearer_for, login, post_form
from tests.therapy.world import PROCESS_MARKER, PROGRESS_MARKER, SESSION, World, build_world

FORM = {**SESSION, "themes": "grief, sleep", "duration_min": "50"}


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def events(db: Session, action: str, outcome: str = "success") -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == outcome)
    return list(db.scalars(query))


@pytest.fixture
def world(session_factory: sessionmaker[Session], make_user: Callable[..., User]) -> World:
    return build_world(session_factory, make_user)


@pytest.fixture
def api(
    session_factory: sessionmaker[Session], settings: Settings, world: World
) -> Callable[[str], dict[str, str]]:
    return lambda key: bearer_for(session_factory, settings, world.users[key])


class TestPages:
    def test_therapist_records_and_reads_back(
        self, client: TestClient, world: World, db: Session
    ) -> None:
        login(client, world.users["author"])
        response = post_form(client, f"/patients/{world.patient_id}/therapy", FORM)
        assert response.status_code == 303, response.text
        detail = client.get(response.headers["location"])
        assert detail.status_code == 200
        assert "Engaged, mood brighter" in detail.text and "grief, sleep" in detail.text
        listing = client.get(f"/patients/{world.patient_id}/therapy").text
        assert listing.count("KAP integration") >= 2
        assert count(db, TherapySession) == 2

    def test_bad_form_reshows_fields_and_stores_nothing(
        self, client: TestClient, world: World, db: Session
    ) -> None:
        login(client, world.users["author"])
        bad = {**FORM, "duration_min": "0", "therapy_type": "other", "held_on": "2999-01-01"}
        response = post_form(client, f"/patients/{world.patient_id}/therapy", bad)
        assert response.status_code == 422
        for name in ("duration_min", "type_detail", "held_on"):
            assert f'id="e-{name}"' in response.text
        assert "must be between 1 and 480" in response.text
        assert 'value="grief, sleep"' in response.text  # what was typed is kept
        assert count(db, TherapySession) == 1

    def test_front_desk_sees_that_a_session_happened_not_its_content(
        self, client: TestClient, world: World
    ) -> None:
        login(client, world.users["front_desk"])
        listing = client.get(f"/patients/{world.patient_id}/therapy")
        detail = client.get(f"/patients/{world.patient_id}/therapy/{world.session_id}")
        for page in (listing, detail):
            assert page.status_code == 200
            assert "KAP integration" in page.text and "50" in page.text
            assert PROGRESS_MARKER not in page.text and "mood diary" not in page.text
            assert "Record a session" not in page.text

    def test_sign_then_addendum_on_the_page(
        self, client: TestClient, world: World, db: Session
    ) -> None:
        login(client, world.users["author"])
        base = f"/patients/{world.patient_id}/therapy/{world.session_id}"
        assert post_form(client, f"{base}/sign", {}).status_code == 303
        page = client.get(base).text
        assert "Edit the draft" not in page and "Add addendum" in page
        assert (
            post_form(client, f"{base}/addenda", {"text": "Late entry: called"}).status_code == 303
        )
        assert "Late entry: called" in client.get(base).text
        refused = post_form(client, f"{base}/edit", FORM)
        assert refused.status_code == 422 and "signed and locked" in refused.text


class TestApi:
    def test_record_validation_is_machine_readable_and_atomic(
        self, client: TestClient, world: World, api: Callable[[str], dict[str, str]], db: Session
    ) -> None:
        url = f"/api/v1/patients/{world.patient_id}/therapy-sessions"
        bad = {**SESSION, "duration_min": 481, "modality": "yoga", "delivery": "fax"}
        response = client.post(url, json=bad, headers=api("author"))
        assert response.status_code == 422
        by_field = {p["field"]: p for p in response.json()["detail"]}
        assert set(by_field) == {"duration_min", "modality", "delivery"}
        assert by_field["duration_min"]["allowed"]["le"] == "480"
        stranger = {**SESSION, "appointment_id": str(uuid.uuid4())}
        unknown = client.post(url, json=stranger, headers=api("author"))
        assert unknown.status_code == 422
        assert unknown.json()["detail"][0]["field"] == "appointment_id"
        assert count(db, TherapySession) == 1

    @pytest.mark.parametrize(
        ("role", "status"),
        [("physician", 201), ("nurse", 403), ("front_desk", 403), ("admin", 403)],
    )
    def test_who_may_record(
        self,
        client: TestClient,
        world: World,
        api: Callable[[str], dict[str, str]],
        role: str,
        status: int,
    ) -> None:
        url = f"/api/v1/patients/{world.patient_id}/therapy-sessions"
        assert client.post(url, json=SESSION, headers=api(role)).status_code == status

    def test_summary_for_desk_full_for_clinicians_never_process_notes(
        self, client: TestClient, world: World, api: Callable[[str], dict[str, str]]
    ) -> None:
        url = f"/api/v1/therapy-sessions/{world.session_id}"
        desk = client.get(url, headers=api("front_desk")).json()
        assert desk["detail"] == "summary" and "progress_note" not in desk
        nurse = client.get(url, headers=api("nurse")).json()
        assert nurse["detail"] == "clinical" and PROGRESS_MARKER in nurse["progress_note"]
        author = client.get(url, headers=api("author")).text
        assert PROCESS_MARKER not in author

    def test_signing_locks_and_only_the_author_signs(
        self,
        client: TestClient,
        world: World,
        api: Callable[[str], dict[str, str]],
        db: Session,
    ) -> None:
        url = f"/api/v1/therapy-sessions/{world.session_id}"
        assert (
            client.post(
                f"{url}/addenda", json={"text": "too early"}, headers=api("author")
            ).status_code
            == 422
        )
        assert client.post(f"{url}/sign", headers=api("physician")).status_code == 403
        signed = client.post(f"{url}/sign", headers=api("author"))
        assert signed.status_code == 200 and signed.json()["signed"] is True
        again = client.put(url, json=SESSION, headers=api("author"))
        assert again.status_code == 422 and again.json()["detail"][0]["field"] == "session"
        added = client.post(
            f"{url}/addenda", json={"text": "Addendum text"}, headers=api("physician")
        )
        assert added.status_code == 201
        assert client.get(url, headers=api("nurse")).json()["addenda"][0]["text"] == "Addendum text"
        # The database itself refuses to change a signed session, but lets it be voided.
        with pytest.raises(DBAPIError):
            db.execute(
                text("UPDATE therapy_sessions SET progress_note = 'changed' WHERE id = :id"),
                {
                    "id": world.session_id.hex
                    if db.bind.dialect.name == "sqlite"
                    else world.session_id
                },  # type: ignore[union-attr]
            )
        voided = client.post(
            f"{url}/void", json={"reason": "wrong patient"}, headers=api("physician")
        )
        assert voided.status_code == 200 and voided.json()["voided"] is True

    def test_void_needs_reason_hides_and_keeps_the_row(
        self,
        client: TestClient,
        world: World,
        api: Callable[[str], dict[str, str]],
        db: Session,
    ) -> None:
        url = f"/api/v1/therapy-sessions/{world.session_id}"
        short = client.post(f"{url}/void", json={"reason": "x"}, headers=api("author"))
        assert short.status_code == 422 and short.json()["detail"][0]["field"] == "reason"
        assert (
            client.post(
                f"{url}/void", json={"reason": "not mine"}, headers=api("therapist")
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"{url}/void", json={"reason": "entered twice"}, headers=api("author")
            ).status_code
            == 200
        )
        listing = client.get(
            f"/api/v1/patients/{world.patient_id}/therapy-sessions", headers=api("nurse")
        )
        assert listing.json() == []
        row = db.get(TherapySession, world.session_id)
        assert row is not None and row.void_reason == "entered twice"
        with pytest.raises(DBAPIError):
            db.execute(text("DELETE FROM therapy_sessions"))


class TestProcessNotes:
    def test_reads_are_audited_and_refusals_too(
        self, client: TestClient, world: World, api: Callable[[str], dict[str, str]], db: Session
    ) -> None:
        url = f"/api/v1/therapy-sessions/{world.session_id}/process-notes"
        mine = client.get(url, headers=api("author"))
        assert mine.status_code == 200 and PROCESS_MARKER in mine.json()[0]["text"]
        [seen] = events(db, "process_note.view")
        assert seen.resource_id == str(world.note_id) and seen.patient_id == world.patient_id
        assert seen.actor_user_id == world.users["author"].id
        for role in ("nurse", "physician", "therapist", "front_desk", "admin"):
            refused = client.get(url, headers=api(role))
            assert refused.status_code == 403 and PROCESS_MARKER not in refused.text
        denied = events(db, "process_note.view", "denied")
        assert len(denied) == 5 and all(e.details == {"withheld": 1} for e in denied)
        assert len(events(db, "process_note.view")) == 1

    def test_page_reads_are_audited_per_note(
        self, client: TestClient, world: World, db: Session
    ) -> None:
        login(client, world.users["author"])
        page = client.get(f"/patients/{world.patient_id}/therapy/{world.session_id}")
        assert PROCESS_MARKER in page.text
        assert [e.resource_id for e in events(db, "process_note.view")] == [str(world.note_id)]

    def test_append_only_and_corrections(
        self, client: TestClient, world: World, api: Callable[[str], dict[str, str]], db: Session
    ) -> None:
        url = f"/api/v1/therapy-sessions/{world.session_id}/process-notes"
        other = client.post(url, json={"text": "not my session"}, headers=api("therapist"))
        assert other.status_code == 403
        no_reason = client.post(
            url, json={"text": "better", "replaces_id": str(world.note_id)}, headers=api("author")
        )
        assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["field"] == "reason"
        fixed = client.post(
            url,
            json={"text": "Corrected note", "replaces_id": str(world.note_id), "reason": "typo"},
            headers=api("author"),
        )
        assert fixed.status_code == 201
        texts = [n["text"] for n in client.get(url, headers=api("author")).json()]
        assert texts == ["Corrected note"]
        assert count(db, ProcessNote) == 2 and count(db, ProcessNoteVoid) == 1
        for statement in (
            "UPDATE therapy_process_notes SET text = 'x'",
            "DELETE FROM therapy_process_notes",
        ):
            with pytest.raises(DBAPIError):
                db.execute(text(statement))

    def test_grants_are_admin_only_and_take_effect(
        self,
        client: TestClient,
        world: World,
        api: Callable[[str], dict[str, str]],
        db: Session,
    ) -> None:
        from tests.conftest import enrol_mfa

        url = f"/api/v1/therapy-sessions/{world.session_id}/process-notes"
        login(client, world.users["physician"])
        assert client.get("/admin/process-notes").status_code == 403
        client.cookies.clear()
        login(client, world.users["admin"])
        enrol_mfa(client)
        assert post_form(client, "/admin/process-notes", {"role": "admin"}).status_code == 422
        assert post_form(client, "/admin/process-notes", {"role": "physician"}).status_code == 303
        twice = post_form(client, "/admin/process-notes", {"role": "physician"})
        assert twice.status_code == 422
        assert PROCESS_MARKER in client.get(url, headers=api("physician")).text
        assert client.get(url, headers=api("nurse")).status_code == 403
        page = client.get("/admin/process-notes")
        assert PROCESS_MARKER not in page.text and 'id="grant-physician"' in page.text
        grant_id = page.text.split('action="/admin/process-notes/')[1].split("/")[0]
        no_reason = post_form(client, f"/admin/process-notes/{grant_id}/revoke", {"reason": ""})
        assert no_reason.status_code == 422
        done = post_form(
            client, f"/admin/process-notes/{grant_id}/revoke", {"reason": "audit finding"}
        )
        assert done.status_code == 303
        assert client.get(url, headers=api("physician")).status_code == 403
        assert len(events(db, "process_note_grant.create")) == 1
        assert len(events(db, "process_note_grant.revoke")) == 1


class TestServiceForOtherCode:
    def test_sessions_for_patient_is_audited_and_summary_rows_hold_no_content(
        self, session_factory: sessionmaker[Session], world: World, db: Session
    ) -> None:
        with transaction(session_factory) as s:
            rows = service.sessions_for_patient(s, world.actor("front_desk"), world.patient_id)
            assert [r.duration_min for r in rows] == [50]
            with pytest.raises(InvalidRequestError):
                _ = rows[0].progress_note
        with transaction(session_factory) as s:
            rows = service.sessions_for_patient(s, world.actor("nurse"), world.patient_id)
            assert PROGRESS_MARKER in rows[0].progress_note
        assert len(events(db, "therapy_session.list")) == 2

    def test_for_export_leaves_process_notes_out_unless_asked_and_allowed(
        self, session_factory: sessionmaker[Session], world: World, db: Session
    ) -> None:
        with transaction(session_factory) as s:
            plain = service.for_export(s, world.actor("author"), world.patient_id)
            assert "process_notes" not in plain[0] and PROCESS_MARKER not in str(plain)
            mine = service.for_export(
                s, world.actor("author"), world.patient_id, include_process_notes=True
            )
            assert PROCESS_MARKER in mine[0]["process_notes"][0]["text"]
            nurse = service.for_export(
                s, world.actor("nurse"), world.patient_id, include_process_notes=True
            )
            assert nurse[0]["process_notes"] == [] and PROGRESS_MARKER in str(nurse)
            desk = service.for_export(s, world.actor("front_desk"), world.patient_id)
            assert desk[0]["detail"] == "summary" and PROGRESS_MARKER not in str(desk)
        assert [e.resource_id for e in events(db, "process_note.export")] == [str(world.note_id)]
        assert len(events(db, "process_note.export", "denied")) == 1
