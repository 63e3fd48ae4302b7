"""Shared fixtures for the PK tests."""

from __future__ import annotations

import pytest

from ketacare.dosing.pk.models import PkModel, load_models


@pytest.fixture(scope="session")
def models() -> dict[str, PkModel]:
    return load_models()
