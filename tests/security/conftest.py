"""Helpers for the security suite: patients, API tokens, extra browsers and custom-settings apps."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import Clinic, User
from ketacare.app import create_app
from ketacare.config import Settings
from ketacare.kit.db.session import transaction
from ketacare.kit.web.cookies import session_cookie_name
from ketacare.patients import service as patients
from ketacare.patients.schemas import (
    AllergyCreate,
    DiagnosisCreate,
    MeasurementCreate,
    PatientCreate,
)
from tests.conftest import api_token, enrol_mfa, login, make_settings

SESSION_COOKIE = "ketacare_session"
NEW_PATIENT = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "1980-12-10",
    "sex": "female",
    "mrn": "",
    "phone": "+1 555 0100",
    "email": "",
    "address": "",
    "referring_clinician": "Dr Babbage",
}
API_PATIENT = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1906-12-09",
    "sex": "female",
}


def page_csrf(html: str) -> str:
    """The token a page hands to scripts (the ``csrf-token`` meta tag in every page)."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def session_cookie(client: TestClient) -> str | None:
    """The browser's current session cookie value (there is at most one)."""
    values = [cookie.value for cookie in client.cookies.jar if cookie.name == SESSION_COOKIE]
    assert len(values) <= 1, values
    return values[0] if values else None


def next_code(secret: str) -> str:
    """A code for the next time-step: enrolment has already used the current one."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def wrong_code(secret: str) -> str:
    """A well-formed code that is valid in no accepted time-step."""
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(123456, 999999, 7919) if f"{n:06d}" not in valid)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_login_redirect(response: Any) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/login")


@pytest.fixture
def make_patient(session_factory: sessionmaker[Session]) -> Callable[..., uuid.UUID]:
    """Register a patient in ``owner``'s clinic through the patient service."""

    def make(owner: User, family_name: str = "Lovelace", given_name: str = "Ada") -> uuid.UUID:
        with transaction(session_factory) as session:
            patient = patients.register(
                session,
                accounts.actor_for(owner),
                PatientCreate(
                    given_name=given_name,
                    family_name=family_name,
                    date_of_birth=date(1980, 12, 10),
                    sex="female",
                ),
            )
            return patient.id

    return make


@pytest.fixture
def make_records(session_factory: sessionmaker[Session]) -> Callable[..., dict[str, uuid.UUID]]:
    """One measurement, allergy and diagnosis on a patient, recorded by ``author``."""

    def make(author: User, patient_id: uuid.UUID) -> dict[str, uuid.UUID]:
        actor = accounts.actor_for(author)
        with transaction(session_factory) as session:
            measurement = patients.add_measurement(
                session, actor, patient_id, MeasurementCreate(weight_kg=80)
            )
            allergy = patients.add_allergy(
                session, actor, patient_id, AllergyCreate(substance="Penicillin")
            )
            diagnosis = patients.add_diagnosis(
                session, actor, patient_id, DiagnosisCreate(icd10_code="F33.2")
            )
            return {
                "measurement": measurement.id,
                "allergy": allergy.id,
                "diagnosis": diagnosis.id,
            }

    return make


@pytest.fixture
def make_token(session_factory: sessionmaker[Session], settings: Settings) -> Callable[[User], str]:
    """A personal API token for a user, as ``/account/tokens`` would issue it."""

    def make(user: User) -> str:
        return api_token(session_factory, settings, user)

    return make


@pytest.fixture
def browser(
    new_client: Callable[[], TestClient], make_user: Callable[..., User]
) -> Callable[..., tuple[TestClient, User]]:
    """A new browser signed in as a new user of a role (admins enrol TOTP on the way)."""

    def open_as(role: str = "nurse", clinic_: Clinic | None = None) -> tuple[TestClient, User]:
        user = make_user(role, clinic_)
        client = new_client()
        response = login(client, user)
        assert response.status_code == 303, response.text
        if role == "admin":
            enrol_mfa(client)
        return client, user

    return open_as


@pytest.fixture
def custom_app(database_url: str) -> Iterator[Callable[..., tuple[FastAPI, TestClient]]]:
    """The real app on the test database with changed settings (e.g. lower throttle limits)."""
    made: list[tuple[FastAPI, TestClient]] = []

    def make(raise_server_exceptions: bool = True, **overrides: Any) -> tuple[FastAPI, TestClient]:
        application = create_app(make_settings(database_url, **overrides))
        client = TestClient(application, raise_server_exceptions=raise_server_exceptions)
        made.append((application, client))
        return application, client

    yield make
    for application, client in made:
        client.close()
        application.state.engine.dispose()


@pytest.fixture(autouse=True)
def _cookie_name_is_the_plain_one(settings: Settings) -> None:
    """The suite reads cookies by name; tests run on http, so no ``__Host-`` prefix."""
    assert session_cookie_name(settings) == SESSION_COOKIE
