"""The eligibility conclusion: worked examples from clinical.md §1b and §2, and its properties."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from ketacare.eligibility.screening import shipped_rules
from ketacare.eligibility.settings import load_assessment_settings
from ketacare.eligibility.verdict import Inputs, assess, fingerprint, justification_problem
from ketacare.patients.rules import conditions

SETTINGS = load_assessment_settings()
CLEAR = Inputs(
    treatment="esketamine",
    conditions=frozenset(),
    drug_classes=frozenset(),
    sex="female",
    pregnancy_status="negative_test",
    blood_pressure=(128, 82),
    bp_limit=SETTINGS.bp_limit("esketamine"),
    failed_adequate_treatments=2,
    has_baseline_score=True,
)
RANK = {"not_eligible": 0, "eligible_with_precautions": 1, "eligible": 2}
ALL_CONDITIONS = sorted(conditions())
ALL_CLASSES = sorted({c for rule in shipped_rules() for c in rule.when_drug_class})


class TestWorkedExamples:
    def test_nothing_found_is_eligible(self) -> None:
        result = assess(CLEAR)
        assert result.conclusion == "eligible" and result.reasons == ()

    def test_history_of_intracerebral_haemorrhage_excludes_esketamine(self) -> None:
        # Spravato label: absolute contraindication (clinical.md §2a).
        result = assess(replace(CLEAR, conditions=frozenset({"intracerebral_hemorrhage"})))
        assert result.conclusion == "not_eligible"
        assert result.reasons[0].strength == "absolute"
        assert "Spravato" in result.reasons[0].source

    def test_pregnant_status_is_not_eligible_and_unknown_status_asks_for_a_test(self) -> None:
        assert assess(replace(CLEAR, pregnancy_status="pregnant")).conclusion == "not_eligible"
        unknown = assess(replace(CLEAR, pregnancy_status="unknown"))
        assert unknown.conclusion == "eligible_with_precautions"
        assert any("beta-hCG" in r.action for r in unknown.reasons)
        # A man's unknown status is not a reason.
        assert assess(replace(CLEAR, sex="male", pregnancy_status="unknown")).reasons == ()

    def test_benzodiazepine_gives_the_hold_advice(self) -> None:
        result = assess(replace(CLEAR, drug_classes=frozenset({"benzodiazepine"})))
        assert result.conclusion == "eligible_with_precautions"
        assert result.reasons[0].strength == "interaction"

    def test_blood_pressure_above_the_label_limit_is_a_precaution_and_at_it_is_not(self) -> None:
        # Spravato: consider delaying if >140/90.
        at_limit = assess(replace(CLEAR, blood_pressure=(140, 90)))
        assert at_limit.conclusion == "eligible"
        above = assess(replace(CLEAR, blood_pressure=(141, 90)))
        assert "141/90 mmHg is above 140/90" in above.reasons[0].finding
        assert assess(replace(CLEAR, blood_pressure=(120, 91))).conclusion != "eligible"

    def test_unmeasured_bp_unestablished_trd_no_baseline_and_open_alert_are_each_listed(
        self,
    ) -> None:
        result = assess(
            replace(
                CLEAR,
                blood_pressure=None,
                failed_adequate_treatments=1,
                has_baseline_score=False,
                open_safety_alerts=("PHQ-9 item 9 answered 2",),
            )
        )
        findings = " | ".join(r.finding for r in result.reasons)
        assert "not measured" in findings
        assert "1 failed adequate treatment" in findings
        assert "No baseline depression score" in findings
        assert "PHQ-9 item 9" in findings

    def test_absolute_reasons_come_first(self) -> None:
        result = assess(
            replace(
                CLEAR,
                drug_classes=frozenset({"benzodiazepine"}),
                conditions=frozenset({"ketamine_hypersensitivity", "bipolar_disorder"}),
            )
        )
        assert [r.strength for r in result.reasons] == ["absolute", "precaution", "interaction"]


class TestJustification:
    def test_override_of_not_eligible_needs_the_minimum_length(self) -> None:
        result = assess(replace(CLEAR, conditions=frozenset({"current_mania"})))
        problem = justification_problem(result, "eligible_with_precautions", "ok", 20)
        assert problem is not None and "20 characters" in problem and "overriding" in problem
        reason = "Mania resolved last month per psychiatrist; lithium level therapeutic."
        assert justification_problem(result, "eligible_with_precautions", reason, 20) is None
        assert justification_problem(result, "not_eligible", "", 20) is None

    def test_treating_despite_a_relative_contraindication_needs_one(self) -> None:
        result = assess(replace(CLEAR, conditions=frozenset({"seizure_disorder"})))
        assert result.conclusion == "eligible_with_precautions"
        problem = justification_problem(result, "eligible_with_precautions", "", 20)
        assert problem is not None and "relative or absolute" in problem

    def test_precautions_alone_need_none(self) -> None:
        result = assess(replace(CLEAR, drug_classes=frozenset({"maoi"})))
        assert justification_problem(result, "eligible_with_precautions", "", 20) is None


class TestProperties:
    @given(
        st.sets(st.sampled_from(ALL_CONDITIONS)),
        st.sets(st.sampled_from(ALL_CLASSES)),
        st.sampled_from(ALL_CONDITIONS + ALL_CLASSES),
    )
    def test_more_findings_never_make_the_conclusion_more_permissive(
        self, found: set[str], classes: set[str], extra: str
    ) -> None:
        before = assess(
            replace(CLEAR, conditions=frozenset(found), drug_classes=frozenset(classes))
        )
        after = assess(
            replace(
                CLEAR,
                conditions=frozenset(found | ({extra} if extra in ALL_CONDITIONS else set())),
                drug_classes=frozenset(classes | ({extra} if extra in ALL_CLASSES else set())),
            )
        )
        assert RANK[after.conclusion] <= RANK[before.conclusion]
        assert len(after.reasons) >= len(before.reasons)

    @given(st.sets(st.sampled_from(ALL_CONDITIONS), min_size=1))
    def test_every_reason_names_its_source_and_action(self, found: set[str]) -> None:
        for treatment in ("iv_ketamine", "esketamine"):
            for reason in assess(
                replace(CLEAR, treatment=treatment, conditions=frozenset(found))
            ).reasons:
                assert reason.source and reason.action and reason.finding

    @given(st.lists(st.text(max_size=8), max_size=6))
    def test_fingerprint_ignores_order_and_repeats(self, facts: list[str]) -> None:
        assert fingerprint(facts) == fingerprint(list(reversed(facts)) + facts)


def test_every_condition_the_rules_read_can_be_coded_on_the_chart() -> None:
    text = resources.files("ketacare.eligibility").joinpath("knowledge/safety_rules.toml")
    used = {
        c
        for rule in tomllib.loads(text.read_text())["rules"]
        for c in rule.get("when_condition", [])
    }
    assert used <= set(conditions()), used - set(conditions())
