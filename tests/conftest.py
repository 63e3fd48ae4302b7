"""Fixtures shared by the whole suite: databases on both engines, the app, users, logins."""

from __future__ import annotations

import re
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pyotp
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from ketacare.accounts import api_tokens
from ketacare.accounts import service as accounts
from ketacare.accounts.models import Clinic, User
from ketacare.app import create_app
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction
from tests.databases import PostgresDatabases, SqliteDatabases, postgres_admin_url

PASSWORD = "correct horse battery staple"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    workdir = Path(tempfile.mkdtemp(prefix="ketacare-pg-"))
    admin = postgres_admin_url(workdir)
    databases = PostgresDatabases(next(admin))
    databases.build_template()
    yield databases
    databases.close()
    next(admin, None)


@pytest.fixture(scope="session")
def sqlite_databases() -> Iterator[SqliteDatabases]:
    databases = SqliteDatabases()
    databases.build_template()
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def databases(backend: str, request: pytest.FixtureRequest) -> SqliteDatabases | PostgresDatabases:
    name = "sqlite_databases" if backend == "sqlite" else "postgres_databases"
    found: SqliteDatabases | PostgresDatabases = request.getfixturevalue(name)
    return found


@pytest.fixture
def database_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    url = databases.fresh()
    yield url
    databases.drop(url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": SecretStr("test-secret-key-" + "x" * 32),
        # Cheap hashes keep the suite fast; production parameters are the defaults.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8 * 1024,
    }
    values.update(overrides)
    return Settings(**values)


class Mailbox:
    """A real SMTP server on localhost (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    smtp_server[0].messages.clear()
    return smtp_server[0]


@pytest.fixture
def settings(database_url: str, smtp_server: tuple[Mailbox, int]) -> Settings:
    return make_settings(database_url, smtp_host="127.0.0.1", smtp_port=smtp_server[1])


@pytest.fixture
def session_factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    """For checking what the app stored: autocommit, so every query sees the latest data and
    holds no lock while the app works."""
    engine = make_engine(settings.database_url, autocommit=True)
    session = make_session_factory(engine)()

    @event.listens_for(session, "do_orm_execute")
    def _always_reload(state: ORMExecuteState) -> None:
        if state.is_select:
            state.update_execution_options(populate_existing=True)

    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def new_client(app: Any) -> Iterator[Callable[[], TestClient]]:
    """Further independent browsers (their own cookie jars) on the same app."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        test_client = TestClient(app)
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


SYSTEM = Actor.system("tests")


@pytest.fixture
def make_clinic(session_factory: sessionmaker[Session]) -> Callable[..., Clinic]:
    def make(slug: str | None = None, mfa_required_for_all: bool = False) -> Clinic:
        slug = slug or f"clinic-{uuid.uuid4().hex[:8]}"
        with transaction(session_factory) as session:
            clinic = accounts.create_clinic(session, SYSTEM, f"Clinic {slug}", slug)
            clinic.mfa_required_for_all = mfa_required_for_all
        return clinic

    return make


@pytest.fixture
def clinic(make_clinic: Callable[..., Clinic]) -> Clinic:
    return make_clinic("riverside")


@pytest.fixture
def make_user(
    session_factory: sessionmaker[Session], settings: Settings, clinic: Clinic
) -> Callable[..., User]:
    def make(role: str = "nurse", clinic_: Clinic | None = None, email: str | None = None) -> User:
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        with transaction(session_factory) as session:
            target = session.get(Clinic, (clinic_ or clinic).id)
            assert target is not None
            return accounts.create_user(
                session,
                settings,
                SYSTEM,
                target,
                email=email,
                full_name=f"Test {role}",
                role=role,
                password=PASSWORD,
            )

    return make


def api_token(session_factory: sessionmaker[Session], settings: Settings, user: User) -> str:
    """A personal API token for ``user``, issued as /account/tokens would."""
    with transaction(session_factory) as session:
        owner = session.get(User, user.id)
        assert owner is not None
        _, raw = api_tokens.create_api_token(
            session, settings, owner, "tests", accounts.actor_for(owner)
        )
    return raw


def bearer_for(
    session_factory: sessionmaker[Session], settings: Settings, user: User
) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(session_factory, settings, user)}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def csrf(client: TestClient) -> str:
    return csrf_from(client.get("/login").text)


def post_form(client: TestClient, url: str, data: dict[str, str], **kwargs: Any) -> Any:
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, follow_redirects=False, **kwargs
    )


def login(client: TestClient, user: User, password: str = PASSWORD) -> Any:
    """Sign in through the real form; for MFA-enrolled users call ``complete_mfa`` next."""
    return post_form(client, "/login", {"email": user.email, "password": password, "next": "/"})


def enrol_mfa(client: TestClient) -> str:
    """Walk through TOTP enrolment on /account/mfa; returns the secret (as the user's app has it)."""
    page = client.get("/account/mfa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret, "enrolment page shows no secret"
    code = pyotp.TOTP(secret.group(1)).now()
    response = post_form(client, "/account/mfa", {"code": code})
    assert response.status_code == 303, response.text
    return secret.group(1)


@pytest.fixture
def signed_in(client: TestClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user of a role and sign the shared test client in as them (no MFA roles)."""

    def sign_in(role: str = "nurse", clinic_: Clinic | None = None) -> User:
        user = make_user(role, clinic_)
        response = login(client, user)
        assert response.status_code == 303, response.text
        if role == "admin":
            enrol_mfa(client)
        return user

    return sign_in
