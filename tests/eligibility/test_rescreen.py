"""Re-running the safety rules after a list change: only what is new since signing is flagged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ketacare.eligibility import screening
from ketacare.eligibility.rescreen import new_findings

EMPTY: frozenset[str] = frozenset()
CLASSES = sorted({c for r in screening.shipped_rules() for c in r.when_drug_class})
CONDITIONS = sorted({c for r in screening.shipped_rules() for c in r.when_condition})
TREATMENTS = st.sampled_from(("iv_ketamine", "esketamine"))
facts = st.tuples(
    st.frozensets(st.sampled_from(CONDITIONS), max_size=4),
    st.frozensets(st.sampled_from(CLASSES), max_size=4),
)


def test_a_new_benzodiazepine_is_flagged_with_the_hold_advice() -> None:
    flags = new_findings((EMPTY, EMPTY), (EMPTY, frozenset({"benzodiazepine"})), "esketamine")
    assert [f.matched for f in flags] == [("benzodiazepine",)]
    assert "holding the benzodiazepine" in flags[0].action
    assert flags[0].strength == "interaction"


def test_a_second_drug_of_a_class_already_screened_is_not_new() -> None:
    then = (EMPTY, frozenset({"benzodiazepine"}))
    assert new_findings(then, then, "iv_ketamine") == ()


@given(facts, TREATMENTS)
def test_nothing_is_new_when_nothing_changed(
    same: tuple[frozenset[str], frozenset[str]], treatment: str
) -> None:
    assert new_findings(same, same, treatment) == ()  # type: ignore[arg-type]


@given(facts, facts, TREATMENTS)
def test_every_flag_fires_now_and_did_not_fire_then(
    then: tuple[frozenset[str], frozenset[str]],
    now: tuple[frozenset[str], frozenset[str]],
    treatment: str,
) -> None:
    before = {(f.rule.finding, f.matched) for f in screening.screen(*then, treatment)}  # type: ignore[arg-type]
    current = {(f.rule.finding, f.matched) for f in screening.screen(*now, treatment)}  # type: ignore[arg-type]
    flagged = {(f.finding, f.matched) for f in new_findings(then, now, treatment)}  # type: ignore[arg-type]
    assert flagged == current - before
