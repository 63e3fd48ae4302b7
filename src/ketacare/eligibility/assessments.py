"""Eligibility assessments: gather the facts, conclude, sign, and notice when the facts change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.eligibility import service as ledger
from ketacare.eligibility import staging, verdict
from ketacare.eligibility.adequacy import AdequacyTable
from ketacare.eligibility.models import EligibilityAssessment
from ketacare.eligibility.schemas import AssessmentCreate
from ketacare.eligibility.screening import Treatment
from ketacare.eligibility.settings import AssessmentSettings
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.medications import service as medications_service
from ketacare.medications.drugs import Drug
from ketacare.medications.models import PatientMedication
from ketacare.patients import service as patients_service
from ketacare.patients.models import Diagnosis
from ketacare.scales import service as scales_service
from ketacare.scales.models import SafetyAlert

TREATMENTS: tuple[Treatment, ...] = ("iv_ketamine", "esketamine")
TREATMENT_NAMES: dict[str, str] = {"iv_ketamine": "IV ketamine", "esketamine": "Esketamine"}
BASELINE_INSTRUMENTS = ("madrs", "phq9", "qids_sr16", "hamd17")


@dataclass(frozen=True)
class BaselineScore:
    instrument_id: str
    total: int
    severity: str
    administered_on: date


@dataclass(frozen=True)
class Facts:
    """Everything the assessment page shows and the conclusion rests on, read once."""

    chart: patients_service.Chart
    medications: list[PatientMedication]
    problems: list[Diagnosis]
    conditions: frozenset[str]
    drug_classes: frozenset[str]
    staging: ledger.Staging
    scores: list[BaselineScore]
    open_alerts: list[SafetyAlert]
    tracked: dict[str, str]  # medication and problem facts whose change makes a signature stale

    @property
    def fingerprint(self) -> str:
        return verdict.fingerprint(self.tracked)


def _tracked(medications: list[PatientMedication], problems: list[Diagnosis]) -> dict[str, str]:
    facts = {
        f"med:{m.id}:{m.dose_amount:g}{m.dose_unit}:{m.frequency}": (
            f"{m.drug_name} {m.dose_amount:g} {m.dose_unit} {m.frequency}"
        )
        for m in medications
    }
    for p in problems:
        label = p.description + (f" (resolved {p.resolved_on:%Y-%m-%d})" if p.resolved_on else "")
        facts[f"problem:{p.id}:{p.resolved_on}"] = label
    return facts


def gather(
    session: Session,
    actor: Actor,
    drugs: Mapping[str, Drug],
    adequacy: AdequacyTable,
    patient_id: uuid.UUID,
) -> Facts:
    chart = patients_service.chart(session, actor, patient_id)
    medications = medications_service.medications(session, actor, patient_id)
    problems = chart.diagnoses
    classes = medications_service.current_drug_classes(session, actor, drugs, patient_id)
    latest: dict[str, BaselineScore] = {}
    for row in scales_service.responses(session, actor, patient_id):
        if row.instrument_id in BASELINE_INSTRUMENTS and row.total is not None:
            latest[row.instrument_id] = BaselineScore(
                row.instrument_id, row.total, row.severity or "", row.administered_at.date()
            )
    audit.record(
        session,
        actor,
        "eligibility_assessment.view",
        "eligibility_assessment",
        patient_id=patient_id,
    )
    return Facts(
        chart=chart,
        medications=medications,
        problems=problems,
        conditions=frozenset(patients_service.screened_conditions(session, actor, patient_id)),
        drug_classes=frozenset(classes),
        staging=ledger.staging_of(session, actor, patient_id, adequacy),
        scores=sorted(latest.values(), key=lambda s: BASELINE_INSTRUMENTS.index(s.instrument_id)),
        open_alerts=[
            a
            for a in scales_service.alerts_of_patient(session, actor, patient_id)
            if a.acknowledged_at is None
        ],
        tracked=_tracked(medications, problems),
    )


def conclude(
    facts: Facts,
    settings: AssessmentSettings,
    treatment: Treatment,
    pregnancy_status: verdict.PregnancyStatus = "unknown",
    blood_pressure: tuple[int, int] | None = None,
) -> verdict.Result:
    return verdict.assess(
        verdict.Inputs(
            treatment=treatment,
            conditions=facts.conditions,
            drug_classes=facts.drug_classes,
            sex=facts.chart.patient.sex,
            pregnancy_status=pregnancy_status,
            blood_pressure=blood_pressure,
            bp_limit=settings.bp_limit(treatment),
            failed_adequate_treatments=facts.staging.eu_pearl.failed_treatments,
            has_baseline_score=bool(facts.scores),
            open_safety_alerts=tuple(a.reason for a in facts.open_alerts),
        )
    )


def maudsley_of(
    facts: Facts, onset: date | None, severity: str | None, today: date | None = None
) -> staging.Maudsley | None:
    """The Maudsley score once the episode's onset and severity are known."""
    if onset is None or severity is None:
        return None
    today = today or date.today()
    months = (today.year - onset.year) * 12 + today.month - onset.month
    current = [
        (trial, judgement)
        for trial, judgement in zip(facts.staging.trials, facts.staging.judgements, strict=True)
        if trial.current_episode
    ]
    return staging.maudsley(
        episode_months=max(months, 0),
        severity=severity,  # type: ignore[arg-type]  # validated by the form's schema
        failed_antidepressants=sum(
            1 for t, j in current if t.kind == "antidepressant" and j.counts_as_failure
        ),
        augmentation_used=any(t.kind == "augmentation" for t, _ in current),
        ect_used=any(t.kind == "ect" for t, _ in current),
    )


def _check_readings(data: AssessmentCreate, settings: AssessmentSettings) -> None:
    problems = []
    for name in ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm"):
        value = getattr(data, name)
        low, high = settings.entry_range(name)
        if value is not None and not low <= value <= high:
            problems.append(
                FieldProblem(name, f"must be between {low} and {high}", {"min": low, "max": high})
            )
    if not problems and data.diastolic_mmhg >= data.systolic_mmhg:
        problems.append(FieldProblem("diastolic_mmhg", "must be lower than the systolic pressure"))
    if problems:
        raise InvalidInput(problems)


def sign(
    session: Session,
    actor: Actor,
    settings: AssessmentSettings,
    drugs: Mapping[str, Drug],
    adequacy: AdequacyTable,
    patient_id: uuid.UUID,
    data: AssessmentCreate,
) -> EligibilityAssessment:
    _check_readings(data, settings)
    facts = gather(session, actor, drugs, adequacy, patient_id)
    result = conclude(
        facts,
        settings,
        data.treatment,
        data.pregnancy_status,
        (data.systolic_mmhg, data.diastolic_mmhg),
    )
    problem = verdict.justification_problem(
        result, data.conclusion, data.justification, settings.justification.minimum_characters
    )
    if problem:
        raise InvalidInput.one("justification", problem)
    maudsley = maudsley_of(facts, data.episode_onset_on, data.episode_severity)
    row = EligibilityAssessment(
        clinic_id=facts.chart.patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient_id,
        treatment=data.treatment,
        systolic_mmhg=data.systolic_mmhg,
        diastolic_mmhg=data.diastolic_mmhg,
        heart_rate_bpm=data.heart_rate_bpm,
        pregnancy_status=data.pregnancy_status,
        episode_onset_on=data.episode_onset_on,
        episode_severity=data.episode_severity,
        computed_conclusion=result.conclusion,
        conclusion=data.conclusion,
        justification=data.justification.strip() or None,
        reasons=[vars(r) for r in result.reasons],
        snapshot=_snapshot(facts, maudsley),
        facts_fingerprint=facts.fingerprint,
    )
    AssessmentRepository(session, actor).add(row)
    audit.record(
        session,
        actor,
        "eligibility_assessment.sign",
        "eligibility_assessment",
        row.id,
        patient_id=patient_id,
        details={
            "treatment": data.treatment,
            "computed": result.conclusion,
            "signed": data.conclusion,
            "override": data.conclusion != result.conclusion,
        },
    )
    return row


def _snapshot(facts: Facts, maudsley: staging.Maudsley | None) -> dict[str, Any]:
    eu_pearl = facts.staging.eu_pearl
    return {
        "tracked": facts.tracked,
        "conditions": sorted(facts.conditions),
        "drug_classes": sorted(facts.drug_classes),
        "weight_kg": facts.chart.weight_kg,
        "bmi": facts.chart.bmi,
        "eu_pearl_failed_treatments": eu_pearl.failed_treatments,
        "thase_rush_stage": facts.staging.thase_rush.roman,
        "maudsley_total": maudsley.total if maudsley else None,
        "maudsley_band": maudsley.band if maudsley else None,
        "scores": [
            vars(s) | {"administered_on": s.administered_on.isoformat()} for s in facts.scores
        ],
        "open_alerts": [a.reason for a in facts.open_alerts],
    }


class AssessmentRepository(ClinicScopedRepository):
    def of_patient(self, patient_id: uuid.UUID) -> list[EligibilityAssessment]:
        statement = select(EligibilityAssessment).where(
            EligibilityAssessment.clinic_id == self.clinic_id,
            EligibilityAssessment.patient_id == patient_id,
            EligibilityAssessment.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(EligibilityAssessment.created_at)))

    def latest_per_patient(self) -> list[EligibilityAssessment]:
        statement = select(EligibilityAssessment).where(
            EligibilityAssessment.clinic_id == self.clinic_id,
            EligibilityAssessment.voided_at.is_(None),
        )
        latest: dict[tuple[uuid.UUID, str], EligibilityAssessment] = {}
        for row in self.session.scalars(statement.order_by(EligibilityAssessment.created_at)):
            latest[(row.patient_id, row.treatment)] = row
        return list(latest.values())


@dataclass(frozen=True)
class Status:
    """The standing of a patient's eligibility for one treatment, for pages and sessions."""

    treatment: Treatment
    assessment: EligibilityAssessment | None
    changes: tuple[str, ...] = field(default=())

    @property
    def out_of_date(self) -> bool:
        return bool(self.changes)

    @property
    def needs_review(self) -> bool:
        return self.assessment is None or self.out_of_date


def changes_since(row: EligibilityAssessment, tracked: Mapping[str, str]) -> tuple[str, ...]:
    """What changed in the medication and problem lists since the assessment was signed."""
    if verdict.fingerprint(tracked) == row.facts_fingerprint:
        return ()
    then: dict[str, str] = row.snapshot.get("tracked", {})
    added = [f"new: {label}" for key, label in tracked.items() if key not in then]
    gone = [f"no longer: {label}" for key, label in then.items() if key not in tracked]
    return tuple(added + gone) or ("the medication or problem list changed",)


def statuses(
    session: Session, actor: Actor, patient_id: uuid.UUID, facts: Facts | None = None
) -> dict[Treatment, Status]:
    rows = AssessmentRepository(session, actor).of_patient(patient_id)
    tracked = facts.tracked if facts else current_tracked(session, actor, patient_id)
    result: dict[Treatment, Status] = {}
    for treatment in TREATMENTS:
        signed = [r for r in rows if r.treatment == treatment]
        last = signed[-1] if signed else None
        result[treatment] = Status(treatment, last, changes_since(last, tracked) if last else ())
    return result


def status_for(session: Session, actor: Actor, patient_id: uuid.UUID, treatment: str) -> Status:
    """One treatment's status, from a stored treatment name (checked by the tables' CHECKs)."""
    found = statuses(session, actor, patient_id)
    for key, status in found.items():
        if key == treatment:
            return status
    raise ValueError(f"unknown treatment {treatment!r}")


def current_tracked(session: Session, actor: Actor, patient_id: uuid.UUID) -> dict[str, str]:
    medications = medications_service.medications(session, actor, patient_id)
    problems = patients_service.problems(session, actor, patient_id)
    return _tracked(medications, problems)


def out_of_date(session: Session, actor: Actor) -> list[tuple[EligibilityAssessment, Status]]:
    """Signed assessments whose facts have changed since: the physician's review list."""
    found = []
    for row in AssessmentRepository(session, actor).latest_per_patient():
        changes = changes_since(row, current_tracked(session, actor, row.patient_id))
        if changes:
            found.append((row, Status(row.treatment, row, changes)))  # type: ignore[arg-type]
    audit.record(
        session,
        actor,
        "eligibility_assessment.review_list",
        "eligibility_assessment",
        details={"out_of_date": len(found)},
    )
    return found
