"""Browser tests: the app on a real uvicorn server, driven by headless Chromium through Playwright.

Chromium comes from the system (Debian's ``chromium`` package) when present, otherwise from
Playwright's own download (``playwright install chromium``). With neither, the tests fail with a
message saying how to get one: a browser suite that silently skips proves nothing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    ViewportSize,
    WebError,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import Clinic, User
from ketacare.app import create_app
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction
from ketacare.patients import service as patients
from ketacare.patients.schemas import PatientCreate
from tests.conftest import PASSWORD, make_settings
from tests.databases import SqliteDatabases

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET: ViewportSize = {"width": 1024, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SYSTEM = Actor.system("e2e tests")

# Chromium prints CSP violations to the console itself; this makes sure each one is also reported
# as a console error with the directive named, whatever the browser version's wording.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
# Statuses the app answers a form with when it re-shows it (bad input, wrong password or code).
# Chromium logs "Failed to load resource" for any non-2xx page; for these that is the design.
FORM_RESHOWN = frozenset({401, 422})


@dataclass(frozen=True)
class Staff:
    id: uuid.UUID
    email: str
    password: str
    role: str


@dataclass
class LiveServer:
    """The app on http://127.0.0.1:<free port>, with helpers to seed its fresh database."""

    url: str
    settings: Settings
    session_factory: sessionmaker[Session]
    clinic_id: uuid.UUID
    app: Any  # the running app, so a test can move its calendar day (app.state.today)

    def add_user(self, role: str, email: str | None = None) -> Staff:
        email = email or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}@example.com"
        with transaction(self.session_factory) as session:
            clinic = session.get(Clinic, self.clinic_id)
            assert clinic is not None
            user = accounts.create_user(
                session,
                self.settings,
                SYSTEM,
                clinic,
                email=email,
                full_name=f"Test {role.replace('_', ' ').title()}",
                role=role,
                password=PASSWORD,
            )
            return Staff(user.id, user.email, PASSWORD, role)

    def add_patient(
        self, by: Staff, given_name: str, family_name: str, born: date, **extra: str
    ) -> uuid.UUID:
        with transaction(self.session_factory) as session:
            user = session.get(User, by.id)
            assert user is not None
            patient = patients.register(
                session,
                accounts.actor_for(user),
                PatientCreate(
                    given_name=given_name,
                    family_name=family_name,
                    date_of_birth=born,
                    sex="unknown",
                    **extra,
                ),
            )
            return patient.id


@pytest.fixture
def live_server(sqlite_databases: SqliteDatabases) -> Iterator[LiveServer]:
    database_url = sqlite_databases.fresh()
    settings = make_settings(database_url)
    app = create_app(settings)
    seed_engine = make_engine(database_url)
    session_factory = make_session_factory(seed_engine)
    with transaction(session_factory) as session:
        clinic = accounts.create_clinic(session, SYSTEM, "Riverside Clinic", "riverside")

    # Bind the port here and hand the socket to uvicorn: no window for another process to take it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        server_header=False,
        proxy_headers=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail("the uvicorn test server did not start", pytrace=False)
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, session_factory, clinic.id, app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.engine.dispose()
        seed_engine.dispose()
        sqlite_databases.drop(database_url)
    assert not thread.is_alive(), "the uvicorn test server did not stop"


def _launch_chromium(playwright: Playwright) -> Browser:
    system = shutil.which("chromium") or shutil.which("chromium-browser")
    if system is None and not Path(playwright.chromium.executable_path).exists():
        pytest.fail(
            "No Chromium for the browser tests. Install the system package "
            "(`apt-get install chromium`) or Playwright's build "
            "(`.venv/bin/playwright install chromium`).",
            pytrace=False,
        )
    try:
        return playwright.chromium.launch(
            executable_path=system,  # None: Playwright's own installed Chromium
            headless=True,
            args=CHROMIUM_ARGS,
        )
    except PlaywrightError as error:
        pytest.fail(
            f"Chromium ({system or 'Playwright build'}) did not start: {error.message}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = _launch_chromium(playwright)
        yield launched
        launched.close()


@dataclass
class BrowserLog:
    """Console errors, CSP violations and uncaught exceptions from every page of a test."""

    console: list[tuple[str, str]] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)
    reshown_forms: set[str] = field(default_factory=set)

    def watch(self, context: BrowserContext) -> None:
        context.add_init_script(script=CSP_REPORTER)
        context.on("console", self._on_console)
        context.on("weberror", self._on_error)
        context.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append((message.location.get("url", ""), message.text))

    def _on_error(self, error: WebError) -> None:
        self.uncaught.append(str(error.error))

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.status in FORM_RESHOWN:
            self.reshown_forms.add(response.url)

    def problems(self) -> list[str]:
        found = [f"uncaught exception: {text}" for text in self.uncaught]
        for url, text in self.console:
            if text.startswith("Failed to load resource") and url in self.reshown_forms:
                continue  # a form re-shown with its messages (422/401) is not an error
            found.append(f"{url}: {text}")
        return found

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "browser reported:\n" + "\n".join(problems)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, browser_log: BrowserLog
) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (own cookies) on the live server."""
    contexts: list[BrowserContext] = []

    def make(viewport: ViewportSize = TABLET) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(10_000)
        browser_log.watch(context)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A tablet-sized page (1024x768), the clinic's usual device."""
    return new_page(TABLET)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots for humans to look at (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
