"""The administrator's audit log browser."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ketacare.accounts.models import Clinic, User
from tests.conftest import login


class TestAuditLogPage:
    def test_admin_sees_own_clinic_events_and_can_filter(
        self,
        client: TestClient,
        new_client: Callable[[], TestClient],
        signed_in: Callable[..., User],
        make_user: Callable[..., User],
        make_clinic: Callable[..., Clinic],
    ) -> None:
        signed_in("admin")
        nurse = make_user("nurse")
        login(new_client(), nurse)
        outsider = make_user("nurse", make_clinic("elsewhere"))
        login(new_client(), outsider)
        page = client.get("/admin/audit")
        assert page.status_code == 200
        assert nurse.email in page.text
        assert outsider.email not in page.text
        filtered = client.get("/admin/audit", params={"action": "mfa.enrol"})
        assert "mfa.enrol" in filtered.text
        assert nurse.email not in filtered.text

    def test_bad_filter_values_are_refused_clearly(
        self, client: TestClient, signed_in: Callable[..., User]
    ) -> None:
        signed_in("admin")
        response = client.get("/admin/audit", params={"page": "0"})
        assert response.status_code == 422
        assert "page" in response.text
