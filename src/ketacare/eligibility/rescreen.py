"""Re-run the safety screening after a medication or problem change.

A signed assessment keeps the conditions and drug classes it rested on. When either list changes,
the rules run again on today's facts, and whatever they find that they did not find at signing is
flagged on the chart and on the patient's next treatment session until a physician reviews.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ketacare.eligibility import assessments, screening
from ketacare.eligibility.screening import Treatment
from ketacare.kit.actor import Actor
from ketacare.medications import service as medications_service
from ketacare.medications.drugs import Drug
from ketacare.patients import service as patients_service


@dataclass(frozen=True)
class Flag:
    """One rule that fires now but did not when the assessment was signed."""

    strength: str
    finding: str
    action: str
    source: str
    matched: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.strength}: {self.finding} ({', '.join(self.matched)}) -> {self.action}"


@dataclass(frozen=True)
class Rescreen:
    treatment: Treatment
    changes: tuple[str, ...]  # what changed in the lists since signing
    flags: tuple[Flag, ...]  # what the rules find now that they did not then

    @property
    def needs_review(self) -> bool:
        return bool(self.changes)


def new_findings(
    then: tuple[frozenset[str], frozenset[str]],
    now: tuple[frozenset[str], frozenset[str]],
    treatment: Treatment,
) -> tuple[Flag, ...]:
    """Pure: findings on ``now`` (conditions, drug classes) that ``then`` did not have, by rule
    and by what triggered it (a second benzodiazepine is not new; an opioid beside it is)."""
    before = {(f.rule.id, f.matched) for f in screening.screen(then[0], then[1], treatment)}
    return tuple(
        Flag(f.rule.strength, f.rule.finding, f.rule.action, f.rule.source, f.matched)
        for f in screening.screen(now[0], now[1], treatment)
        if (f.rule.id, f.matched) not in before
    )


def rescreen(
    session: Session,
    actor: Actor,
    drugs: Mapping[str, Drug],
    patient_id: uuid.UUID,
    treatment: Treatment,
) -> Rescreen:
    """Today's standing against the last signed assessment for ``treatment``."""
    status = assessments.status_for(session, actor, patient_id, treatment)
    if status.assessment is None or not status.out_of_date:
        return Rescreen(treatment, status.changes, ())
    snapshot = status.assessment.snapshot
    then = (frozenset(snapshot.get("conditions", ())), frozenset(snapshot.get("drug_classes", ())))
    now = (
        frozenset(patients_service.screened_conditions(session, actor, patient_id)),
        frozenset(medications_service.current_drug_classes(session, actor, drugs, patient_id)),
    )
    return Rescreen(treatment, status.changes, new_findings(then, now, treatment))
