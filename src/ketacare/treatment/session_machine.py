"""The life of a treatment session at the chair, as a state machine. Pure.

scheduled → checked_in → prechecked → dosing → observation → discharged.
Before any drug is given a session is *cancelled*; once drug has been given it is *aborted*
(the difference matters for the record: an aborted session has a delivered dose and needs
observation notes). Discharged, cancelled and aborted are terminal.
"""

from __future__ import annotations

from typing import Literal

State = Literal[
    "scheduled",
    "checked_in",
    "prechecked",
    "dosing",
    "observation",
    "discharged",
    "cancelled",
    "aborted",
]
Action = Literal[
    "check_in", "complete_prechecks", "start_dosing", "end_dosing", "discharge", "cancel", "abort"
]

# The main line, in order: each state and the action that moves it to the next one.
MAIN_LINE: tuple[State, ...] = (
    "scheduled",
    "checked_in",
    "prechecked",
    "dosing",
    "observation",
    "discharged",
)
_FORWARD: dict[State, Action] = {
    "scheduled": "check_in",
    "checked_in": "complete_prechecks",
    "prechecked": "start_dosing",
    "dosing": "end_dosing",
    "observation": "discharge",
}
BEFORE_DRUG: frozenset[State] = frozenset({"scheduled", "checked_in", "prechecked"})
DRUG_GIVEN: frozenset[State] = frozenset({"dosing", "observation"})
TERMINAL: frozenset[State] = frozenset({"discharged", "cancelled", "aborted"})

_GRAPH: dict[State, dict[Action, State]] = {
    "scheduled": {"check_in": "checked_in", "cancel": "cancelled"},
    "checked_in": {"complete_prechecks": "prechecked", "cancel": "cancelled"},
    "prechecked": {"start_dosing": "dosing", "cancel": "cancelled"},
    "dosing": {"end_dosing": "observation", "abort": "aborted"},
    "observation": {"discharge": "discharged", "abort": "aborted"},
    "discharged": {},
    "cancelled": {},
    "aborted": {},
}

_ACTION_WORDS: dict[Action, str] = {
    "check_in": "check in",
    "complete_prechecks": "complete the pre-checks",
    "start_dosing": "start dosing",
    "end_dosing": "end dosing",
    "discharge": "discharge",
    "cancel": "cancel",
    "abort": "abort",
}
_STATE_WORDS: dict[State, str] = {
    "scheduled": "scheduled",
    "checked_in": "checked in",
    "prechecked": "pre-checked",
    "dosing": "being dosed",
    "observation": "in observation",
    "discharged": "discharged",
    "cancelled": "cancelled",
    "aborted": "aborted",
}


class IllegalTransition(Exception):
    """An action the session's state does not allow; the message says why and what to do."""


def allowed_actions(state: State) -> tuple[Action, ...]:
    """The actions ``state`` accepts, the main-line step first."""
    return tuple(_GRAPH[state])


def next_state(state: State, action: Action) -> State:
    """The state after ``action``, or IllegalTransition explaining the refusal."""
    target = _GRAPH[state].get(action)
    if target is None:
        raise IllegalTransition(
            f"cannot {_ACTION_WORDS[action]}: the session is {_STATE_WORDS[state]}; "
            f"{_hint(state, action)}"
        )
    return target


def _hint(state: State, action: Action) -> str:
    if state in TERMINAL:
        return "it is closed and accepts no further steps"
    if action == "cancel":
        return "drug has been given, so abort the session instead"
    if action == "abort":
        return "no drug has been given yet, so cancel the session instead"
    step_from = next(s for s, a in _FORWARD.items() if a == action)
    if MAIN_LINE.index(step_from) < MAIN_LINE.index(state):
        return "that step is already done"
    return f"{_ACTION_WORDS[_FORWARD[state]]} first"


# Who may start dosing (clinical.md §1b: an ACLS-capable clinician; DESIGN: the physician orders
# and signs, the nurse runs the chair). A nurse doses only on a signed physician order.
def dosing_permission(role: str, physician_order_signed: bool) -> str | None:
    """None when ``role`` may start dosing, else the reason it may not."""
    if role == "physician":
        return None
    if role == "nurse":
        if physician_order_signed:
            return None
        return (
            "a nurse may start dosing only on a signed physician order: ask the physician to sign"
        )
    return f"a {role.replace('_', ' ')} may not start dosing: only a physician, or a nurse with a signed physician order"
