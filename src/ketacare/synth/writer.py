"""Write a synthetic clinic in bulk: Core ``insert()`` executemany, one transaction per batch.

The per-request services audit and validate every write; here the rows are built by the pure
generator (which uses the app's own scoring, dosing and threshold rules) and inserted directly.
The whole run is audited once, as ``synth.create``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

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
from ketacare.protocols.library import shipped
from ketacare.scales.definitions import load_instruments
from ketacare.synth.generate import patient_rows
from ketacare.synth.parameters import Parameters, load_parameters
from ketacare.synth.rows import TABLES, Context, Rows, Staff, new_id, record

BATCH = 500
STAFF = (
    ("physician", "Dr Synth Physician"),
    ("nurse", "Synth Nurse"),
    ("therapist", "Synth Therapist"),
)
# Not an Argon2 hash: nobody can sign in as a synthetic staff member (verify() refuses it).
UNUSABLE_PASSWORD = "!synthetic-no-login"  # noqa: S105
IV_PROTOCOL = "iv_ketamine_literature"

Progress = Callable[[int], None]


class ClinicExists(Exception):
    pass


@dataclass(frozen=True)
class Result:
    clinic_id: str
    slug: str
    patients: int
    counts: dict[str, int]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _setup(session: Session, rng: random.Random, slug: str, parameters: Parameters) -> Context:
    """The clinic, three staff accounts, the shipped protocols and the consent documents."""
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
    staff = Staff(ids["physician"], ids["nurse"], ids["therapist"])
    draft = Context(clinic_id, staff, clinic_id, shipped()[IV_PROTOCOL][1], clinic_id, 1, "", "",
                    {}, parameters)  # fmt: skip
    protocols = []
    for key, (text, protocol) in shipped().items():
        protocols.append(
            record(draft, rng, staff.physician, now)
            | {"key": key, "version": 1, "name": protocol.name, "treatment": protocol.treatment,
               "text": text, "copied_from": f"ketacare:{key}", "change_note": "shipped default"}
        )  # fmt: skip
    session.execute(insert(_table("protocol_versions")), protocols)
    documents = []
    for treatment in consent_rules.TREATMENTS:
        title, body = default_text(treatment)
        documents.append(
            record(draft, rng, staff.physician, now)
            | {"treatment": treatment, "version": 1, "title": title, "body": body,
               "body_sha256": consent_rules.sha256_of(body)}
        )  # fmt: skip
    session.execute(insert(_table("consent_documents")), documents)
    iv_protocol = next(p for p in protocols if p["key"] == IV_PROTOCOL)
    iv_consent = next(d for d in documents if d["treatment"] == "iv_ketamine")
    return Context(
        clinic_id=clinic_id,
        staff=staff,
        protocol_version_id=iv_protocol["id"],
        protocol=shipped()[IV_PROTOCOL][1],
        consent_document_id=iv_consent["id"],
        consent_version=1,
        consent_sha256=iv_consent["body_sha256"],
        consent_text=iv_consent["body"],
        instruments=load_instruments(),
        parameters=parameters,
    )


def _flush(session: Session, rows: Rows, totals: dict[str, int]) -> None:
    for name in TABLES:
        found = rows.tables[name]
        if found:
            session.execute(insert(_table(name)), found)
            totals[name] += len(found)


def write(
    engine: Engine,
    patients: int,
    seed: int,
    slug: str,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> Result:
    """Build the clinic, then its patients ``batch`` at a time, each batch one transaction."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    parameters = load_parameters()
    factory = make_session_factory(engine)
    with factory.begin() as session:
        ctx = _setup(session, rng, slug, parameters)
    totals = dict.fromkeys(TABLES, 0)
    for first in range(1, patients + 1, batch):
        last = min(patients, first + batch - 1)
        rows = Rows()
        for number in range(first, last + 1):
            patient_rows(ctx, rng, rows, number)
        with factory.begin() as session:
            _flush(session, rows, totals)
        if progress is not None:
            progress(last - first + 1)
    counts = {"clinics": 1, "users": len(STAFF), "protocol_versions": len(shipped()),
              "consent_documents": len(consent_rules.TREATMENTS)} | totals  # fmt: skip
    with factory.begin() as session:
        audit.record(
            session,
            Actor.system("ketacare synth"),
            "synth.create",
            "clinic",
            ctx.clinic_id,
            clinic_id=ctx.clinic_id,
            details={"seed": seed, "patients": patients, "counts": counts},
        )
    # A bulk load leaves the query planner without statistics until autovacuum's analyze runs
    # (never, where autovacuum is off): one dashboard query then ran for minutes on PostgreSQL.
    with factory.begin() as session:
        session.execute(sql("ANALYZE"))
    return Result(str(ctx.clinic_id), slug, patients, counts)
