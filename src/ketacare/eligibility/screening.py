"""Safety screening against the rule file, and the eligibility conclusion. Pure once loaded."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Strength = Literal["absolute", "relative", "precaution", "interaction", "info"]
Treatment = Literal["iv_ketamine", "esketamine"]


class SafetyRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    when_condition: list[str] = Field(default_factory=list)
    when_drug_class: list[str] = Field(default_factory=list)
    strength: Strength
    treatments: list[Treatment]
    finding: str
    action: str
    source: str
    confidence: Literal["C", "S", "U"]

    @model_validator(mode="after")
    def _has_a_trigger(self) -> SafetyRule:
        if not self.when_condition and not self.when_drug_class:
            raise ValueError(f"rule {self.id}: needs when_condition or when_drug_class")
        return self


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[SafetyRule]


@lru_cache
def shipped_rules() -> tuple[SafetyRule, ...]:
    text = resources.files("ketacare.eligibility").joinpath("knowledge/safety_rules.toml")
    return tuple(RuleFile.model_validate(tomllib.loads(text.read_text())).rules)


@dataclass(frozen=True)
class Finding:
    rule: SafetyRule
    matched: tuple[str, ...]  # the conditions or drug classes that triggered it


def screen(
    conditions: Iterable[str],
    drug_classes: Iterable[str],
    treatment: Treatment,
    rules: Iterable[SafetyRule] | None = None,
) -> list[Finding]:
    """Every rule the patient's coded history and current drug classes trigger."""
    have_conditions, have_classes = set(conditions), set(drug_classes)
    findings = []
    for rule in rules if rules is not None else shipped_rules():
        if treatment not in rule.treatments:
            continue
        matched = tuple(
            sorted(
                (set(rule.when_condition) & have_conditions)
                | (set(rule.when_drug_class) & have_classes)
            )
        )
        if matched:
            findings.append(Finding(rule, matched))
    return findings


Conclusion = Literal["eligible", "eligible_with_precautions", "not_eligible"]


@dataclass(frozen=True)
class Verdict:
    conclusion: Conclusion
    reasons: tuple[str, ...]


def conclude(findings: Iterable[Finding]) -> Verdict:
    """Absolute contraindications make a patient not eligible; relative ones, precautions and
    interactions make them eligible with precautions (relative ones need a written justification
    when the physician signs). Every reason is listed."""
    found = list(findings)
    reasons = tuple(
        f"{f.rule.strength}: {f.rule.finding} -> {f.rule.action}"
        for f in found
        if f.rule.strength != "info"
    )
    if any(f.rule.strength == "absolute" for f in found):
        return Verdict("not_eligible", reasons)
    if reasons:
        return Verdict("eligible_with_precautions", reasons)
    return Verdict("eligible", ())
