"""The ``ketacare`` command line, run in-process against real databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import combinations

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketacare.accounts.models import Clinic, User
from ketacare.cli import app as cli
from ketacare.config import Settings
from ketacare.kit.db.engine import make_engine
from ketacare.medications.models import MedicationVisit
from ketacare.messaging.models import OutboundMessage
from ketacare.patients.models import Patient
from ketacare.scheduling import rules
from ketacare.scheduling.models import Appointment
from ketacare.therapy.models import ProcessNote, TherapySession
from ketacare.treatment.session_models import TreatmentSession
from tests.audit.test_service import disable_guards
from tests.databases import PostgresDatabases, SqliteDatabases


@pytest.fixture
def run(settings: Settings) -> Callable[..., Result]:
    runner = CliRunner()
    env = {
        "KETACARE_ENV": "test",
        "KETACARE_DATABASE_URL": settings.database_url,
        "KETACARE_SECRET_KEY": settings.secret_key.get_secret_value(),
        "KETACARE_ARGON2_TIME_COST": "1",
        "KETACARE_ARGON2_MEMORY_KIB": "8192",
    }

    def invoke(*args: str, stdin: str | None = None, database_url: str | None = None) -> Result:
        overrides = {"KETACARE_DATABASE_URL": database_url} if database_url else {}
        return runner.invoke(cli, list(args), input=stdin, env={**env, **overrides})

    return invoke


class TestAccounts:
    def test_clinic_user_and_token_creation(
        self, run: Callable[..., Result], client: TestClient, db: Session
    ) -> None:
        result = run("clinic", "create", "--name", "Lakeside", "--slug", "lakeside", "--json")
        assert result.exit_code == 0, result.output
        result = run(
            "user",
            "create",
            "--email",
            "Doc@Lakeside.org",
            "--role",
            "physician",
            "--clinic",
            "lakeside",
            "--name",
            "Dr Doc",
            stdin="a long enough passphrase\n",
        )
        assert result.exit_code == 0, result.output
        user = db.scalars(select(User).where(User.email == "doc@lakeside.org")).one()
        assert user.role == "physician"
        assert user.password_hash.startswith("$argon2id$")
        result = run("token", "create", "--email", "doc@lakeside.org")
        assert result.exit_code == 0
        token = result.stdout.strip().splitlines()[-1]
        assert token.startswith("kct_")
        response = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("args", "stdin", "message"),
        [
            (("--role", "surgeon"), "a long enough passphrase\n", "role: must be one of"),
            (("--role", "nurse"), "short\n", "password: must be at least 12"),
            (("--role", "nurse", "--clinic", "nowhere"), "a long enough passphrase\n", "no clinic"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(
        self, run: Callable[..., Result], args: tuple[str, ...], stdin: str, message: str
    ) -> None:
        run("clinic", "create", "--name", "Lakeside", "--slug", "lakeside")
        base = {"--email": "n@lakeside.org", "--clinic": "lakeside"}
        for flag, value in zip(args[::2], args[1::2], strict=True):
            base[flag] = value
        argv = ["user", "create"] + [part for pair in base.items() for part in pair]
        result = run(*argv, stdin=stdin)
        assert result.exit_code == 2
        assert message in result.output


class TestAuditVerify:
    def test_intact_then_tampered(self, run: Callable[..., Result], db: Session) -> None:
        run("clinic", "create", "--name", "Lakeside", "--slug", "lakeside")
        run(
            "user",
            "create",
            "--email",
            "n@lakeside.org",
            "--role",
            "nurse",
            "--clinic",
            "lakeside",
            stdin="a long enough passphrase\n",
        )
        intact = run("audit", "verify", "--json")
        assert intact.exit_code == 0
        report = json.loads(intact.stdout)
        assert report["intact"] is True
        assert report["events_checked"] == 2
        disable_guards(db)
        db.execute(text("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 2"))
        broken = run("audit", "verify")
        assert broken.exit_code == 1
        assert "broken at event 2" in broken.output


class TestDemo:
    def test_seeds_forty_patients_and_the_synthetic_ones_once(
        self, run: Callable[..., Result], db: Session
    ) -> None:
        first = run("demo", "--no-serve", "--synth-patients", "60")
        assert first.exit_code == 0, first.output
        assert "physician@demo.example.com" in first.output
        assert "added 60 synthetic patients" in first.output
        counts = {model: db.scalar(select(func.count()).select_from(model))
                  for model in (Patient, Appointment, MedicationVisit, TreatmentSession)}  # fmt: skip
        again = run("demo", "--no-serve", "--synth-patients", "60")
        assert again.exit_code == 0
        assert "already present" in again.output
        assert "synthetic patients already present" in again.output
        for model, count in counts.items():
            assert db.scalar(select(func.count()).select_from(model)) == count, model.__name__
        assert counts[Patient] == 100
        assert db.scalar(select(func.count()).select_from(User)) == 5  # the demo's own staff
        assert db.scalar(select(func.count()).select_from(Clinic)) == 1  # the same clinic
        # Issue 7's parts are in the demo: bookings with reminders, therapy, medication visits.
        for model in (Appointment, OutboundMessage, TherapySession, ProcessNote, MedicationVisit):
            assert db.scalar(select(func.count()).select_from(model)), model.__name__
        # The synthetic courses are booked around the demo's own bookings: no double booking.
        rows = db.scalars(select(Appointment).where(Appointment.status != "cancelled")).all()
        for a, b in combinations(rows, 2):
            if rules.overlaps(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
                assert a.resource_id is None or a.resource_id != b.resource_id
                assert a.patient_id != b.patient_id
                assert a.clinician_id is None or a.clinician_id != b.clinician_id
        verified = run("audit", "verify")
        assert verified.exit_code == 0, verified.output

    def test_synth_patients_can_be_skipped(self, run: Callable[..., Result], db: Session) -> None:
        first = run("demo", "--no-serve", "--synth-patients", "0")
        assert first.exit_code == 0, first.output
        assert db.scalar(select(func.count()).select_from(Patient)) == 40
        bad = run("demo", "--no-serve", "--synth-patients", "-1")
        assert bad.exit_code == 2 and "--synth-patients" in bad.stderr

    def test_is_deterministic(
        self,
        run: Callable[..., Result],
        db: Session,
        databases: SqliteDatabases | PostgresDatabases,
    ) -> None:
        run("demo", "--no-serve", "--synth-patients", "20")
        other_url = databases.fresh()
        try:
            run("demo", "--no-serve", "--synth-patients", "20", database_url=other_url)
            engine = make_engine(other_url, autocommit=True)
            with engine.connect() as connection:
                other = connection.execute(text(PEOPLE)).all()
            engine.dispose()
        finally:
            databases.drop(other_url)
        first = db.execute(text(PEOPLE)).all()
        assert len(first) == 60
        assert [tuple(row) for row in first] == [tuple(row) for row in other]


PEOPLE = "SELECT mrn, given_name, family_name, date_of_birth, sex FROM patients ORDER BY mrn"


class TestHelp:
    @pytest.mark.parametrize(
        "command",
        [
            [],
            ["serve"],
            ["demo"],
            ["db", "upgrade"],
            ["user", "create"],
            ["token", "create"],
            ["audit", "verify"],
            ["clinic", "create"],
            ["worker"],
        ],
    )
    def test_every_command_has_help(self, command: list[str]) -> None:
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.output
