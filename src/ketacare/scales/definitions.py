"""Instrument definitions: one TOML file per instrument, validated by Pydantic at start-up.

A clinic adds or overrides instruments (e.g. with licensed full wording) by putting files in
``KETACARE_INSTRUMENTS_DIR``; a file with the same ``id`` replaces the shipped one.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ketacare.kit.errors import NotFound
from ketacare.scales.criteria import OutcomeCriteria, RelapseRule, RemissionCutoff


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerOption(_Strict):
    value: int
    label: str
    score: int | None = None  # when the stored value scores differently (e.g. "not assessed")
    code: str | None = None  # LOINC answer code where one exists

    @property
    def points(self) -> int:
        return self.value if self.score is None else self.score


class ShowIf(_Strict):
    item: str
    values: list[int]


class Item(_Strict):
    id: str
    label: str
    options: str  # name of an option set
    loinc: str | None = None
    show_if: ShowIf | None = None
    scored: bool = True  # an unscored item (PHQ-9 item 10) is kept but never enters a total
    required: bool = True

    @model_validator(mode="after")
    def _unscored_items_are_optional(self) -> Item:
        if not self.scored and self.required:
            raise ValueError("an unscored item must have required = false")
        return self


class Group(_Strict):
    name: str
    items: list[str]
    rule: Literal["sum", "max"] = "sum"


class Band(_Strict):
    min: int
    max: int
    label: str


class FlagRule(_Strict):
    """Raised when the item's points are within [min, max] (either bound may be left out)."""

    name: str
    item: str
    min: int | None = None
    max: int | None = None
    safety: bool = False  # a safety flag opens an alert on the clinic's worklist
    note: str = ""

    @model_validator(mode="after")
    def _has_a_bound(self) -> FlagRule:
        if self.min is None and self.max is None:
            raise ValueError("a flag needs min, max or both")
        return self

    def raised_by(self, points: int) -> bool:
        return (self.min is None or points >= self.min) and (self.max is None or points <= self.max)


class TriageLevel(_Strict):
    level: str
    any_yes: list[str]  # raised when any of these items is answered yes (1)


class OutcomesTable(_Strict):
    response_reduction_pct: float = 50.0
    partial_response_min_pct: float = 25.0
    remission: list[RemissionCutoff] = Field(default_factory=list)
    relapse: RelapseRule | None = None  # only where a source defines one; clinics may add theirs


class Instrument(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{2,40}$")
    version: str
    name: str
    short_name: str
    rater: Literal["self", "clinician", "observer"]
    recall: str = ""
    citation: str
    licence: str
    licence_note: str = ""
    wording: Literal["full", "short_labels"] = "short_labels"
    loinc_panel: str | None = None
    loinc_total: str | None = None
    fhir_category: Literal["survey", "exam"] = "survey"
    scoring: Literal["sum", "groups", "triage"] = "sum"
    higher_is_worse: bool = True  # False where a higher total is better (MOAA/S, Aldrete)
    option_sets: dict[str, list[AnswerOption]]
    items: list[Item]
    groups: list[Group] = Field(default_factory=list)  # scoring = "groups": total = sum of groups
    subscores: list[Group] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    flags: list[FlagRule] = Field(default_factory=list)
    triage: list[TriageLevel] = Field(default_factory=list)  # highest level first
    outcomes: OutcomesTable | None = None

    @model_validator(mode="after")
    def _cross_references(self) -> Instrument:
        item_ids = [item.id for item in self.items]
        if len(set(item_ids)) != len(item_ids):
            raise ValueError("items: item ids must be unique")
        for index, item in enumerate(self.items):
            if item.options not in self.option_sets:
                raise ValueError(f"items[{index}].options: unknown option set '{item.options}'")
            if item.show_if and item.show_if.item not in item_ids:
                raise ValueError(f"items[{index}].show_if.item: unknown item '{item.show_if.item}'")
        for kind, groups in (("groups", self.groups), ("subscores", self.subscores)):
            for index, group in enumerate(groups):
                unknown = set(group.items) - set(item_ids)
                if unknown:
                    raise ValueError(f"{kind}[{index}].items: unknown items {sorted(unknown)}")
        for index, flag in enumerate(self.flags):
            if flag.item not in item_ids:
                raise ValueError(f"flags[{index}].item: unknown item '{flag.item}'")
        if self.scoring == "groups" and not self.groups:
            raise ValueError("groups: scoring 'groups' needs at least one group")
        if self.scoring == "triage" and not self.triage:
            raise ValueError("triage: scoring 'triage' needs triage levels")
        self._check_bands()
        return self

    def _check_bands(self) -> None:
        if not self.bands:
            return
        ordered = sorted(self.bands, key=lambda band: band.min)
        if ordered[0].min != self.total_min or ordered[-1].max != self.total_max:
            raise ValueError(f"bands: must cover the total range {self.total_min}-{self.total_max}")
        for before, after in itertools.pairwise(ordered):
            if after.min != before.max + 1:
                raise ValueError(
                    f"bands: gap or overlap between {before.label!r} and {after.label!r}"
                )

    def options_for(self, item: Item) -> list[AnswerOption]:
        return self.option_sets[item.options]

    @property
    def scored_items(self) -> list[Item]:
        return [item for item in self.items if item.scored]

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    def _points_range(self, item: Item) -> tuple[int, int]:
        points = [option.points for option in self.options_for(item)]
        return min(points), max(points)

    @property
    def total_min(self) -> int:
        return self._total(0)

    @property
    def total_max(self) -> int:
        return self._total(1)

    def _total(self, end: int) -> int:
        if self.scoring == "triage":
            return 0
        if self.scoring == "groups":
            return sum(self._group_range(group)[end] for group in self.groups)
        return sum(self._points_range(item)[end] for item in self.items if item.scored)

    def _group_range(self, group: Group) -> tuple[int, int]:
        ranges = [self._points_range(self.item(item_id)) for item_id in group.items]
        if group.rule == "max":
            return max(low for low, _ in ranges), max(high for _, high in ranges)
        return sum(low for low, _ in ranges), sum(high for _, high in ranges)

    @property
    def relapse_rule(self) -> RelapseRule | None:
        return self.outcomes.relapse if self.outcomes else None

    @property
    def outcome_criteria(self) -> OutcomeCriteria | None:
        if self.outcomes is None:
            return None
        return OutcomeCriteria(
            response_reduction_pct=self.outcomes.response_reduction_pct,
            partial_response_min_pct=self.outcomes.partial_response_min_pct,
            remission=tuple(self.outcomes.remission),
            higher_is_worse=self.higher_is_worse,
        )


class InstrumentFileError(Exception):
    """A definition file is broken; the message names the file and the field."""


def _load_file(name: str, text: str) -> Instrument:
    try:
        return Instrument.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise InstrumentFileError(f"{name}: not valid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InstrumentFileError(f"{name}: {where + ': ' if where else ''}{message}") from None


def load_instruments(extra_dir: Path | None = None) -> dict[str, Instrument]:
    instruments: dict[str, Instrument] = {}
    shipped = resources.files("ketacare.scales").joinpath("instruments")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            instrument = _load_file(entry.name, entry.read_text())
            instruments[instrument.id] = instrument
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise InstrumentFileError(f"{extra_dir}: instruments folder not found")
        for path in sorted(extra_dir.glob("*.toml")):
            instrument = _load_file(path.name, path.read_text())
            instruments[instrument.id] = instrument
    return instruments


def get_instrument(instruments: Mapping[str, Instrument], instrument_id: str) -> Instrument:
    if instrument_id not in instruments:
        raise NotFound(f"no instrument '{instrument_id}'")
    return instruments[instrument_id]
