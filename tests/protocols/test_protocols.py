"""Protocols as data: the shipped library, field-naming refusals, versions and copies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.accounts.models import User
from ketacare.kit.errors import InvalidInput
from ketacare.protocols.library import parse_protocol, shipped
from ketacare.protocols.models import ProtocolVersion
from ketacare.protocols.schema import DosePerKg, FixedDose
from tests.conftest import login, post_form

IV_TEXT = shipped()["iv_ketamine_literature"][0]


class TestLibrary:
    def test_every_number_has_a_source_and_the_labels_numbers_are_kept(self) -> None:
        iv, esk = shipped()["iv_ketamine_literature"][1], shipped()["esketamine_label"][1]
        assert isinstance(iv.dose, DosePerKg) and iv.dose.start_mg_per_kg == 0.5
        assert iv.infusion is not None and iv.infusion.duration_min == 40
        assert isinstance(esk.dose, FixedDose)
        assert (esk.dose.start_mg, esk.dose.start_mg_age_65_and_over, esk.dose.max_mg) == (
            56,
            28,
            84,
        )
        assert [p.sessions for p in esk.phases[:2]] == [8, 4]  # weeks 1-4 twice, 5-8 once weekly
        assert esk.monitoring.observation_min == 120
        for protocol in (iv, esk):
            assert all(t.source for t in protocol.thresholds)
            # No IV blood-pressure stop threshold comes from the literature.
        assert all(t.clinic_choice for t in iv.thresholds)

    def test_invalid_protocol_names_the_field_and_reason(self) -> None:
        broken = IV_TEXT.replace("start_mg_per_kg = 0.5", "start_mg_per_kg = 5")
        with pytest.raises(InvalidInput) as caught:
            parse_protocol(broken)
        assert caught.value.by_field() == {
            "dose.start_mg_per_kg": "Input should be less than or equal to 2"
        }
        with pytest.raises(InvalidInput) as spacing:
            parse_protocol(
                IV_TEXT.replace("interval_pattern_days = [3, 4]", "interval_pattern_days = [1, 4]")
            )
        assert "must respect min_interval_days" in str(spacing.value.by_field())
        with pytest.raises(InvalidInput, match="TOML"):
            parse_protocol("name = ")


class TestVersionsInTheUi:
    def test_admin_publishes_a_version_and_copies_bad_text_is_refused(
        self, client: TestClient, signed_in: Callable[..., User], db: Session
    ) -> None:
        signed_in("admin")
        assert "IV racemic ketamine" in client.get("/protocols").text
        url = "/protocols/iv_ketamine_literature"
        bad = post_form(
            client,
            url,
            {"text": IV_TEXT.replace("max_mg = 100", "max_mg = -1"), "change_note": "cap"},
        )
        assert bad.status_code == 422 and "dose.max_mg" in bad.text
        edited = IV_TEXT.replace("bag_volume_ml = 100", "bag_volume_ml = 250")
        assert (
            post_form(client, url, {"text": edited, "change_note": "250 mL bags"}).status_code
            == 303
        )
        page = client.get(url).text
        assert "version 2" in page and "250 mL bags" in page
        copy = post_form(client, f"{url}/copy", {"new_key": "iv-slow"})
        assert copy.status_code == 303 and copy.headers["location"] == "/protocols/iv-slow"
        rows = db.scalars(select(ProtocolVersion).order_by(ProtocolVersion.created_at)).all()
        assert [(r.key, r.version) for r in rows if r.key.startswith("iv")] == [
            ("iv_ketamine_literature", 1),
            ("iv_ketamine_literature", 2),
            ("iv-slow", 1),
        ]
        first = next(r for r in rows if (r.key, r.version) == ("iv_ketamine_literature", 1))
        assert first.text == IV_TEXT  # version 1 is never rewritten

    def test_nurses_read_but_do_not_edit(
        self, client: TestClient, make_user: Callable[..., User]
    ) -> None:
        login(client, make_user("nurse"))
        url = "/protocols/iv_ketamine_literature"
        assert client.get(url).status_code == 200
        assert post_form(client, url, {"text": IV_TEXT, "change_note": "x"}).status_code == 403
