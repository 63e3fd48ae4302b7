"""Planning reminders when a visit is booked, and withdrawing them when it is cancelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts import service as accounts
from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.kit.db.session import transaction
from ketacare.scheduling import reminders
from tests.messaging.support import World


def test_one_reminder_per_offset_still_ahead(world: World) -> None:
    appointment = world.book(world.patient(), timedelta(days=3))
    rows = world.messages(appointment)
    assert [m.hours_before for m in rows] == [48, 24]
    assert all(m.status == "queued" and m.attempts == 0 for m in rows)
    starts = rows[0].send_at + timedelta(hours=48)
    assert rows[1].send_at == starts - timedelta(hours=24)
    assert rows[0].next_attempt_at == rows[0].send_at
    assert all(m.to_address == "ada@example.com" for m in rows)
    assert all(m.body is None for m in rows)  # the text is written when it is sent
    # One questionnaire link per visit: the invitation rides with the first reminder only.
    assert [m.questionnaire_id for m in rows] == ["phq9", None]


def test_offsets_already_past_are_skipped(world: World) -> None:
    appointment = world.book(world.patient(), timedelta(hours=30))
    assert [m.hours_before for m in world.messages(appointment)] == [24]


def test_a_booking_closer_than_every_offset_gets_one_reminder_straight_away(world: World) -> None:
    appointment = world.book(world.patient(), timedelta(hours=3))
    (row,) = world.messages(appointment)
    assert row.hours_before == 0
    assert row.send_at <= row.created_at + timedelta(seconds=5)
    assert row.questionnaire_id == "phq9"


def test_a_visit_already_started_gets_none(world: World) -> None:
    appointment = world.book(world.patient(), timedelta(hours=-1))
    assert world.messages(appointment) == []


def test_no_email_on_file_means_no_reminder(world: World) -> None:
    appointment = world.book(world.patient(email=None), timedelta(days=3))
    assert world.messages(appointment) == []


def test_questionnaire_invitation_follows_the_kind(world: World) -> None:
    patient = world.patient()
    therapy = world.book(patient, timedelta(days=3), kind="therapy")
    review = world.book(patient, timedelta(days=4), kind="medication_visit")
    assert [m.questionnaire_id for m in world.messages(therapy)] == [None, None]
    assert [m.questionnaire_id for m in world.messages(review)] == ["phq9", None]


def test_cancelling_the_visit_cancels_what_is_unsent(world: World, db: Session) -> None:
    appointment = world.book(world.patient(), timedelta(days=3))
    world.cancel(appointment, "patient unwell")
    rows = world.messages(appointment)
    assert [m.status for m in rows] == ["cancelled", "cancelled"]
    assert all(m.cancelled_by == world.desk.id for m in rows)
    assert all(m.cancel_reason == "appointment cancelled: patient unwell" for m in rows)
    assert all(m.next_attempt_at is None for m in rows)
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions.count("outbound_message.queue") == 2
    assert actions.count("outbound_message.cancel") == 2


def test_summary_per_appointment_for_the_front_desk(world: World) -> None:
    patient = world.patient()
    kept = world.book(patient, timedelta(days=3))
    dropped = world.book(patient, timedelta(days=5))
    quiet = world.book(world.patient(email=None), timedelta(days=3))
    world.cancel(dropped)
    world.sweep(world.messages(kept)[0].send_at)  # the 48 h reminder goes out
    with transaction(world.factory) as session:
        lines = reminders.summary(session, world.actor, [kept, dropped, quiet])
    assert lines == {kept: "1 sent · 1 queued", dropped: "2 cancelled"}


def test_summary_is_scoped_to_the_clinic(
    world: World, make_clinic: Callable[..., Clinic], make_user: Callable[..., User]
) -> None:
    appointment = world.book(world.patient(), timedelta(days=3))
    stranger = make_user("front_desk", make_clinic())
    with transaction(world.factory) as session:
        lines = reminders.summary(session, accounts.actor_for(stranger), [appointment])
    assert lines == {}
