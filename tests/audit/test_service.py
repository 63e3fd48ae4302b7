"""The audit trail on real databases: events are written with the change, chained, and checked."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.audit import service
from ketacare.audit.models import AuditEvent
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from tests.conftest import post_form
from tests.patients.test_views import NEW_PATIENT, register


def disable_guards(db: Session) -> None:
    """What a database superuser could do; the chain must still reveal the tampering."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
        db.execute(text("DROP TRIGGER audit_events_no_delete"))


class TestRecord:
    def test_events_chain_from_genesis(self, session_factory: sessionmaker[Session]) -> None:
        actor = Actor.system("test")
        with transaction(session_factory) as session:
            first = service.record(session, actor, "test.one", "thing")
            second = service.record(session, actor, "test.two", "thing")
        assert (first.seq, second.seq) == (1, 2)
        assert second.prev_hash == first.row_hash
        with transaction(session_factory) as session:
            assert service.verify(session).intact

    def test_rolled_back_change_leaves_no_event(
        self, session_factory: sessionmaker[Session], db: Session
    ) -> None:
        session = session_factory()
        service.record(session, Actor.system("test"), "test.rolled_back", "thing")
        session.rollback()
        session.close()
        assert (
            db.scalars(select(AuditEvent).where(AuditEvent.action == "test.rolled_back")).first()
            is None
        )


class TestWhatIsAudited:
    def test_create_view_amend_search_and_login_are_each_recorded(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        user = signed_in("front_desk")
        patient_id = register(client)
        client.get(f"/patients/{patient_id}")
        client.get("/patients?q=Lovelace")
        post_form(
            client,
            f"/patients/{patient_id}/amend",
            {**NEW_PATIENT, "mrn": "KC000001", "phone": "+1 555 0199", "reason": "new number"},
        )
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.seq)
        ).all()
        actions = [event.action for event in events]
        for expected in (
            "login",
            "patient.create",
            "patient.view",
            "patient.search",
            "patient.amend",
        ):
            assert expected in actions
        view = next(e for e in events if e.action == "patient.view")
        assert str(view.patient_id) == patient_id
        assert view.clinic_id == user.clinic_id
        search = next(e for e in events if e.action == "patient.search")
        assert "Lovelace" not in str(search.details)  # what was typed is not logged
        amend = next(e for e in events if e.action == "patient.amend")
        assert amend.details == {"fields": ["phone"], "revision": 2}
        assert "555" not in str(amend.details)  # categories, not values

    def test_failed_login_is_recorded(
        self, client: TestClient, make_user: Callable[..., User], db: Session
    ) -> None:
        user = make_user("nurse")
        post_form(
            client, "/login", {"email": user.email, "password": "wrong password!!", "next": "/"}
        )
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "login")).one()
        assert event.outcome == "failure"
        assert event.actor_label == user.email


class TestTamperDetection:
    def _seed(self, session_factory: sessionmaker[Session], count: int = 6) -> None:
        with transaction(session_factory) as session:
            for number in range(count):
                service.record(session, Actor.system("test"), f"test.{number}", "thing")

    def test_altered_event_is_named(
        self, session_factory: sessionmaker[Session], db: Session
    ) -> None:
        self._seed(session_factory)
        disable_guards(db)
        db.execute(text("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 3"))
        with transaction(session_factory) as session:
            report = service.verify(session)
        assert report.first_break is not None
        assert (report.first_break.seq, report.first_break.reason) == (3, "content was altered")

    def test_removed_event_is_named(
        self, session_factory: sessionmaker[Session], db: Session
    ) -> None:
        self._seed(session_factory)
        disable_guards(db)
        db.execute(text("DELETE FROM audit_events WHERE seq = 4"))
        with transaction(session_factory) as session:
            report = service.verify(session)
        assert report.first_break is not None
        assert report.first_break.seq == 5
