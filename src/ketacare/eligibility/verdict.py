"""The eligibility conclusion for one treatment from everything gathered before the first dose. Pure.

Safety rules come from ``screening``; the assessment adds what the rules cannot see: the blood
pressure today, pregnancy status, whether treatment resistance is established, a baseline score and
open suicidality alerts. Each reason carries its strength, the action and the source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ketacare.eligibility.screening import Conclusion, Finding, SafetyRule, Treatment, screen

PregnancyStatus = Literal["not_applicable", "negative_test", "pregnant", "breastfeeding", "unknown"]
ReasonStrength = Literal["absolute", "relative", "precaution", "interaction"]
_RANK: dict[Conclusion, int] = {"not_eligible": 0, "eligible_with_precautions": 1, "eligible": 2}


@dataclass(frozen=True)
class BloodPressureLimit:
    """Above either value, dosing should be reconsidered. Where it comes from is shown with it."""

    systolic_mmhg: int
    diastolic_mmhg: int
    source: str


@dataclass(frozen=True)
class Inputs:
    treatment: Treatment
    conditions: frozenset[str]
    drug_classes: frozenset[str]
    sex: str
    pregnancy_status: PregnancyStatus
    blood_pressure: tuple[int, int] | None  # systolic, diastolic in mmHg; None until measured
    bp_limit: BloodPressureLimit
    failed_adequate_treatments: int
    has_baseline_score: bool
    open_safety_alerts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    strength: ReasonStrength
    finding: str
    action: str
    source: str

    @property
    def text(self) -> str:
        return f"{self.strength}: {self.finding} -> {self.action}"


@dataclass(frozen=True)
class Result:
    conclusion: Conclusion
    reasons: tuple[Reason, ...]

    @property
    def needs_justification_to_treat(self) -> bool:
        """Relative contraindications and "not eligible" both need a written justification."""
        return any(r.strength in ("absolute", "relative") for r in self.reasons)


def _from_finding(finding: Finding) -> Reason:
    rule = finding.rule
    strength: ReasonStrength = "interaction" if rule.strength == "info" else rule.strength
    return Reason(strength, rule.finding, rule.action, rule.source)


def _pregnancy_conditions(status: PregnancyStatus) -> set[str]:
    return {"pregnant": {"pregnancy"}, "breastfeeding": {"lactation"}}.get(status, set())


def _extra_reasons(inputs: Inputs) -> list[Reason]:
    reasons = []
    if inputs.pregnancy_status == "unknown" and inputs.sex == "female":
        reasons.append(
            Reason(
                "precaution",
                "Pregnancy status unknown",
                "Test (urine or serum beta-hCG) before the first dose, as in trial practice.",
                "clinical.md §1b: Cochrane CD011612 trial tables; Spravato PI",
            )
        )
    limit = inputs.bp_limit
    if inputs.blood_pressure is None:
        reasons.append(
            Reason(
                "precaution",
                "Blood pressure not measured for this assessment",
                "Measure it before signing.",
                "clinical.md §1b: baseline BP before treatment",
            )
        )
    elif (
        inputs.blood_pressure[0] > limit.systolic_mmhg
        or inputs.blood_pressure[1] > limit.diastolic_mmhg
    ):
        systolic, diastolic = inputs.blood_pressure
        reasons.append(
            Reason(
                "precaution",
                f"Blood pressure {systolic}/{diastolic} mmHg is above "
                f"{limit.systolic_mmhg}/{limit.diastolic_mmhg}",
                "Consider delaying the first dose; recheck before dosing.",
                limit.source,
            )
        )
    if inputs.failed_adequate_treatments < 2:
        reasons.append(
            Reason(
                "precaution",
                f"Treatment resistance not established: {inputs.failed_adequate_treatments} "
                "failed adequate treatment(s) in the current episode, EU-PEARL asks for 2",
                "Complete the trial ledger, or document why ketamine is indicated.",
                "Sforzini L et al., Mol Psychiatry 2022 (EU-PEARL); clinical.md §4a",
            )
        )
    if not inputs.has_baseline_score:
        reasons.append(
            Reason(
                "precaution",
                "No baseline depression score (MADRS, PHQ-9, QIDS-SR16 or HAM-D17)",
                "Record one before the first dose, so the response can be judged.",
                "Measurement-based care; outcome definitions in clinical.md §5a",
            )
        )
    for alert in inputs.open_safety_alerts:
        reasons.append(
            Reason(
                "precaution",
                f"Open suicidality alert: {alert}",
                "Review the level of care first; esketamine is not for use in place of "
                "hospitalisation.",
                "clinical.md §2a: spravato.com limitations of use",
            )
        )
    return reasons


def assess(inputs: Inputs, rules: Iterable[SafetyRule] | None = None) -> Result:
    conditions = set(inputs.conditions) | _pregnancy_conditions(inputs.pregnancy_status)
    findings = screen(conditions, inputs.drug_classes, inputs.treatment, rules)
    reasons = [_from_finding(f) for f in findings if f.rule.strength != "info"]
    reasons += _extra_reasons(inputs)
    reasons.sort(
        key=lambda r: ("absolute", "relative", "precaution", "interaction").index(r.strength)
    )
    if any(r.strength == "absolute" for r in reasons):
        return Result("not_eligible", tuple(reasons))
    return Result("eligible_with_precautions" if reasons else "eligible", tuple(reasons))


def justification_problem(
    result: Result, final: Conclusion, justification: str, minimum_length: int
) -> str | None:
    """Why the physician's sign-off needs (more) justification, or None when it stands."""
    more_permissive = _RANK[final] > _RANK[result.conclusion]
    treating_despite = final != "not_eligible" and result.needs_justification_to_treat
    if (more_permissive or treating_despite) and len(justification.strip()) < minimum_length:
        why = "overriding the computed conclusion" if more_permissive else "treating despite a "
        if not more_permissive:
            why += "relative or absolute contraindication"
        return f"needs at least {minimum_length} characters when {why}"
    return None


def fingerprint(facts: Iterable[str]) -> str:
    """A stable digest of the facts an assessment rests on; it changes when any fact changes."""
    return hashlib.sha256(json.dumps(sorted(set(facts))).encode()).hexdigest()
