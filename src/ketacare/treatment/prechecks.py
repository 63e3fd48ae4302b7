"""Pre-session gates from the protocol and the patient's record. Pure once the facts are read."""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.protocols.schema import Protocol

# Drug classes a session should not follow on the same day (clinical.md §1b: hold benzodiazepines
# the day before and the day of infusion; CNS depressants add sedation, §2b).
HOLD_CLASSES = ("benzodiazepine", "z_drug", "opioid")


@dataclass(frozen=True)
class PrecheckFacts:
    identity_confirmed: bool
    consent_valid: bool
    consent_reason: str
    fasted_as_required: bool
    escort_present: bool
    pregnancy_test_needed: bool
    pregnancy_test_negative_today: bool
    hold_classes_current: tuple[str, ...]  # of the patient's current medications
    hold_taken_today: bool
    eligibility_current: bool
    eligibility_reason: str
    systolic_mmhg: int
    diastolic_mmhg: int
    open_suicidality_alerts: tuple[str, ...]


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str


def gates(protocol: Protocol, facts: PrecheckFacts) -> list[Gate]:
    """Every gate with whether it passed and why; a failed gate blocks dosing."""
    g = protocol.gates
    found = [
        Gate("Identity", facts.identity_confirmed, "two identifiers checked at the chair"),
        Gate("Consent", facts.consent_valid, facts.consent_reason),
        Gate(
            "Fasting",
            facts.fasted_as_required,
            f"solids {g.fasting_solids_hours:g} h, liquids {g.fasting_liquids_hours:g} h before",
        ),
        Gate(
            "Escort",
            facts.escort_present or not g.escort_required,
            "a responsible adult takes the patient home" if g.escort_required else "not required",
        ),
        Gate("Eligibility", facts.eligibility_current, facts.eligibility_reason),
        Gate(
            "Blood pressure",
            facts.systolic_mmhg <= g.max_systolic_mmhg
            and facts.diastolic_mmhg <= g.max_diastolic_mmhg,
            f"{facts.systolic_mmhg}/{facts.diastolic_mmhg} mmHg; the protocol starts at most "
            f"{g.max_systolic_mmhg}/{g.max_diastolic_mmhg}",
        ),
        Gate(
            "Suicidality",
            not facts.open_suicidality_alerts,
            "; ".join(facts.open_suicidality_alerts) or "no open alert",
        ),
    ]
    if facts.pregnancy_test_needed:
        found.append(
            Gate("Pregnancy test", facts.pregnancy_test_negative_today, "negative test today")
        )
    if facts.hold_classes_current:
        classes = ", ".join(facts.hold_classes_current)
        found.append(
            Gate(
                "Medication hold",
                not facts.hold_taken_today,
                f"takes {classes}: not to be taken on the day of treatment",
            )
        )
    return found
