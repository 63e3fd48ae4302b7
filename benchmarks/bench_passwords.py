"""Argon2id cost: ketacare's production parameters vs the OWASP minimum, and the login path.

Baselines: for hashing, OWASP's minimum Argon2id profile (m=19 MiB, t=2, p=1); for the login
path, a known e-mail with a wrong password, which an unknown e-mail must match in time (the
dummy hash stops response times from telling which accounts exist).
"""

from __future__ import annotations

from contextlib import suppress

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import (
    Row,
    interleaved,
    make_settings,
    median_ms,
    migrated_sqlite,
    progress,
    ratio,
)
from ketacare.accounts import service as accounts
from ketacare.accounts import signin as accounts_signin
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.kit.db.session import transaction
from ketacare.kit.security.passwords import Passwords

PASSWORD = "correct horse battery staple"
WRONG = "not the password, but as long"
EMAIL = "nurse@bench.example.com"
OWASP_MIN = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def _production() -> tuple[int, int]:
    fields = Settings.model_fields
    return int(fields["argon2_time_cost"].default), int(fields["argon2_memory_kib"].default)


def hashing(quick: bool) -> list[Row]:
    time_cost, memory_kib = _production()
    production = Passwords(time_cost, memory_kib)
    owasp = PasswordHasher(**OWASP_MIN)
    repeats = 3 if quick else 15
    progress(
        f"argon2id hash: production t={time_cost} m={memory_kib} KiB vs OWASP min, n={repeats}"
    )
    times = interleaved(
        {"owasp": lambda: owasp.hash(PASSWORD), "prod": lambda: production.hash(PASSWORD)},
        repeats,
    )
    base = median_ms(times["owasp"])
    prod = median_ms(times["prod"])
    return [
        Row(
            "passwords",
            "argon2id hash, OWASP minimum (m=19 MiB, t=2, p=1)",
            base,
            repeats,
            "baseline",
        ),
        Row(
            "passwords",
            f"argon2id hash, ketacare (m={memory_kib // 1024} MiB, t={time_cost}, p=1)",
            prod,
            repeats,
            ratio(prod, base, "OWASP min"),
        ),
    ]


def _attempt(
    factory: sessionmaker[Session], settings: Settings, email: str, password: str, ip: str
) -> None:
    """One POST /login worth of work: throttle check, lookup, verify, record, audit, commit."""
    with factory() as session:
        with suppress(accounts_signin.LoginRefused):
            accounts_signin.log_in(session, settings, email, password, ip, "bench")
        session.commit()


def login_path(quick: bool) -> list[Row]:
    repeats = 3 if quick else 15
    with migrated_sqlite("login") as (url, folder):
        # Production argon2 parameters (the defaults); throttling opened up so it never kicks in.
        settings = make_settings(
            url, folder, login_account_max_failures=100, login_ip_max_failures=10_000
        )
        engine = make_engine(url)
        factory = make_session_factory(engine)
        system = Actor.system("bench")
        with transaction(factory) as session:
            clinic = accounts.create_clinic(session, system, "Bench clinic", "bench")
            accounts.create_user(
                session,
                settings,
                system,
                clinic,
                email=EMAIL,
                full_name="Bench Nurse",
                role="nurse",
                password=PASSWORD,
            )
        counter = iter(range(1_000_000))

        def call(email: str, password: str = WRONG) -> None:
            n = next(counter)  # unknown e-mails and IPs vary: no throttle builds up
            address = email.replace("{n}", str(n))
            _attempt(factory, settings, address, password, f"10.0.{n // 256}.{n % 256}")

        progress(f"login path (production argon2): unknown vs known e-mail, n={repeats}")
        times = interleaved(
            {
                "known": lambda: call(EMAIL),
                "unknown": lambda: call("nobody-{n}@bench.example.com"),
                "right": lambda: call(EMAIL, PASSWORD),
            },
            repeats,
        )
        engine.dispose()
    known, unknown, right = (median_ms(times[k]) for k in ("known", "unknown", "right"))
    return [
        Row("login", "log_in: known e-mail, wrong password", known, repeats, "baseline"),
        Row(
            "login",
            "log_in: unknown e-mail (dummy hash)",
            unknown,
            repeats,
            ratio(unknown, known, "known e-mail"),
        ),
        Row(
            "login",
            "log_in: known e-mail, right password (session opened)",
            right,
            repeats,
            ratio(right, known, "known e-mail"),
        ),
    ]


def run(quick: bool) -> list[Row]:
    return hashing(quick) + login_path(quick)
