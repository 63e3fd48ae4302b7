"""Demo medications, problem lists, trial ledgers and signed eligibility assessments (synthetic)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ketacare.consent import service as consent_service
from ketacare.eligibility import assessments
from ketacare.eligibility import service as ledger
from ketacare.eligibility.adequacy import SHIPPED
from ketacare.eligibility.schemas import AssessmentCreate, TrialCreate
from ketacare.eligibility.settings import load_assessment_settings
from ketacare.eligibility.verdict import PregnancyStatus
from ketacare.kit.actor import Actor
from ketacare.kit.db.types import utcnow
from ketacare.medications import service as medications
from ketacare.medications.drugs import Drug
from ketacare.medications.schemas import MedicationCreate
from ketacare.patients import service as patients
from ketacare.patients.schemas import DiagnosisCreate, MeasurementCreate
from ketacare.protocols import service as protocols
from ketacare.treatment import courses, sessions

START = date(2025, 9, 1)
# (drug, daily dose in mg, frequency): demo prescriptions only, not dose guidance.
CURRENT = (
    ("sertraline", 150, "once daily"),
    ("venlafaxine", 225, "once daily"),
    ("bupropion", 300, "once daily"),
    ("escitalopram", 20, "once daily"),
    ("mirtazapine", 30, "at night"),
)
EXTRAS = (
    ("lorazepam", 1, "at night"),
    ("lamotrigine", 100, "twice daily"),
    ("amlodipine", 5, "once daily"),
    ("methylphenidate", 10, "twice daily"),
)
PAST_TRIALS = ("fluoxetine", "citalopram", "duloxetine", "nortriptyline", "aripiprazole")
PROBLEMS = (
    (0.2, "hypertension", "I10"),
    (0.06, "bipolar_disorder", "F31.81"),
    (0.05, "seizure_disorder", "G40.909"),
    (0.04, "substance_use_disorder", None),
)


def seed_history(
    session: Session,
    rng: random.Random,
    drugs: Mapping[str, Drug],
    patient_id: uuid.UUID,
    physician: Actor,
    assess: bool,
) -> None:
    drug, dose, frequency = rng.choice(CURRENT)
    _medicate(session, drugs, patient_id, physician, drug, dose, frequency)
    if rng.random() < 0.35:
        _medicate(session, drugs, patient_id, physician, *rng.choice(EXTRAS))
    for chance, condition, code in PROBLEMS:
        if rng.random() < chance:
            patients.add_diagnosis(
                session,
                physician,
                patient_id,
                DiagnosisCreate(icd10_code=code, condition=condition, onset_date=date(2019, 5, 1)),
            )
    for name in rng.sample(PAST_TRIALS, rng.randint(1, 4)):
        ledger.add_trial(
            session,
            physician,
            drugs,
            patient_id,
            TrialCreate(
                kind="augmentation" if name == "aripiprazole" else "antidepressant",
                name=name,
                weeks_at_dose=rng.choice((3, 6, 8, 10, 12)),
                adherence=rng.choice(("good", "good", "partial")),
                improvement_pct=rng.choice((0, 5, 10, 15, 20, 35)),
                started_on=START - timedelta(days=rng.randrange(120, 600)),
            ),
        )
    if assess:
        _assess(session, rng, drugs, patient_id, physician)


def sign_consent(session: Session, patient_id: uuid.UUID, witness: Actor) -> None:
    """The patient signs the clinic's current IV ketamine consent at the desk, today."""
    patient = patients.get(session, witness, patient_id, audit_view=False)
    document = consent_service.current_document(session, witness, "iv_ketamine")
    typed = f"{patient.given_name} {patient.family_name}"
    consent_service.sign(session, witness, patient_id, document.id, typed, date.today(), True)


def start_course(
    session: Session, patient_id: uuid.UUID, physician: Actor, nurse: Actor, check_in: bool
) -> None:
    """Weigh the patient today and start the IV literature protocol, if the assessment allows."""
    status = assessments.statuses(session, physician, patient_id)["iv_ketamine"]
    if status.needs_review or status.assessment is None:
        return
    if status.assessment.conclusion == "not_eligible":
        return
    chart = patients.chart(session, nurse, patient_id)
    weight = chart.weight_kg or 75.0
    patients.add_measurement(
        session, nurse, patient_id, MeasurementCreate(measured_at=utcnow(), weight_kg=weight)
    )
    iv = next(p for p in protocols.current(session, physician) if p.treatment == "iv_ketamine")
    today = date.today()
    course = courses.start(session, physician, patient_id, iv.id, today, today)
    if check_in:
        sessions.check_in(session, nurse, patient_id, course.id, utcnow())


def change_after_signing(
    session: Session, drugs: Mapping[str, Drug], patient_id: uuid.UUID, physician: Actor
) -> None:
    """A benzodiazepine started after the assessment: the worklist asks for a review."""
    _medicate(session, drugs, patient_id, physician, "clonazepam", 0.5, "at night")


def _medicate(
    session: Session,
    drugs: Mapping[str, Drug],
    patient_id: uuid.UUID,
    physician: Actor,
    drug: str,
    dose: float,
    frequency: str,
) -> None:
    data = MedicationCreate(
        drug_name=drug, dose_amount=dose, frequency=frequency, started_on=START, prescriber=None
    )
    medications.add(session, physician, drugs, patient_id, data)


def _assess(
    session: Session,
    rng: random.Random,
    drugs: Mapping[str, Drug],
    patient_id: uuid.UUID,
    physician: Actor,
) -> None:
    """Sign the computed conclusion; treating despite a relative contraindication is justified."""
    settings = load_assessment_settings()
    facts = assessments.gather(session, physician, drugs, SHIPPED, patient_id)
    pregnancy: PregnancyStatus = (
        "negative_test" if facts.chart.patient.sex == "female" else "not_applicable"
    )
    blood_pressure = (rng.randint(112, 146), rng.randint(68, 92))
    result = assessments.conclude(facts, settings, "iv_ketamine", pregnancy, blood_pressure)
    justification = ""
    if result.needs_justification_to_treat:
        justification = "Reviewed with the referring psychiatrist; benefits outweigh the risks."
    data = AssessmentCreate(
        treatment="iv_ketamine",
        systolic_mmhg=blood_pressure[0],
        diastolic_mmhg=blood_pressure[1],
        heart_rate_bpm=rng.randint(58, 92),
        pregnancy_status=pregnancy,
        episode_onset_on=START - timedelta(days=rng.randrange(200, 900)),
        episode_severity=rng.choice(("moderate", "severe", "severe")),
        conclusion=result.conclusion,
        justification=justification,
    )
    assessments.sign(session, physician, settings, drugs, SHIPPED, patient_id, data)
