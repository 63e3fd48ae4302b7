"""Write a synthetic clinic in bulk: Core ``insert()`` executemany, one transaction per batch.

The per-request services audit and validate every write; here the rows are built by the pure
generator (which uses the app's own scoring, dosing and threshold rules) and inserted directly.
The whole run is audited once, as ``synth.create``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, Table, insert, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic, User
from ketacare.audit import service as audit
from ketacare.consent import rules as consent_rules
from ketacare.consent.service import default_text
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import Base
from ketacare.kit.db.engine import make_session_factory
from ketacare.protocols.library import parse_protocol, shipped
from ketacare.scales.definitions import load_instruments
from ketacare.synth.calendar import Booker
from ketacare.synth.generate import patient_rows
from ketacare.synth.parameters import Parameters, load_parameters
from ketacare.synth.rows import TABLES, Context, Places, Row, Rows, Setup, Staff, new_id, record

BATCH = 500
STAFF = (
    ("physician", "Dr Synth Physician"),
    ("nurse", "Synth Nurse"),
    ("therapist", "Synth Therapist"),
)
# Not an Argon2 hash: nobody can sign in as a synthetic staff member (verify() refuses it).
UNUSABLE_PASSWORD = "!synthetic-no-login"  # noqa: S105
MRN_PREFIX = "SY"  # intake.register numbers synthetic patients SY0000001, ...

Progress = Callable[[int], None]


class ClinicExists(Exception):
    pass


class ClinicMissing(Exception):
    pass


@dataclass(frozen=True)
class Result:
    clinic_id: str
    slug: str
    patients: int
    counts: dict[str, int]
    unbooked_sessions: int = 0


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _protocols(
    session: Session, draft: Context, rng: random.Random, now: datetime
) -> dict[str, Row]:
    """The clinic's latest version of each shipped protocol; the shipped text where missing."""
    table = _table("protocol_versions")
    found: dict[str, Row] = {}
    for row in session.execute(
        select(table)
        .where(table.c.clinic_id == draft.clinic_id, table.c.voided_at.is_(None))
        .order_by(table.c.key, table.c.version)
    ).mappings():
        if row["key"] in shipped():
            found[row["key"]] = dict(row)
    missing = []
    for key, (text, protocol) in shipped().items():
        if key not in found:
            found[key] = record(draft, rng, draft.staff.physician, now) | {
                "key": key, "version": 1, "name": protocol.name, "treatment": protocol.treatment,
                "text": text, "copied_from": f"ketacare:{key}", "change_note": "shipped default",
            }  # fmt: skip
            missing.append(found[key])
    if missing:
        session.execute(insert(table), missing)
    draft.made["protocol_versions"] = len(missing)
    return found


def _documents(
    session: Session, draft: Context, rng: random.Random, now: datetime
) -> dict[str, Row]:
    """The clinic's current consent document per treatment; the default text where missing."""
    table = _table("consent_documents")
    found: dict[str, Row] = {}
    for row in session.execute(
        select(table)
        .where(table.c.clinic_id == draft.clinic_id, table.c.voided_at.is_(None))
        .order_by(table.c.treatment, table.c.version)
    ).mappings():
        found[row["treatment"]] = dict(row)
    missing = []
    for treatment in consent_rules.TREATMENTS:
        if treatment not in found:
            title, body = default_text(treatment)
            found[treatment] = record(draft, rng, draft.staff.physician, now) | {
                "treatment": treatment, "version": 1, "title": title, "body": body,
                "body_sha256": consent_rules.sha256_of(body),
            }  # fmt: skip
            missing.append(found[treatment])
    if missing:
        session.execute(insert(table), missing)
    draft.made["consent_documents"] = len(missing)
    return found


def _places(
    session: Session, draft: Context, rng: random.Random, now: datetime, chairs: int
) -> Places:
    """The clinic's chairs and first room by name; ``chairs`` chairs and a room where it has none."""
    table = _table("schedule_resources")
    rows = session.execute(
        select(table.c.id, table.c.kind, table.c.name)
        .where(table.c.clinic_id == draft.clinic_id, table.c.retired_at.is_(None))
        .order_by(table.c.name)
    ).all()
    found = [r.id for r in rows if r.kind == "chair"]
    rooms = [r.id for r in rows if r.kind == "room"]
    made = []
    if not found:
        for number in range(1, chairs + 1):
            made.append(record(draft, rng, draft.staff.desk, now) | {"name": f"Chair {number}",
                        "kind": "chair", "retired_at": None, "retired_by": None})  # fmt: skip
            found.append(made[-1]["id"])
    if not rooms:
        made.append(record(draft, rng, draft.staff.desk, now) | {"name": "Consulting room",
                    "kind": "room", "retired_at": None, "retired_by": None})  # fmt: skip
        rooms.append(made[-1]["id"])
    if made:
        session.execute(insert(table), made)
    draft.made["schedule_resources"] = len(made)
    return Places(tuple(found), rooms[0])


def _context(
    session: Session,
    rng: random.Random,
    clinic_id: uuid.UUID,
    staff: Staff,
    parameters: Parameters,
    now: datetime,
    chairs: int,
    made: dict[str, int],
) -> Context:
    """Protocols, consent documents and chairs of the clinic (made where missing)."""
    draft = Context(clinic_id, staff, {}, {}, parameters, made=made)
    versions = _protocols(session, draft, rng, now)
    documents = _documents(session, draft, rng, now)
    setups = {}
    for version in versions.values():
        treatment = version["treatment"]
        document = documents[treatment]
        setups[treatment] = Setup(
            treatment, version["id"], parse_protocol(version["text"]), document["id"],
            document["version"], document["body_sha256"], document["body"],
        )  # fmt: skip
    places = _places(session, draft, rng, now, chairs)
    return Context(clinic_id, staff, setups, load_instruments(), parameters, places, made)


def _setup(
    session: Session, rng: random.Random, slug: str, parameters: Parameters, patients: int
) -> Context:
    """A new clinic with three staff accounts, the shipped protocols, the consent documents,
    its chairs and a consulting room."""
    if session.scalar(select(Clinic.id).where(Clinic.slug == slug)) is not None:
        raise ClinicExists(f"a clinic with slug '{slug}' already exists")
    now = datetime.combine(parameters.period.first_intake, datetime.min.time(), tzinfo=UTC)
    clinic_id = new_id(rng)
    session.execute(
        insert(Clinic),
        [{"id": clinic_id, "name": f"Synthetic clinic {slug}", "slug": slug, "created_at": now}],
    )
    ids = {role: new_id(rng) for role, _ in STAFF}
    session.execute(
        insert(User),
        [
            {
                "id": ids[role],
                "clinic_id": clinic_id,
                "email": f"{role}@{slug}.synth.example.org",
                "full_name": name,
                "role": role,
                "password_hash": UNUSABLE_PASSWORD,
                "created_at": now,
            }
            for role, name in STAFF
        ],
    )
    staff = Staff(ids["physician"], ids["nurse"], ids["therapist"], ids["nurse"])
    per = parameters.calendar.chairs_per_1000_patients
    chairs = max(3, -(-patients * per // 1000))
    made = {"clinics": 1, "users": len(STAFF)}
    return _context(session, rng, clinic_id, staff, parameters, now, chairs, made)


def _adopt(
    session: Session, rng: random.Random, clinic_id: uuid.UUID, parameters: Parameters
) -> tuple[Context, list[Row]]:
    """An existing clinic: its first active physician, nurse, therapist (and front desk), its
    protocols, consent documents and chairs, and its appointments (to book around)."""
    if session.get(Clinic, clinic_id) is None:
        raise ClinicMissing(f"no clinic with id {clinic_id}")
    patients = _table("patients")
    taken = select(patients.c.id).where(
        patients.c.clinic_id == clinic_id, patients.c.mrn.like(f"{MRN_PREFIX}%")
    )
    if session.execute(taken.limit(1)).first() is not None:
        raise ClinicExists("the clinic already has synthetic patients")
    users = session.scalars(
        select(User)
        .where(User.clinic_id == clinic_id, User.is_active.is_(True))
        .order_by(User.created_at, User.email)
    ).all()
    first: dict[str, uuid.UUID] = {}
    for user in users:
        first.setdefault(user.role, user.id)
    missing = [role for role, _ in STAFF if role not in first]
    if missing:
        raise ClinicMissing(f"the clinic has no active {', '.join(missing)}")
    staff = Staff(first["physician"], first["nurse"], first["therapist"],
                  first.get("front_desk", first["nurse"]))  # fmt: skip
    now = datetime.combine(parameters.period.first_intake, datetime.min.time(), tzinfo=UTC)
    ctx = _context(session, rng, clinic_id, staff, parameters, now, 3, {})
    table = _table("appointments")
    existing = [
        dict(row)
        for row in session.execute(
            select(table).where(
                table.c.clinic_id == clinic_id,
                table.c.status != "cancelled",
                table.c.ends_at
                > datetime.combine(parameters.period.as_of, datetime.min.time(), tzinfo=UTC),
            )
        ).mappings()
    ]
    return ctx, existing


def _flush(session: Session, rows: Rows, totals: dict[str, int]) -> None:
    for name in TABLES:
        found = rows.tables[name]
        if found:
            session.execute(insert(_table(name)), found)
            totals[name] += len(found)


def with_as_of(parameters: Parameters, as_of: date | None) -> Parameters:
    """The parameters with the period moved to end on ``as_of`` (same length)."""
    if as_of is None:
        return parameters
    span = parameters.period.as_of - parameters.period.first_intake
    period = parameters.period.model_copy(update={"first_intake": as_of - span, "as_of": as_of})
    return parameters.model_copy(update={"period": period})


def write(
    engine: Engine,
    patients: int,
    seed: int,
    slug: str,
    progress: Progress | None = None,
    batch: int = BATCH,
    as_of: date | None = None,
) -> Result:
    """Build a new clinic ``slug``, then its patients ``batch`` at a time, each batch one
    transaction."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    parameters = with_as_of(load_parameters(), as_of)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        ctx = _setup(session, rng, slug, parameters, patients)
    return _fill(engine, ctx, [], rng, patients, seed, slug, progress, batch)


def write_into(
    engine: Engine,
    clinic_id: uuid.UUID,
    patients: int,
    seed: int,
    progress: Progress | None = None,
    batch: int = BATCH,
    as_of: date | None = None,
) -> Result:
    """Add ``patients`` synthetic patients to an existing clinic (the demo's), with its own staff
    as clinicians, around its existing appointments. Refused (ClinicExists) when the clinic
    already has synthetic patients, so running it again adds nothing."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    parameters = with_as_of(load_parameters(), as_of)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        ctx, existing = _adopt(session, rng, clinic_id, parameters)
        slug = session.get(Clinic, clinic_id).slug  # type: ignore[union-attr]
    return _fill(engine, ctx, existing, rng, patients, seed, slug, progress, batch)


def _fill(
    engine: Engine,
    ctx: Context,
    existing: list[Row],
    rng: random.Random,
    patients: int,
    seed: int,
    slug: str,
    progress: Progress | None,
    batch: int,
) -> Result:
    factory = make_session_factory(engine)
    booker = Booker(ctx, existing)
    totals = dict.fromkeys(TABLES, 0)
    for first in range(1, patients + 1, batch):
        last = min(patients, first + batch - 1)
        rows = Rows()
        for number in range(first, last + 1):
            patient_rows(ctx, rng, rows, number, booker)
        with factory.begin() as session:
            _flush(session, rows, totals)
        if progress is not None:
            progress(last - first + 1)
    counts = ctx.made | totals
    with factory.begin() as session:
        audit.record(
            session,
            Actor.system("ketacare synth"),
            "synth.create",
            "clinic",
            ctx.clinic_id,
            clinic_id=ctx.clinic_id,
            details={
                "seed": seed,
                "patients": patients,
                "counts": counts,
                "unbooked_sessions": booker.unbooked,
            },
        )
    # A bulk load leaves the query planner without statistics until autovacuum's analyze runs
    # (never, where autovacuum is off): one dashboard query then ran for minutes on PostgreSQL.
    with factory.begin() as session:
        session.execute(sql("ANALYZE"))
    return Result(str(ctx.clinic_id), slug, patients, counts, booker.unbooked)
