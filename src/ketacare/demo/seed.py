"""Seed the demo clinic deterministically (fixed seed). Safe to run again: it seeds once."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from ketacare.accounts import service as accounts
from ketacare.accounts.repository import AccountsRepository
from ketacare.config import Settings
from ketacare.consent import service as consent_service
from ketacare.demo import calendar, care, history
from ketacare.kit.actor import Actor
from ketacare.medications.drugs import drug_table
from ketacare.patients import service as patients
from ketacare.patients.schemas import (
    AllergyCreate,
    DiagnosisCreate,
    MeasurementCreate,
    PatientCreate,
)
from ketacare.scales import service as scales
from ketacare.scales.definitions import Instrument, load_instruments

SEED = 20261128
CLINIC_SLUG = "demo"
DEMO_PASSWORD = "ketacare-demo-clinic"  # noqa: S105 - printed by `ketacare demo`; demo only
ANCHOR = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # fixed so the demo is the same on every machine

STAFF = (
    ("admin", "admin@demo.example.com", "Alex Admin"),
    ("physician", "physician@demo.example.com", "Dr Priya Physician"),
    ("nurse", "nurse@demo.example.com", "Noah Nurse"),
    ("therapist", "therapist@demo.example.com", "Tess Therapist"),
    ("front_desk", "frontdesk@demo.example.com", "Frankie Frontdesk"),
)
GIVEN = {
    "female": (
        "Amara",
        "Beth",
        "Chloe",
        "Dana",
        "Elena",
        "Fatima",
        "Grace",
        "Hana",
        "Ingrid",
        "Julia",
        "Keiko",
        "Lena",
        "Maya",
        "Nora",
        "Olivia",
        "Rosa",
        "Sara",
        "Yara",
    ),
    "male": (
        "Aaron",
        "Ben",
        "Carlos",
        "David",
        "Emil",
        "Felix",
        "Gabriel",
        "Hugo",
        "Ivan",
        "Jonas",
        "Kofi",
        "Liam",
        "Marco",
        "Nikhil",
        "Omar",
        "Pavel",
        "Ravi",
        "Tomas",
    ),
}
FAMILY = (
    "Abbott",
    "Baker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Yilmaz",
    "Zhou",
)
REFERRERS = (
    "Dr M. Hollis (primary care)",
    "Dr S. Okoye (psychiatry)",
    "Dr J. Brandt (psychiatry)",
    "Self-referral",
)
ALLERGENS = (
    ("Penicillin", "rash"),
    ("Sulfonamides", "hives"),
    ("Latex", "contact dermatitis"),
    ("Codeine", "nausea"),
    ("Peanuts", "anaphylaxis"),
)
DIAGNOSES = ("F33.1", "F33.2", "F33.2", "F33.3", "F32.2", "F33.9")


@dataclass(frozen=True)
class DemoResult:
    created: bool
    patients: int
    logins: tuple[tuple[str, str], ...]


def seed(session: Session, settings: Settings, patient_count: int = 40) -> DemoResult:
    logins = tuple((email, role) for role, email, _ in STAFF)
    existing = AccountsRepository(session).clinic_by_slug(CLINIC_SLUG)
    if existing is not None:
        return DemoResult(False, 0, logins)
    system = Actor.system("demo seed")
    clinic = accounts.create_clinic(session, system, "Demo Ketamine Clinic", CLINIC_SLUG)
    users = {
        role: accounts.create_user(
            session,
            settings,
            system,
            clinic,
            email=email,
            full_name=name,
            role=role,
            password=DEMO_PASSWORD,
        )
        for role, email, name in STAFF
    }
    nurse = accounts.actor_for(users["nurse"])
    physician = accounts.actor_for(users["physician"])
    desk = accounts.actor_for(users["front_desk"])
    therapist = accounts.actor_for(users["therapist"])
    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data, not secrets
    instruments = load_instruments()
    drugs = drug_table(settings.extra_drugs_file)
    consent_service.ensure_defaults(session, physician)
    for number in range(1, patient_count + 1):
        patient_id = _seed_patient(session, rng, number, desk, nurse, physician)
        scored = number % 2 == 0
        if scored:
            _seed_scores(session, rng, instruments, patient_id, nurse, physician)
        history.seed_history(session, rng, drugs, patient_id, physician, assess=scored)
        if scored:
            history.sign_consent(session, patient_id, desk)
        if number % 10 == 0:
            history.change_after_signing(session, drugs, patient_id, physician)
        elif number % 4 == 0:
            history.start_course(session, patient_id, physician, nurse, check_in=number <= 12)
            care.seed_care(session, rng, patient_id, therapist, physician, date.today())
    calendar.seed_calendar(session, settings, desk)
    return DemoResult(True, patient_count, logins)


def _seed_patient(
    session: Session, rng: random.Random, number: int, desk: Actor, nurse: Actor, physician: Actor
) -> uuid.UUID:
    sex = "female" if rng.random() < 0.6 else "male"
    born = date(1952, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
    patient = patients.register(
        session,
        desk,
        PatientCreate(
            mrn=f"KC{number:06d}",
            given_name=rng.choice(GIVEN[sex]),
            family_name=rng.choice(FAMILY),
            date_of_birth=born,
            sex=sex,
            phone=f"+1 555 01{number:02d}",
            email=f"patient{number:02d}@example.com",
            referring_clinician=rng.choice(REFERRERS),
        ),
    )
    height = round(rng.gauss(176 if sex == "male" else 163, 7), 0)
    weight = round(rng.gauss(84 if sex == "male" else 70, 13), 1)
    for visit in range(rng.randint(1, 3)):
        when = ANCHOR - timedelta(days=30 * (3 - visit) + rng.randrange(0, 10))
        patients.add_measurement(
            session,
            nurse,
            patient.id,
            MeasurementCreate(
                measured_at=when,
                weight_kg=round(weight + rng.uniform(-2, 2), 1),
                height_cm=height if visit == 0 else None,
            ),
        )
    if rng.random() < 0.3:
        substance, reaction = rng.choice(ALLERGENS)
        patients.add_allergy(
            session,
            nurse,
            patient.id,
            AllergyCreate(substance=substance, reaction=reaction, severity="moderate"),
        )
    patients.add_diagnosis(
        session, physician, patient.id, DiagnosisCreate(icd10_code=rng.choice(DIAGNOSES))
    )
    return patient.id


def _seed_scores(
    session: Session,
    rng: random.Random,
    instruments: dict[str, Instrument],
    patient_id: uuid.UUID,
    nurse: Actor,
    physician: Actor,
) -> None:
    """Weekly PHQ-9 (and MADRS every other week) drifting down, as over a course of infusions."""
    phq9, madrs = instruments["phq9"], instruments["madrs"]
    severity = rng.uniform(0.55, 0.9)
    improvement = rng.uniform(0.0, 0.12)
    for week in range(6):
        level = max(0.0, severity - improvement * week)
        when = ANCHOR + timedelta(days=7 * week)
        answers = {item.id: min(3, max(0, round(rng.gauss(level * 3, 0.6)))) for item in phq9.items}
        answers["9"] = 1 if (week == 5 and rng.random() < 0.2) else 0
        scales.record_response(session, nurse, phq9, patient_id, answers, administered_at=when)
        if week % 2 == 0:
            rated = {
                item.id: min(6, max(0, round(rng.gauss(level * 5, 1.0)))) for item in madrs.items
            }
            rated["10"] = min(rated["10"], 2)
            scales.record_response(
                session,
                physician,
                madrs,
                patient_id,
                rated,
                administered_at=when + timedelta(hours=1),
            )
