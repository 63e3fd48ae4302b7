"""The session state machine: the legal graph, refusals that explain themselves, who may dose."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.treatment.session_machine import (
    MAIN_LINE,
    TERMINAL,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    dosing_permission,
    next_state,
)

STATES: tuple[State, ...] = get_args(State)
ACTIONS: tuple[Action, ...] = get_args(Action)
HAPPY: tuple[Action, ...] = (
    "check_in",
    "complete_prechecks",
    "start_dosing",
    "end_dosing",
    "discharge",
)


def run(actions: list[Action], start: State = "scheduled") -> tuple[State, list[State]]:
    """Apply the legal actions in order, skipping refused ones; the final state and the path."""
    state, path = start, [start]
    for action in actions:
        try:
            state = next_state(state, action)
        except IllegalTransition:
            continue
        path.append(state)
    return state, path


class TestWorkedPaths:
    def test_the_main_line(self) -> None:
        state, path = run(list(HAPPY))
        assert state == "discharged" and tuple(path) == MAIN_LINE

    @pytest.mark.parametrize("state", ["scheduled", "checked_in", "prechecked"])
    def test_cancel_before_any_drug(self, state: State) -> None:
        assert next_state(state, "cancel") == "cancelled"
        with pytest.raises(IllegalTransition, match="no drug has been given yet"):
            next_state(state, "abort")

    @pytest.mark.parametrize("state", ["dosing", "observation"])
    def test_abort_once_drug_is_given(self, state: State) -> None:
        assert next_state(state, "abort") == "aborted"
        with pytest.raises(IllegalTransition, match="abort the session instead"):
            next_state(state, "cancel")

    def test_allowed_actions(self) -> None:
        assert allowed_actions("scheduled") == ("check_in", "cancel")
        assert allowed_actions("checked_in") == ("complete_prechecks", "cancel")
        assert allowed_actions("prechecked") == ("start_dosing", "cancel")
        assert allowed_actions("dosing") == ("end_dosing", "abort")
        assert allowed_actions("observation") == ("discharge", "abort")
        assert {"discharged", "cancelled", "aborted"} == TERMINAL


class TestMessages:
    def test_skipping_the_prechecks(self) -> None:
        with pytest.raises(IllegalTransition) as raised:
            next_state("checked_in", "start_dosing")
        assert str(raised.value) == (
            "cannot start dosing: the session is checked in; complete the pre-checks first"
        )

    def test_a_step_already_done(self) -> None:
        with pytest.raises(
            IllegalTransition,
            match="cannot check in: the session is being dosed; that step is already done",
        ):
            next_state("dosing", "check_in")

    def test_discharge_before_dosing_ends(self) -> None:
        with pytest.raises(IllegalTransition, match="end dosing first"):
            next_state("dosing", "discharge")

    @pytest.mark.parametrize("state", sorted(TERMINAL))
    def test_closed_sessions(self, state: State) -> None:
        with pytest.raises(IllegalTransition, match="closed and accepts no further steps"):
            next_state(state, "discharge")

    @pytest.mark.parametrize("state", STATES)
    @pytest.mark.parametrize("action", ACTIONS)
    def test_every_refusal_names_the_action_and_the_state(
        self, state: State, action: Action
    ) -> None:
        if action in allowed_actions(state):
            return
        with pytest.raises(IllegalTransition) as raised:
            next_state(state, action)
        message = str(raised.value)
        assert message.startswith("cannot ") and "; " in message and "the session is" in message


class TestProperties:
    @given(st.sampled_from(STATES), st.sampled_from(ACTIONS))
    def test_allowed_actions_are_exactly_the_accepted_ones(
        self, state: State, action: Action
    ) -> None:
        try:
            next_state(state, action)
            accepted = True
        except IllegalTransition:
            accepted = False
        assert accepted == (action in allowed_actions(state))

    @given(st.lists(st.sampled_from(ACTIONS), max_size=30))
    def test_random_sequences_stay_in_the_graph(self, actions: list[Action]) -> None:
        _, path = run(actions)
        assert set(path) <= set(STATES)

    @given(st.sampled_from(sorted(TERMINAL)), st.sampled_from(ACTIONS))
    def test_terminal_states_accept_nothing(self, state: State, action: Action) -> None:
        assert allowed_actions(state) == ()
        with pytest.raises(IllegalTransition):
            next_state(state, action)

    @given(st.lists(st.sampled_from(ACTIONS), max_size=30))
    def test_every_path_to_discharged_passes_through_dosing_and_observation(
        self, actions: list[Action]
    ) -> None:
        state, path = run(actions)
        if state == "discharged":
            assert tuple(path) == MAIN_LINE

    @given(st.lists(st.sampled_from(ACTIONS), max_size=30))
    def test_cancelled_only_before_drug_aborted_only_after(self, actions: list[Action]) -> None:
        state, path = run(actions)
        if state == "cancelled":
            assert "dosing" not in path
        if state == "aborted":
            assert "dosing" in path

    @given(st.lists(st.sampled_from(ACTIONS), max_size=30))
    def test_never_moves_backwards(self, actions: list[Action]) -> None:
        _, path = run(actions)
        line = [MAIN_LINE.index(s) for s in path if s in MAIN_LINE]
        assert line == sorted(line) and len(set(line)) == len(line)

    @given(st.sampled_from(STATES))
    def test_every_state_is_reachable_and_every_live_state_can_close(self, target: State) -> None:
        reachable: set[State] = {"scheduled"}
        frontier: list[State] = ["scheduled"]
        while frontier:
            here = frontier.pop()
            for action in allowed_actions(here):
                there = next_state(here, action)
                if there not in reachable:
                    reachable.add(there)
                    frontier.append(there)
        assert target in reachable
        if target not in TERMINAL:
            assert allowed_actions(target)


class TestDosingPermission:
    def test_physician_always(self) -> None:
        assert dosing_permission("physician", False) is None
        assert dosing_permission("physician", True) is None

    def test_nurse_only_on_a_signed_order(self) -> None:
        assert dosing_permission("nurse", True) is None
        reason = dosing_permission("nurse", False)
        assert reason is not None and "signed physician order" in reason

    @given(
        st.sampled_from(["therapist", "front_desk", "admin", "patient", "researcher"]),
        st.booleans(),
    )
    def test_nobody_else(self, role: str, signed: bool) -> None:
        reason = dosing_permission(role, signed)
        assert reason is not None and "may not start dosing" in reason
        assert "_" not in reason.split(":")[0]
