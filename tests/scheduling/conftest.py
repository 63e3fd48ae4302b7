"""Calendar tests run the clinic in Europe/Berlin, so every test crosses a real zone offset."""

from __future__ import annotations

import pytest

from ketacare.config import Settings
from tests.conftest import Mailbox, make_settings


@pytest.fixture
def settings(database_url: str, smtp_server: tuple[Mailbox, int]) -> Settings:
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server[1],
        clinic_timezone="Europe/Berlin",
    )
