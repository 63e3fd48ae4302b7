"""One transaction per request: a commit that fails is an error answer and leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Patient
from tests.conftest import csrf, login
from tests.patients.test_views import NEW_PATIENT


class TestRequestTransaction:
    def test_failed_commit_is_a_500_and_stores_nothing(
        self, app: Any, make_user: Callable[..., User], db: Session
    ) -> None:
        client = TestClient(app, raise_server_exceptions=False)
        login(client, make_user("front_desk"))
        token = csrf(client)
        events_before = db.scalar(select(func.count()).select_from(AuditEvent))

        def refuse(_session: Session) -> None:
            raise RuntimeError("disk full")

        event.listen(app.state.session_factory, "before_commit", refuse)
        try:
            response = client.post(
                "/patients", data={**NEW_PATIENT, "csrf_token": token}, follow_redirects=False
            )
        finally:
            event.remove(app.state.session_factory, "before_commit", refuse)
        assert response.status_code == 500
        assert "disk full" not in response.text
        assert db.scalar(select(func.count()).select_from(Patient)) == 0
        assert db.scalar(select(func.count()).select_from(AuditEvent)) == events_before
