"""Patients' questionnaire links: e-mailed over real SMTP or shown at the desk, single use, drafts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.scales.models import QuestionnaireLink, SafetyAlert, ScaleResponse
from tests.conftest import Mailbox, csrf, csrf_from, post_form
from tests.patients.test_views import register

PHQ9_ITEM9 = {f"item-{n}": "1" for n in range(1, 9)} | {"item-9": "2"}


def issue(
    client: TestClient, patient_id: str, delivery: str = "desk", instrument: str = "phq9"
) -> str:
    response = post_form(
        client, f"/patients/{patient_id}/links", {"instrument": instrument, "delivery": delivery}
    )
    assert response.status_code == 200, response.text
    return response.text


def desk_url(page: str) -> str:
    match = re.search(r'id="questionnaire-url">[^<]*(/q/[A-Za-z0-9_-]+)<', page)
    assert match, "no questionnaire URL shown"
    return match.group(1)


class TestIssue:
    def test_email_goes_through_smtp_without_clinical_details(
        self, client: TestClient, signed_in: Callable[..., User], mailbox: Mailbox, db: Session
    ) -> None:
        signed_in("nurse")
        patient_id = register(client, email="ada@example.com")
        page = issue(client, patient_id, delivery="email")
        assert "Sent to" in page and "ada@example.com" in page
        assert len(mailbox.messages) == 1
        message = mailbox.messages[0]
        assert message["To"] == "ada@example.com"
        body = message.get_content()
        url = re.search(r"http://\S+/q/(\S+)", body)
        assert url, body
        assert "Lovelace" not in body  # no clinical or identifying details in the e-mail
        link = db.scalars(select(QuestionnaireLink)).one()
        assert url.group(1) not in link.token_hash  # only a keyed hash is stored

    def test_no_email_on_file_is_refused_clearly(
        self, client: TestClient, signed_in: Callable[..., User], mailbox: Mailbox
    ) -> None:
        signed_in("front_desk")
        patient_id = register(client)
        response = post_form(
            client, f"/patients/{patient_id}/links", {"instrument": "phq9", "delivery": "email"}
        )
        assert response.status_code == 422
        assert "no e-mail address on file" in response.text
        assert mailbox.messages == []

    def test_clinician_rated_scales_cannot_be_sent(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        response = post_form(
            client, f"/patients/{patient_id}/links", {"instrument": "madrs", "delivery": "desk"}
        )
        assert response.status_code == 422
        assert "clinician-rated" in response.text


class TestAnswering:
    def test_single_use_and_raises_alert(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        url = desk_url(issue(client, patient_id))
        phone = new_client()
        page = phone.get(url)
        assert page.status_code == 200
        assert "Lovelace" not in page.text  # nothing but the questionnaire
        assert 'href="/patients' not in page.text
        token = csrf_from(page.text)
        done = phone.post(url, data={**PHQ9_ITEM9, "csrf_token": token})
        assert done.status_code == 200 and "Thank you" in done.text
        response = db.scalars(select(ScaleResponse)).one()
        assert (response.total, response.source) == (10, "patient")
        alert = db.scalars(select(SafetyAlert)).one()
        assert alert.acknowledged_at is None and "item 9" in alert.reason
        again = phone.get(url)
        assert again.status_code == 404  # used links are gone
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"questionnaire_link.open", "scale_response.create", "safety_alert.raise"} <= actions

    def test_incomplete_answers_are_kept_and_named(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("nurse")
        url = desk_url(issue(client, register(client)))
        phone = new_client()
        token = csrf_from(phone.get(url).text)
        partial = {"item-1": "2", "item-2": "3"}
        response = phone.post(url, data={**partial, "csrf_token": token})
        assert response.status_code == 422
        assert 'href="#q-9"' in response.text
        assert db.scalars(select(ScaleResponse)).first() is None
        reloaded = phone.get(url).text  # a reload keeps what was answered
        assert re.search(r'name="item-2" value="3"\s+checked', reloaded)

    def test_autosaved_draft_survives_a_reload(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
    ) -> None:
        signed_in("nurse")
        url = desk_url(issue(client, register(client)))
        phone = new_client()
        token = csrf_from(phone.get(url).text)
        saved = phone.post(f"{url}/draft", json={"4": 2}, headers={"X-CSRF-Token": token})
        assert saved.status_code == 200
        assert re.search(r'name="item-4" value="2"\s+checked', phone.get(url).text)

    def test_expired_link_is_refused(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("nurse")
        url = desk_url(issue(client, register(client)))
        link = db.scalars(select(QuestionnaireLink)).one()
        db.execute(
            update(QuestionnaireLink)
            .where(QuestionnaireLink.id == link.id)
            .values(expires_at=link.created_at - timedelta(minutes=1))
        )
        assert new_client().get(url).status_code == 404

    def test_unknown_token_is_404(self, new_client: Callable[[], TestClient]) -> None:
        assert new_client().get(f"/q/kcq_{uuid.uuid4().hex}").status_code == 404


class TestAlerts:
    def test_alert_shows_on_worklist_until_acknowledged_with_a_note(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
        db: Session,
    ) -> None:
        signed_in("physician")
        patient_id = register(client)
        url = desk_url(issue(client, patient_id))
        phone = new_client()
        phone.post(url, data={**PHQ9_ITEM9, "csrf_token": csrf_from(phone.get(url).text)})
        home = client.get("/")
        assert "1 open" in home.text and "item 9" in home.text
        alert = db.scalars(select(SafetyAlert)).one()
        refused = post_form(client, f"/alerts/{alert.id}/acknowledge", {"note": ""})
        assert refused.status_code == 422
        done = post_form(
            client,
            f"/alerts/{alert.id}/acknowledge",
            {"note": "Called patient; safety plan reviewed", "back": "/"},
        )
        assert done.status_code == 303
        assert "No open safety alerts" in client.get("/").text
        row = db.get(SafetyAlert, alert.id, populate_existing=True)
        assert row is not None and row.action_note == "Called patient; safety plan reviewed"
        assert db.scalars(
            select(AuditEvent).where(AuditEvent.action == "safety_alert.acknowledge")
        ).one()
        _ = csrf
