"""A course's plan and its decision points. Pure: dates, doses and proposals from facts.

The course's state (current dose, phase, ended) is never stored as a mutable field: it is folded
from the protocol's starting point and the proposals the physician accepted, in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ketacare.protocols.schema import DecisionPoint, DosePerKg, Phase, Proposal, Protocol


@dataclass(frozen=True)
class PlannedDate:
    phase: str
    number_in_phase: int
    planned_on: date


def lay_out(phase: Phase, first_on: date) -> list[PlannedDate]:
    """The phase's sessions from ``first_on``, cycling its interval pattern."""
    dates, day = [], first_on
    for number in range(1, phase.sessions + 1):
        dates.append(PlannedDate(phase.name, number, day))
        day += timedelta(
            days=phase.interval_pattern_days[(number - 1) % len(phase.interval_pattern_days)]
        )
    return dates


def spacing_problem(phase: Phase, previous: date | None, proposed: date) -> str | None:
    """Why a session may not be on ``proposed`` given the one before it, or None."""
    if previous is not None and (proposed - previous).days < phase.min_interval_days:
        return (
            f"must be at least {phase.min_interval_days} days after the previous session "
            f"({previous:%Y-%m-%d})"
        )
    return None


@dataclass(frozen=True)
class Accepted:
    """An accepted proposal, as the fold needs it."""

    kind: Proposal
    to_dose: float | None


@dataclass(frozen=True)
class State:
    dose: float  # mg/kg for IV protocols, mg for fixed-dose protocols
    phase: str
    ended: bool


def starting_dose(protocol: Protocol, age_years: int) -> float:
    rule = protocol.dose
    if isinstance(rule, DosePerKg):
        return rule.start_mg_per_kg
    if age_years >= 65 and rule.start_mg_age_65_and_over is not None:
        return rule.start_mg_age_65_and_over
    return rule.start_mg


def state_of(protocol: Protocol, start_dose: float, accepted: Iterable[Accepted]) -> State:
    state = State(start_dose, protocol.phases[0].name, False)
    names = [p.name for p in protocol.phases]
    for decision in accepted:
        if decision.kind == "dose_step_up" and decision.to_dose is not None:
            state = State(decision.to_dose, state.phase, state.ended)
        elif decision.kind == "start_next_phase":
            index = names.index(state.phase)
            if index + 1 < len(names):
                state = State(state.dose, names[index + 1], state.ended)
        elif decision.kind == "end_course":
            state = State(state.dose, state.phase, True)
    return state


def _step(protocol: Protocol) -> tuple[float, float, str]:
    rule = protocol.dose
    if isinstance(rule, DosePerKg):
        return rule.step_mg_per_kg, rule.max_mg_per_kg, "mg/kg"
    return rule.step_mg, rule.max_mg, "mg"


@dataclass(frozen=True)
class Suggestion:
    kind: Proposal
    explanation: str
    source: str
    clinic_choice: bool
    from_dose: float | None = None
    to_dose: float | None = None


def _matches(point: DecisionPoint, improvement: float, tolerated: bool) -> bool:
    in_band = point.min_improvement_pct <= improvement < point.max_improvement_pct
    return in_band and (tolerated or not point.requires_tolerated)


def suggestions(
    protocol: Protocol,
    state: State,
    completed_in_phase: int,
    improvement_pct: float | None,
    tolerated: bool,
) -> list[Suggestion]:
    """What the decision points propose after the ``completed_in_phase``-th session of the phase.

    Nothing is applied: the physician accepts or declines each suggestion.
    """
    due = [
        p
        for p in protocol.decisions
        if p.phase == state.phase and p.after_session == completed_in_phase
    ]
    if not due or state.ended:
        return []
    if improvement_pct is None:
        return [
            Suggestion(
                "physician_review",
                f"Decision point after session {completed_in_phase} of {state.phase}: no baseline "
                "and later score to judge improvement; record one (e.g. MADRS) and review.",
                "ketacare: decision points need a measured improvement",
                False,
            )
        ]
    found = []
    step, maximum, unit = _step(protocol)
    for point in (p for p in due if _matches(p, improvement_pct, tolerated)):
        text = f"{point.explanation} (improvement {improvement_pct:.0f}%)"
        if point.propose != "dose_step_up":
            found.append(Suggestion(point.propose, text, point.source, point.clinic_choice))
        elif state.dose + step <= maximum + 1e-9:
            to = round(state.dose + step, 4)
            found.append(
                Suggestion(point.propose, text, point.source, point.clinic_choice, state.dose, to)
            )
        else:
            found.append(
                Suggestion(
                    "physician_review",
                    f"{text}; already at the protocol's maximum of {maximum:g} {unit}",
                    point.source,
                    point.clinic_choice,
                )
            )
    return found


def next_phase(protocol: Protocol, current: str) -> Phase | None:
    names = [p.name for p in protocol.phases]
    index = names.index(current)
    return protocol.phases[index + 1] if index + 1 < len(names) else None


def phase_named(protocol: Protocol, name: str) -> Phase:
    return next(p for p in protocol.phases if p.name == name)


def completed_count(phases_of_completed: Sequence[str], phase: str) -> int:
    return sum(1 for name in phases_of_completed if name == phase)
