"""Consent pages through the real HTML forms, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.consent import service
from ketacare.consent.models import ConsentDocument, ConsentSignature
from tests.conftest import login, post_form
from tests.consent.helpers import today
from tests.patients.test_views import register


def document_id_on(page: str) -> str:
    match = re.search(r'name="document_id" value="([0-9a-f-]{36})"', page)
    assert match, "signing page has no document id"
    return match.group(1)


def signed(client: TestClient, patient_id: str, **changes: str) -> object:
    url = f"/patients/{patient_id}/consent/iv_ketamine/sign"
    form = {
        "document_id": document_id_on(client.get(url).text),
        "typed_name": "Ada Lovelace",
        "signed_on": today().isoformat(),
        "staff_confirmed": "on",
        **changes,
    }
    return post_form(client, url, form)


class TestSigning:
    def test_front_desk_signs_and_the_overview_shows_it(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        desk = signed_in("front_desk")
        patient_id = register(client)
        overview = client.get(f"/patients/{patient_id}/consent")
        assert overview.status_code == 200 and "no consent on file" in overview.text
        page = client.get(f"/patients/{patient_id}/consent/iv_ketamine/sign")
        assert page.status_code == 200
        title, _ = service.default_text("iv_ketamine")
        assert title in page.text and "Ketamine is used off-label" in page.text
        assert f"I, {desk.full_name}, was present" in page.text
        assert f'value="{today().isoformat()}"' in page.text  # the date is prefilled
        response = signed(client, patient_id)
        assert response.status_code == 303
        assert response.headers["location"] == f"/patients/{patient_id}/consent#iv_ketamine"
        overview = client.get(f"/patients/{patient_id}/consent").text
        assert f"signed version 1 on {today()}" in overview
        row = db.scalars(select(ConsentSignature)).one()
        assert row.witnessed_by == desk.id
        shown = client.get(f"/patients/{patient_id}/consent/signatures/{row.id}")
        assert shown.status_code == 200 and "unchanged since signing" in shown.text
        assert "Ada Lovelace" in shown.text and "Ketamine is a licensed medicine" in shown.text
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"consent.view", "consent.sign", "consent_signature.view"} <= actions

    def test_wrong_input_is_shown_beside_each_field_and_nothing_is_stored(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        future = (today() + timedelta(days=9)).isoformat()
        response = signed(
            client, patient_id, typed_name="Ada Byron", signed_on=future, staff_confirmed=""
        )
        assert response.status_code == 422
        for name in ("typed_name", "signed_on", "staff_confirmed"):
            assert f'id="e-{name}"' in response.text, name
        assert 'aria-invalid="true"' in response.text
        assert 'value="Ada Byron"' in response.text  # what was typed is kept
        count = db.scalar(select(func.count()).select_from(ConsentSignature))
        assert count == 0

    def test_unticked_confirmation_alone_is_refused(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        url = f"/patients/{patient_id}/consent/iv_ketamine/sign"
        form = {
            "document_id": document_id_on(client.get(url).text),
            "typed_name": "Ada Lovelace",
            "signed_on": today().isoformat(),
        }
        response = post_form(client, url, form)
        assert response.status_code == 422 and 'id="e-staff_confirmed"' in response.text

    def test_a_newer_version_reshows_the_page_with_the_current_text(
        self, client: TestClient, signed_in: Callable[..., User], make_user: Callable[..., User]
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        url = f"/patients/{patient_id}/consent/iv_ketamine/sign"
        old = document_id_on(client.get(url).text)
        login(client, make_user("physician"))
        published = post_form(
            client,
            "/consent/documents/iv_ketamine",
            {"title": "Version two", "body": "Our new consent text. " * 5},
        )
        assert published.status_code == 303
        assert published.headers["location"] == "/consent/documents/iv_ketamine/2"
        form = {
            "document_id": old,
            "typed_name": "Ada Lovelace",
            "signed_on": today().isoformat(),
            "staff_confirmed": "on",
        }
        response = post_form(client, url, form)
        assert response.status_code == 422 and "no longer current" in response.text
        assert document_id_on(response.text) != old and "Our new consent text." in response.text

    def test_withdraw_needs_a_reason(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        assert signed(client, patient_id).status_code == 303
        url = f"/patients/{patient_id}/consent/iv_ketamine/withdraw"
        missing = post_form(client, url, {"reason": ""})
        assert missing.status_code == 422 and 'id="e-reason-iv_ketamine"' in missing.text
        assert post_form(client, url, {"reason": "does not want more infusions"}).status_code == 303
        overview = client.get(f"/patients/{patient_id}/consent").text
        assert "withdrawn on" in overview and "does not want more infusions" in overview
        row = db.scalars(select(ConsentSignature)).one()
        assert row.withdrawal_reason == "does not want more infusions"

    def test_void_keeps_the_row(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        signed(client, patient_id)
        row = db.scalars(select(ConsentSignature)).one()
        url = f"/patients/{patient_id}/consent/signatures/{row.id}/void"
        assert post_form(client, url, {"reason": "signed on the wrong chart"}).status_code == 303
        kept = db.scalars(select(ConsentSignature)).one()
        assert kept.void_reason == "signed on the wrong chart" and kept.voided_at is not None
        assert "no consent on file" in client.get(f"/patients/{patient_id}/consent").text


class TestRoles:
    def test_therapist_reads_but_cannot_witness(
        self, client: TestClient, signed_in: Callable[..., User], make_user: Callable[..., User]
    ) -> None:
        signed_in("front_desk")
        patient_id = register(client)
        login(client, make_user("therapist"))
        assert client.get(f"/patients/{patient_id}/consent").status_code == 200
        sign_page = client.get(f"/patients/{patient_id}/consent/iv_ketamine/sign")
        assert sign_page.status_code == 403

    def test_front_desk_cannot_publish_or_withdraw(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("front_desk")
        patient_id = register(client)
        assert client.get("/consent/documents").status_code == 200
        assert client.get("/consent/documents/iv_ketamine").status_code == 403
        body = {"title": "Mine", "body": "x" * 80}
        assert post_form(client, "/consent/documents/iv_ketamine", body).status_code == 403
        url = f"/patients/{patient_id}/consent/iv_ketamine/withdraw"
        assert post_form(client, url, {"reason": "asked"}).status_code == 403
        versions = db.scalars(select(ConsentDocument.version)).all()
        assert max(versions) == 1

    def test_unknown_treatment_and_other_clinic_are_not_found(
        self,
        client: TestClient,
        signed_in: Callable[..., User],
        make_clinic: Callable[..., Clinic],
    ) -> None:
        signed_in("nurse")
        patient_id = register(client)
        assert client.get(f"/patients/{patient_id}/consent/lsd/sign").status_code == 404
        signed_in("nurse", make_clinic())
        assert client.get(f"/patients/{patient_id}/consent").status_code == 404
        assert client.get(f"/patients/{patient_id}/consent/iv_ketamine/sign").status_code == 404


class TestDocumentsPages:
    def test_publish_form_errors_and_version_history(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("physician")
        form = client.get("/consent/documents/esketamine")
        assert form.status_code == 200 and "Publish version 2" in form.text
        bad = post_form(client, "/consent/documents/esketamine", {"title": "", "body": "short"})
        assert bad.status_code == 422
        assert 'id="e-title"' in bad.text and 'id="e-body"' in bad.text
        ok = post_form(
            client,
            "/consent/documents/esketamine",
            {"title": "Esketamine v2", "body": "Revised esketamine text.\r\n" * 5},
        )
        assert ok.status_code == 303
        listing = client.get("/consent/documents").text
        assert "Read version 1" in listing and "Read version 2" in listing
        first = client.get("/consent/documents/esketamine/1")
        assert first.status_code == 200 and "REMS" in first.text
        assert client.get("/consent/documents/esketamine/9").status_code == 404

    def test_reading_layout_styles_ship_in_the_main_stylesheet(self, client: TestClient) -> None:
        response = client.get("/static/ketacare.css")
        assert response.status_code == 200 and ".consent-text" in response.text
