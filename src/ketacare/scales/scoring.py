"""Exact scoring of an instrument's answers: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.scales.definitions import Group, Instrument, Item


@dataclass(frozen=True)
class RaisedFlag:
    name: str
    item: str
    value: int
    safety: bool


@dataclass(frozen=True)
class ScoreResult:
    instrument_id: str
    total: int | None
    severity: str | None
    item_scores: dict[str, int]
    subscores: dict[str, int] = field(default_factory=dict)
    flags: tuple[RaisedFlag, ...] = ()
    risk: str | None = None  # triage instruments (C-SSRS screener); also given as ``severity``

    @property
    def needs_safety_alert(self) -> bool:
        return any(flag.safety for flag in self.flags)


def _asked(item: Item, answers: Mapping[str, int]) -> bool:
    return item.show_if is None or answers.get(item.show_if.item) in item.show_if.values


def validate_answers(instrument: Instrument, answers: Mapping[str, int]) -> dict[str, int]:
    """Item points for every asked item; InvalidInput names each missing or bad item.

    An item hidden by ``show_if`` (e.g. C-SSRS 3-5 when item 2 is "no") was not asked: it may be
    left out or given its lowest value ("no"), and is then ignored; any other answer contradicts
    the item it depends on and is refused.
    """
    problems: list[FieldProblem] = []
    known = {item.id for item in instrument.items}
    for unknown in sorted(set(answers) - known):
        problems.append(
            FieldProblem(f"item {unknown}", f"is not an item of {instrument.short_name}")
        )
    points: dict[str, int] = {}
    for item in instrument.items:
        options = instrument.options_for(item)
        allowed = ", ".join(str(option.value) for option in options)
        asked = _asked(item, answers)
        if item.id not in answers:
            if asked and item.required:
                problems.append(FieldProblem(f"item {item.id}", f"is required: one of {allowed}"))
            continue
        if not asked and answers[item.id] == min(option.value for option in options):
            continue
        if not asked and item.show_if is not None:
            condition = " or ".join(str(value) for value in item.show_if.values)
            problems.append(
                FieldProblem(
                    f"item {item.id}",
                    "must be left out: it is asked only "
                    f"when item {item.show_if.item} is {condition}",
                )
            )
            continue
        chosen = next((o for o in options if o.value == answers[item.id]), None)
        if chosen is None:
            problems.append(
                FieldProblem(
                    f"item {item.id}",
                    f"must be one of {allowed}",
                    {"allowed": [o.value for o in options]},
                )
            )
            continue
        if item.scored:
            points[item.id] = chosen.points
    if problems:
        raise InvalidInput(problems)
    return points


def _group_score(group: Group, points: Mapping[str, int]) -> int:
    values = [points[item_id] for item_id in group.items if item_id in points]
    if not values:
        return 0
    return max(values) if group.rule == "max" else sum(values)


def _severity(instrument: Instrument, total: int) -> str | None:
    return next((band.label for band in instrument.bands if band.min <= total <= band.max), None)


# The triage levels that need a clinician now (issue: C-SSRS moderate or high risk).
ALERTING_RISKS = ("moderate", "high")


def _risk_flags(risk: str) -> tuple[RaisedFlag, ...]:
    if risk == "none":
        return ()
    return (RaisedFlag(f"suicide_risk_{risk}", "", 1, safety=risk in ALERTING_RISKS),)


def _risk(instrument: Instrument, answers: Mapping[str, int]) -> str:
    for level in instrument.triage:  # ordered highest first in the file
        if any(answers.get(item_id) == 1 for item_id in level.any_yes):
            return level.level
    return "none"


def score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    points = validate_answers(instrument, answers)
    flags = tuple(
        RaisedFlag(rule.name, rule.item, points[rule.item], rule.safety)
        for rule in instrument.flags
        if rule.item in points and rule.raised_by(points[rule.item])
    )
    subscores = {group.name: _group_score(group, points) for group in instrument.subscores}
    if instrument.scoring == "triage":
        risk = _risk(instrument, answers)
        return ScoreResult(
            instrument.id, None, risk, points, subscores, flags + _risk_flags(risk), risk=risk
        )
    if instrument.scoring == "groups":
        total = sum(_group_score(group, points) for group in instrument.groups)
    else:
        total = sum(points.values())
    return ScoreResult(instrument.id, total, _severity(instrument, total), points, subscores, flags)
