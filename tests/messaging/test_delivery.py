"""Sending reminders through a real SMTP server on localhost: content, retries, failures, desk."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.messaging import compose
from ketacare.messaging import repository as message_repository
from ketacare.patients.models import Patient
from ketacare.scales.models import QuestionnaireLink
from ketacare.scheduling.models import Appointment
from tests.conftest import login, post_form
from tests.messaging.conftest import Postbox
from tests.messaging.support import World

LINK = re.compile(r"http://\S+/q/(\S+)")


def _body(postbox: Postbox, index: int = -1) -> str:
    content = postbox.messages[index].get_content()
    assert isinstance(content, str)
    return content


class TestContent:
    def test_iv_treatment_reminder_has_time_place_instructions_and_a_working_link(
        self, world: World, postbox: Postbox, client: TestClient, db: Session
    ) -> None:
        patient = world.patient()
        session = world.course_session(patient, "iv_ketamine")
        appointment = world.book(
            patient, timedelta(hours=3), resource_id=world.chair(), course_session_id=session
        )
        assert world.sweep() == {"sent": 1}

        (mail,) = postbox.messages
        assert mail["To"] == "ada@example.com"
        assert mail["Subject"].startswith("Reminder: your appointment on ")
        body = _body(postbox)
        starts = db.get(Appointment, appointment)
        assert starts is not None
        assert compose.local_time(starts.starts_at.astimezone(world.settings.zone)) in body
        assert "Clinic riverside, Chair 2" in body
        assert "nothing to eat or drink for 4 hours" in body
        assert "(Source: your clinic's practice; set by your clinic)" in body
        assert "benzodiazepine" in body and "the day before or the day of" in body
        assert "grapefruit" in body
        assert "Do not drive for at least 24 hours" in body
        # No identifying or clinical details beyond the instructions.
        assert "Lovelace" not in body and "ketamine" not in body and "mg" not in body

        token = LINK.search(body)
        assert token, body
        page = client.get(f"/q/{token.group(1)}")
        assert page.status_code == 200 and "PHQ-9" in page.text

        (row,) = world.messages(appointment)
        assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
        assert row.body is not None and token.group(1) not in row.body  # token never stored
        assert compose.MASK in row.body and "Chair 2" in row.body
        link = db.scalars(select(QuestionnaireLink)).one()
        assert row.questionnaire_link_id == link.id
        assert link.created_by == world.desk.id and link.sent_to == "ada@example.com"
        assert link.expires_at == starts.starts_at + timedelta(hours=2)  # shortly after the visit
        (attempt,) = world.attempts(row.id)
        assert attempt.outcome == "sent" and attempt.finished_at is not None
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"outbound_message.attempt", "outbound_message.sent"} <= actions
        assert "questionnaire_link.issue" in actions

    def test_esketamine_instructions_come_from_the_label(
        self, world: World, postbox: Postbox
    ) -> None:
        patient = world.patient()
        session = world.course_session(patient, "esketamine")
        world.book(patient, timedelta(hours=3), course_session_id=session)
        world.sweep()
        body = _body(postbox)
        assert "do not eat for 2 hours and do not drink anything for 30 minutes" in body
        assert "until the next day, after a restful sleep" in body
        assert "(Source: the medicine's prescribing information)" in body
        assert "ketamine" not in body
        assert "4 hours" not in body  # the IV clinic choice does not leak into esketamine

    def test_therapy_reminder_has_no_instructions_and_no_questionnaire(
        self, world: World, postbox: Postbox, db: Session
    ) -> None:
        world.book(world.patient(), timedelta(hours=3), kind="therapy")
        world.sweep()
        body = _body(postbox)
        assert "Before your appointment:" not in body
        assert "/q/" not in body
        assert db.scalars(select(QuestionnaireLink)).all() == []

    def test_only_due_reminders_go_out(self, world: World, postbox: Postbox) -> None:
        appointment = world.book(world.patient(), timedelta(days=3))
        assert world.sweep() == {}
        first, second = world.messages(appointment)
        assert world.sweep(first.send_at + timedelta(minutes=1)) == {"sent": 1}
        assert len(postbox.messages) == 1
        assert world.sweep(second.send_at + timedelta(minutes=1)) == {"sent": 1}
        assert len(postbox.messages) == 2
        assert "/q/" in _body(postbox, 0) and "/q/" not in _body(postbox, 1)


class TestRecheckBeforeSending:
    def test_a_cancelled_appointment_is_not_reminded(self, world: World, postbox: Postbox) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        with transaction(world.factory) as session:  # cancelled by a path that missed the outbox
            session.execute(
                update(Appointment)
                .where(Appointment.id == appointment)
                .values(status="cancelled", cancelled_at=utcnow(), cancel_reason="test")
            )
        assert world.sweep() == {"cancelled": 1}
        (row,) = world.messages(appointment)
        assert row.status == "cancelled" and row.cancel_reason == "the appointment is cancelled"
        assert row.attempts == 0 and postbox.messages == []

    def test_a_visit_that_already_started_is_not_reminded(
        self, world: World, postbox: Postbox
    ) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        assert world.sweep(utcnow() + timedelta(hours=4)) == {"cancelled": 1}
        assert postbox.messages == []
        (row,) = world.messages(appointment)
        assert "started" in (row.cancel_reason or "")

    def test_the_current_address_is_used_and_no_address_fails_visibly(
        self, world: World, postbox: Postbox
    ) -> None:
        patient = world.patient()
        moved = world.book(patient, timedelta(hours=3))
        with transaction(world.factory) as session:
            session.execute(
                update(Patient).where(Patient.id == patient).values(email="new@example.com")
            )
        world.sweep()
        assert postbox.messages[0]["To"] == "new@example.com"
        assert world.messages(moved)[0].to_address == "new@example.com"

        gone = world.book(patient, timedelta(hours=5))
        with transaction(world.factory) as session:
            session.execute(update(Patient).where(Patient.id == patient).values(email=None))
        assert world.sweep() == {"failed": 1}
        (row,) = world.messages(gone)
        assert row.status == "failed" and row.last_error == "no e-mail address on file"


class TestRetries:
    def test_a_refused_send_is_retried_and_then_delivered(
        self,
        world: World,
        postbox: Postbox,
        client: TestClient,
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        postbox.refuse(1)
        now = utcnow()
        assert world.sweep(now) == {"retrying": 1}
        assert postbox.refused == ["ada@example.com"] and postbox.messages == []
        (row,) = world.messages(appointment)
        assert row.status == "retrying" and row.attempts == 1
        assert row.last_error is not None and "451" in row.last_error
        assert row.next_attempt_at == now + timedelta(minutes=10)
        (attempt,) = world.attempts(row.id)
        assert attempt.outcome == "refused" and "451" in (attempt.error or "")
        first_link = db.scalars(select(QuestionnaireLink)).one()
        assert first_link.voided_at is not None  # nobody holds that token: closed

        signed_in("front_desk")
        page = client.get("/messages")
        assert page.status_code == 200
        listed = page.text.split(f'id="message-{row.id}"')[1].split("</tr>")[0]
        assert 'data-status="retrying"' in page.text and "retrying" in listed
        assert "451" in listed and "Send now" in listed

        assert world.sweep(now + timedelta(minutes=5)) == {}  # not due yet
        assert world.sweep(now + timedelta(minutes=11)) == {"sent": 1}
        row = world.message(row.id)
        assert row.status == "sent" and row.attempts == 2
        assert [a.outcome for a in world.attempts(row.id)] == ["refused", "sent"]
        token = LINK.search(_body(postbox))
        assert token
        assert client.get(f"/q/{token.group(1)}").status_code == 200

    def test_after_the_last_try_it_is_failed_and_the_desk_sees_it(
        self,
        world: World,
        postbox: Postbox,
        client: TestClient,
        new_client: Callable[[], TestClient],
        make_user: Callable[..., User],
        signed_in: Callable[..., User],
    ) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        postbox.refuse(3)
        now = utcnow()
        results = [world.sweep(now + timedelta(minutes=11 * i)) for i in range(3)]
        assert results == [{"retrying": 1}, {"retrying": 1}, {"failed": 1}]
        (row,) = world.messages(appointment)
        assert row.status == "failed" and row.attempts == 3 and row.next_attempt_at is None
        assert world.sweep(now + timedelta(hours=1)) == {}  # failed waits for a person

        nurse_browser = new_client()
        assert login(nurse_browser, make_user("nurse")).status_code == 303
        worklist = nurse_browser.get("/")
        assert "1 reminder failed" in worklist.text and 'href="/messages"' in worklist.text
        read_only = nurse_browser.get("/messages")
        assert read_only.status_code == 200 and "failed" in read_only.text
        assert "Retry" not in read_only.text  # clinicians look, the desk acts

        signed_in("front_desk")
        home = client.get("/")  # the desk lands on the calendar, which names the failure
        assert home.status_code == 200 and str(home.url).endswith("/calendar")
        assert 'id="failed-reminders"' in home.text and "1 reminder could not be sent" in home.text
        page = client.get("/messages")
        assert "1 failed" in page.text and "Retry" in page.text
        response = post_form(client, f"/messages/{row.id}/send", {})
        assert response.status_code == 303
        row = world.message(row.id)
        assert row.status == "queued" and row.attempts_at_requeue == 3
        assert world.sweep() == {"sent": 1}
        assert world.message(row.id).status == "sent"
        assert "reminder failed" not in nurse_browser.get("/").text

    def test_an_interrupted_try_is_recovered_and_sent_again(
        self, world: World, postbox: Postbox
    ) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        (row,) = world.messages(appointment)
        now = utcnow()
        with transaction(world.factory) as session:  # a worker claimed it, then died
            assert message_repository.claim(session, row.id, now) is not None
        with transaction(world.factory) as session:  # only one worker can win a claim
            assert message_repository.claim(session, row.id, now) is None
        assert world.sweep(now + timedelta(minutes=5)) == {}  # still within its lease
        assert world.sweep(now + timedelta(minutes=16)) == {"sent": 1}
        row = world.message(row.id)
        assert row.status == "sent" and row.attempts == 2
        assert [a.outcome for a in world.attempts(row.id)] == ["unknown", "sent"]
        assert "may or may not have gone out" in (world.attempts(row.id)[0].error or "")
        assert len(postbox.messages) == 1


class TestDeskActions:
    def test_cancel_needs_a_reason_and_is_kept_on_record(
        self,
        world: World,
        postbox: Postbox,
        client: TestClient,
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        appointment = world.book(world.patient(), timedelta(days=3))
        first, _ = world.messages(appointment)
        user = signed_in("front_desk")
        refused = post_form(client, f"/messages/{first.id}/cancel", {"reason": ""})
        assert refused.status_code == 422 and "3 to 500 characters" in refused.text
        assert world.message(first.id).status == "queued"

        done = post_form(client, f"/messages/{first.id}/cancel", {"reason": "patient asked"})
        assert done.status_code == 303
        row = world.message(first.id)
        assert row.status == "cancelled" and row.cancelled_by == user.id
        assert row.cancel_reason == "patient asked"
        assert world.sweep(row.send_at + timedelta(minutes=1)) == {}
        assert postbox.messages == []
        again = post_form(client, f"/messages/{first.id}/send", {})
        assert again.status_code == 422  # nothing to send any more
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbound_message.cancel")
        ).one()
        assert event.actor_user_id == user.id and event.resource_id == str(row.id)

    def test_send_now_brings_a_queued_reminder_forward(
        self, world: World, postbox: Postbox, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        appointment = world.book(world.patient(), timedelta(days=3))
        first, _ = world.messages(appointment)
        signed_in("front_desk")
        assert post_form(client, f"/messages/{first.id}/send", {}).status_code == 303
        assert world.sweep() == {"sent": 1}
        assert len(postbox.messages) == 1

    def test_clinicians_may_not_act_and_other_clinics_see_nothing(
        self,
        world: World,
        client: TestClient,
        signed_in: Callable[..., User],
        make_clinic: Callable[..., object],
    ) -> None:
        appointment = world.book(world.patient(), timedelta(days=3))
        first, _ = world.messages(appointment)
        signed_in("nurse")
        assert post_form(client, f"/messages/{first.id}/send", {}).status_code == 403
        assert world.message(first.id).status == "queued"
        signed_in("front_desk", make_clinic())
        page = client.get("/messages")
        assert str(first.id) not in page.text
        assert post_form(client, f"/messages/{first.id}/send", {}).status_code == 404
