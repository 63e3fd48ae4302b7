"""A synthetic patient's registration, history, scores, eligibility and consent (rows only)."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from ketacare.eligibility.verdict import fingerprint
from ketacare.patients.service import DEMOGRAPHIC_FIELDS
from ketacare.scales.definitions import Instrument
from ketacare.scales.scoring import ScoreResult, score
from ketacare.scales.service import alert_reasons
from ketacare.synth.rows import Context, Row, Rows, Setup, at, record

GIVEN = {
    "female": ("Amara", "Beth", "Chloe", "Dana", "Elena", "Fatima", "Grace", "Hana", "Ingrid",
               "Julia", "Keiko", "Lena", "Maya", "Nora", "Olivia", "Rosa", "Sara", "Yara"),
    "male": ("Aaron", "Ben", "Carlos", "David", "Emil", "Felix", "Gabriel", "Hugo", "Ivan",
             "Jonas", "Kofi", "Liam", "Marco", "Nikhil", "Omar", "Pavel", "Ravi", "Tomas"),
}  # fmt: skip
FAMILY = ("Abbott", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
          "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn",
          "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Walsh", "Yilmaz", "Zhou")  # fmt: skip
DIAGNOSES = (
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
)
# (drug, daily dose mg, frequency): synthetic prescriptions, not dose guidance.
CURRENT = (
    ("sertraline", 150.0, "once daily"),
    ("venlafaxine", 225.0, "once daily"),
    ("bupropion", 300.0, "once daily"),
    ("escitalopram", 20.0, "once daily"),
    ("mirtazapine", 30.0, "at night"),
)
SUICIDALITY_ITEMS = frozenset({("phq9", "9"), ("madrs", "10")})
PAST = ("fluoxetine", "citalopram", "duloxetine", "nortriptyline", "vortioxetine")


def clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def answers_for(
    ctx: Context, rng: random.Random, instrument_id: str, level: float
) -> dict[str, int]:
    """Item answers around ``level`` (0 = none, 1 = the most severe option of every item)."""
    instrument = ctx.instruments[instrument_id]
    answers = {}
    for item in instrument.items:
        values = sorted(option.value for option in instrument.options_for(item))
        mean, spread = level * (len(values) - 1), 0.7
        if (instrument_id, item.id) in SUICIDALITY_ITEMS:
            # Rarer than the other symptoms: a synthetic-data choice (no reference number).
            mean, spread = mean * 0.15, 0.45
        answers[item.id] = values[clamp(rng.gauss(mean, spread), 0, len(values) - 1)]
    return answers


def add_response(
    ctx: Context,
    rng: random.Random,
    rows: Rows,
    patient_id: uuid.UUID,
    instrument_id: str,
    level: float,
    when: datetime,
) -> Row:
    """A scored response around ``level`` (the app's own scoring) and, if it flags, an alert."""
    answers = answers_for(ctx, rng, instrument_id, level)
    by = ctx.staff.physician if instrument_id == "madrs" else ctx.staff.nurse
    return add_answers(ctx, rng, rows, patient_id, instrument_id, answers, when, by)


_SCORED: dict[tuple[str, tuple[tuple[str, int], ...]], ScoreResult] = {}
CACHED = frozenset({"cadss6", "moaas", "aldrete"})  # few distinct answer sets: score each once


def _score(instrument: Instrument, answers: dict[str, int]) -> ScoreResult:
    if instrument.id not in CACHED:
        return score(instrument, answers)
    key = (instrument.id, tuple(sorted(answers.items())))
    found = _SCORED.get(key)
    if found is None:
        found = _SCORED[key] = score(instrument, answers)
    return found


def add_answers(
    ctx: Context,
    rng: random.Random,
    rows: Rows,
    patient_id: uuid.UUID,
    instrument_id: str,
    answers: dict[str, int],
    when: datetime,
    by: uuid.UUID,
) -> Row:
    """A response with the given answers, scored by the app's own scoring; alerts as the app
    raises them (acknowledged an hour later)."""
    instrument = ctx.instruments[instrument_id]
    result = _score(instrument, answers)
    response = rows.add(
        "scale_responses",
        **record(ctx, rng, by, when),
        patient_id=patient_id,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        administered_at=when,
        source="clinician",
        link_id=None,
        answers=answers,
        total=result.total,
        severity=result.severity,
        risk=result.risk,
        subscores=dict(result.subscores),
        flags=[flag.name for flag in result.flags],
        loinc_panel=instrument.loinc_panel,
        loinc_total=instrument.loinc_total,
    )
    for kind, reason in alert_reasons(instrument, result):
        seen = when + timedelta(hours=1)
        rows.add(
            "safety_alerts",
            **record(ctx, rng, by, when),
            patient_id=patient_id,
            response_id=response["id"],
            kind=kind,
            reason=reason,
            acknowledged_at=seen,
            acknowledged_by=ctx.staff.physician,
            action_note="Safety assessed with the patient; plan in place (synthetic).",
        )
    return response


def register(ctx: Context, rng: random.Random, rows: Rows, number: int, intake: date) -> Row:
    """Patient, first revision, weight and height, diagnosis, medication and trial ledger."""
    p = ctx.parameters.demographics
    sex = "female" if rng.random() < p.female_share else "male"
    age = clamp(rng.gauss(p.age_mean, p.age_sd), p.age_min, p.age_max)
    born = intake - timedelta(days=365 * age + rng.randrange(0, 365))
    when = at(intake, 9)
    desk = ctx.staff.nurse
    patient = rows.add(
        "patients",
        **record(ctx, rng, desk, when),
        mrn=f"SY{number:07d}",
        given_name=rng.choice(GIVEN[sex]),
        family_name=rng.choice(FAMILY),
        date_of_birth=born,
        sex=sex,
        phone=f"+1 555 {number % 10_000_000:07d}",
        email=f"synth{number}@example.org",
        address=None,
        referring_clinician=None,
        revision=1,
    )
    snapshot = {name: patient[name] for name in DEMOGRAPHIC_FIELDS}
    snapshot["date_of_birth"] = born.isoformat()
    patient_id = patient["id"]
    rows.add(
        "patient_revisions",
        **record(ctx, rng, desk, when),
        patient_id=patient_id,
        revision=1,
        snapshot=snapshot,
        changed_fields=[],
        reason="registration",
    )
    height = round(rng.gauss(176 if sex == "male" else 163, 7))
    rows.add(
        "body_measurements",
        **record(ctx, rng, desk, when),
        patient_id=patient_id,
        measured_at=when,
        weight_kg=round(max(45.0, rng.gauss(84 if sex == "male" else 70, 13)), 1),
        height_cm=float(height),
    )
    return patient


def history(
    ctx: Context, rng: random.Random, rows: Rows, patient: Row, intake: date, setup: Setup
) -> None:
    """Diagnosis, current antidepressant, past trials; then the signed eligibility assessment."""
    doctor, when, patient_id = ctx.staff.physician, at(intake, 10), patient["id"]
    code, description = rng.choice(DIAGNOSES)
    problem = rows.add(
        "diagnoses",
        **record(ctx, rng, doctor, when),
        patient_id=patient_id,
        icd10_code=code,
        condition=None,
        description=description,
        onset_date=intake - timedelta(days=rng.randrange(200, 900)),
        resolved_on=None,
        resolved_by=None,
        resolved_at=None,
    )
    drug, dose, frequency = rng.choice(CURRENT)
    medication = rows.add(
        "patient_medications",
        **record(ctx, rng, doctor, when),
        patient_id=patient_id,
        drug_name=drug,
        dose_amount=dose,
        dose_unit="mg",
        frequency=frequency,
        started_on=intake - timedelta(days=rng.randrange(60, 365)),
        prescriber=None,
        stopped_on=None,
        stopped_by=None,
        stopped_at=None,
        stop_reason=None,
    )
    for name in rng.sample(PAST, rng.randint(2, 4)):
        rows.add(
            "treatment_trials",
            **record(ctx, rng, doctor, when),
            patient_id=patient_id,
            kind="antidepressant",
            name=name,
            drug_class=None,
            highest_daily_dose_mg=None,
            weeks_at_dose=float(rng.choice((6, 8, 10, 12))),
            adherence="good",
            improvement_pct=float(rng.choice((0, 5, 10, 15, 20))),
            adequate_dose=True,
            current_episode=True,
            bilateral=False,
            started_on=intake - timedelta(days=rng.randrange(400, 900)),
            reason_stopped="insufficient response",
        )
    tracked = {
        f"med:{medication['id']}:{dose:g}mg:{frequency}": f"{drug} {dose:g} mg {frequency}",
        f"problem:{problem['id']}:None": description,
    }
    v = ctx.parameters.vitals
    rows.add(
        "eligibility_assessments",
        **record(ctx, rng, doctor, when),
        patient_id=patient_id,
        treatment=setup.treatment,
        systolic_mmhg=clamp(rng.gauss(v.baseline_systolic_mean, v.baseline_systolic_sd), 100, 139),
        diastolic_mmhg=clamp(rng.gauss(v.baseline_diastolic_mean, v.baseline_diastolic_sd), 60, 89),
        heart_rate_bpm=clamp(
            rng.gauss(v.baseline_heart_rate_mean, v.baseline_heart_rate_sd), 50, 110
        ),
        pregnancy_status="negative_test" if patient["sex"] == "female" else "not_applicable",
        episode_onset_on=problem["onset_date"],
        episode_severity=rng.choice(("moderate", "severe", "severe")),
        computed_conclusion="eligible",
        conclusion="eligible",
        justification=None,
        reasons=[],
        snapshot={"tracked": tracked, "synthetic": True},
        facts_fingerprint=fingerprint(tracked),
    )
    signed = at(intake, 11)
    rows.add(
        "consent_signatures",
        **record(ctx, rng, ctx.staff.nurse, signed),
        patient_id=patient_id,
        document_id=setup.consent_document_id,
        treatment=setup.treatment,
        document_version=setup.consent_version,
        document_sha256=setup.consent_sha256,
        signed_text=setup.consent_text,
        typed_name=f"{patient['given_name']} {patient['family_name']}",
        signed_on=intake,
        signed_at=signed,
        witnessed_by=ctx.staff.nurse,
        withdrawn_at=None,
        withdrawn_by=None,
        withdrawal_reason=None,
    )
