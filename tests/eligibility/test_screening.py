"""Safety screening rules: each rule fires on its trigger, carries its source, and the verdict."""

from __future__ import annotations

import pytest

from ketacare.eligibility.screening import conclude, screen, shipped_rules

RULES = shipped_rules()


class TestRuleFile:
    def test_every_rule_has_source_action_and_confidence(self) -> None:
        assert len(RULES) >= 20
        for rule in RULES:
            assert rule.source and rule.action and rule.confidence in ("C", "S", "U")

    @pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
    def test_each_rule_fires_on_its_own_trigger(self, rule: object) -> None:
        from ketacare.eligibility.screening import SafetyRule

        assert isinstance(rule, SafetyRule)
        for treatment in rule.treatments:
            trigger_conditions = rule.when_condition[:1]
            trigger_classes = [] if trigger_conditions else rule.when_drug_class[:1]
            fired = screen(trigger_conditions, trigger_classes, treatment)
            assert rule.id in [finding.rule.id for finding in fired]


class TestVerdicts:
    def test_no_findings_is_eligible(self) -> None:
        assert conclude(screen([], [], "iv_ketamine")).conclusion == "eligible"

    def test_benzodiazepine_gives_precautions_with_the_hold_advice(self) -> None:
        verdict = conclude(screen([], ["benzodiazepine"], "iv_ketamine"))
        assert verdict.conclusion == "eligible_with_precautions"
        assert "evening before and the morning of treatment" in verdict.reasons[0]

    def test_pregnancy_is_not_eligible_and_every_reason_is_listed(self) -> None:
        verdict = conclude(screen(["pregnancy", "bipolar_disorder"], ["opioid"], "esketamine"))
        assert verdict.conclusion == "not_eligible"
        assert len(verdict.reasons) == 3

    def test_aneurysm_is_absolute_for_esketamine_relative_for_iv(self) -> None:
        assert conclude(screen(["aneurysmal_vascular_disease"], [], "esketamine")).conclusion == (
            "not_eligible"
        )
        assert conclude(screen(["aneurysmal_vascular_disease"], [], "iv_ketamine")).conclusion == (
            "eligible_with_precautions"
        )

    def test_lithium_alone_is_information_only(self) -> None:
        findings = screen([], ["lithium"], "iv_ketamine")
        assert [f.rule.id for f in findings] == ["lithium"]
        assert conclude(findings).conclusion == "eligible"
