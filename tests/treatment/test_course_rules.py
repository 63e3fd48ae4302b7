"""Course rules on worked trajectories: layout, spacing, proposals, the state fold."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ketacare.protocols.library import shipped
from ketacare.treatment.course_rules import (
    Accepted,
    State,
    lay_out,
    spacing_problem,
    starting_dose,
    state_of,
    suggestions,
)

IV = shipped()["iv_ketamine_literature"][1]
ESK = shipped()["esketamine_label"][1]
START = date(2026, 12, 1)


class TestLayout:
    def test_iv_induction_is_six_sessions_twice_weekly(self) -> None:
        days = [(p.planned_on - START).days for p in lay_out(IV.phases[0], START)]
        assert days == [0, 3, 7, 10, 14, 17]

    def test_esketamine_weeks_1_to_8(self) -> None:
        induction = lay_out(ESK.phases[0], START)
        weekly = lay_out(ESK.phases[1], induction[-1].planned_on + timedelta(days=7))
        assert len(induction) == 8 and (induction[-1].planned_on - START).days == 24
        assert [(b.planned_on - a.planned_on).days for a, b in pairwise(weekly)] == [7] * 3

    @given(st.integers(0, 10))
    def test_spacing(self, gap: int) -> None:
        problem = spacing_problem(IV.phases[0], START, START + timedelta(days=gap))
        assert (problem is None) == (gap >= 2)

    def test_starting_dose_at_65(self) -> None:
        assert starting_dose(ESK, 64) == 56 and starting_dose(ESK, 65) == 28
        assert starting_dose(IV, 80) == 0.5


class TestProposals:
    INDUCTION = State(0.5, "induction", False)

    def test_step_up_after_three_with_little_improvement_when_tolerated(self) -> None:
        (found,) = suggestions(IV, self.INDUCTION, 3, 10, tolerated=True)
        assert (found.kind, found.from_dose, found.to_dose) == ("dose_step_up", 0.5, 0.6)
        assert suggestions(IV, self.INDUCTION, 3, 10, tolerated=False) == []
        assert suggestions(IV, self.INDUCTION, 3, 30, tolerated=True) == []
        assert suggestions(IV, self.INDUCTION, 2, 10, tolerated=True) == []

    def test_at_the_maximum_it_asks_for_review_instead(self) -> None:
        (found,) = suggestions(IV, State(0.75, "induction", False), 3, 0, tolerated=True)
        assert found.kind == "physician_review" and "maximum of 0.75 mg/kg" in found.explanation

    def test_end_of_induction_by_response(self) -> None:
        assert [s.kind for s in suggestions(IV, self.INDUCTION, 6, 55, True)] == [
            "start_next_phase"
        ]
        assert [s.kind for s in suggestions(IV, self.INDUCTION, 6, 30, True)] == [
            "physician_review"
        ]
        assert [s.kind for s in suggestions(IV, self.INDUCTION, 6, 5, False)] == ["end_course"]

    def test_no_score_means_review_not_a_guess(self) -> None:
        (found,) = suggestions(IV, self.INDUCTION, 3, None, tolerated=True)
        assert found.kind == "physician_review" and "no baseline" in found.explanation

    @given(st.floats(-100, 100), st.booleans(), st.integers(1, 6))
    def test_bands_never_overlap(self, improvement: float, tolerated: bool, after: int) -> None:
        kinds = [s.kind for s in suggestions(IV, self.INDUCTION, after, improvement, tolerated)]
        assert len(kinds) <= 1


class TestFold:
    def test_only_accepted_decisions_change_the_state(self) -> None:
        state = state_of(
            IV,
            0.5,
            [
                Accepted("dose_step_up", 0.6),
                Accepted("start_next_phase", None),
                Accepted("end_course", None),
            ],
        )
        assert state == State(0.6, "maintenance", True)
        assert state_of(IV, 0.5, []) == State(0.5, "induction", False)


def test_maintenance_leads_to_the_taper_for_responders() -> None:
    state = state_of(IV, 0.5, [Accepted("start_next_phase", None)])
    (found,) = suggestions(IV, state, 6, 60, tolerated=True)
    assert found.kind == "start_next_phase" and found.clinic_choice
    assert state_of(IV, 0.5, [Accepted("start_next_phase", None)] * 2).phase == "taper"
