"""Scoring every shipped instrument: worked examples, band boundaries, properties, triage table."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.kit.errors import InvalidInput
from ketacare.scales.definitions import Instrument, load_instruments
from ketacare.scales.scoring import score

INSTRUMENTS = load_instruments()


def answers(instrument_id: str, values: list[int]) -> dict[str, int]:
    items = [item for item in INSTRUMENTS[instrument_id].items if item.required]
    return {item.id: value for item, value in zip(items, values, strict=True)}


def all_at(instrument_id: str, value: int) -> dict[str, int]:
    return {item.id: value for item in INSTRUMENTS[instrument_id].items}


class TestPhq9:
    def test_worked_example(self) -> None:
        # Item answers 1,2,1,2,1,0,1,0,0 sum to 8: "mild" (Kroenke 2001 bands).
        result = score(INSTRUMENTS["phq9"], answers("phq9", [1, 2, 1, 2, 1, 0, 1, 0, 0]))
        assert (result.total, result.severity) == (8, "mild")
        assert result.subscores == {"phq2": 3}
        assert result.flags == ()

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "none-minimal"),
            (4, "none-minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately severe"),
            (19, "moderately severe"),
            (20, "severe"),
            (27, "severe"),
        ],
    )
    def test_band_boundaries(self, total: int, band: str) -> None:
        values = _spread(total, 9, 3, last_zero=total <= 24)
        result = score(INSTRUMENTS["phq9"], answers("phq9", values))
        assert (result.total, result.severity) == (total, band)

    def test_item_9_above_zero_raises_a_suicide_flag(self) -> None:
        result = score(INSTRUMENTS["phq9"], answers("phq9", [0] * 8 + [1]))
        assert [flag.name for flag in result.flags] == ["suicidal_ideation"]
        assert "suicid" in result.flags[0].name and result.needs_safety_alert

    def test_incomplete_and_out_of_range_answers_name_the_item(self) -> None:
        bad = answers("phq9", [0] * 9)
        del bad["3"]
        bad["9"] = 4
        with pytest.raises(InvalidInput) as raised:
            score(INSTRUMENTS["phq9"], bad)
        messages = raised.value.by_field()
        assert messages["item 3"].startswith("is required")
        assert messages["item 9"] == "must be one of 0, 1, 2, 3"


def _spread(total: int, count: int, high: int, last_zero: bool = False) -> list[int]:
    """Answers summing to ``total``, filling items from the first; the last stays 0 if asked."""
    values = []
    remaining = total
    for index in range(count):
        if last_zero and index == count - 1:
            values.append(0)
            continue
        value = min(high, remaining)
        values.append(value)
        remaining -= value
    assert remaining == 0
    return values


class TestQids:
    def test_highest_of_group_rules(self) -> None:
        # Sleep items 3,1,0,2 count as 3; appetite/weight 0,2,1,0 as 2; psychomotor 1,3 as 3.
        values = [3, 1, 0, 2, 2, 0, 2, 1, 0, 1, 1, 0, 2, 2, 1, 3]
        result = score(INSTRUMENTS["qids_sr16"], answers("qids_sr16", values))
        assert result.total == 3 + 2 + 2 + 1 + 1 + 0 + 2 + 2 + 3
        assert result.severity == "severe"  # 16-20

    def test_item_12_flag(self) -> None:
        values = [0] * 16
        values[11] = 1
        result = score(INSTRUMENTS["qids_sr16"], answers("qids_sr16", values))
        assert result.needs_safety_alert


class TestOtherInstruments:
    @pytest.mark.parametrize(
        ("instrument", "value", "total", "band"),
        [
            ("gad7", 3, 21, "severe"),
            ("gad7", 0, 0, "minimal"),
            ("madrs", 6, 60, "severe"),
            ("madrs", 0, 0, "absent"),
            ("hamd17", 2, 34, "severe"),
            ("aldrete", 2, 10, "meets discharge score (>=9)"),
        ],
    )
    def test_totals_and_bands(self, instrument: str, value: int, total: int, band: str) -> None:
        result = score(INSTRUMENTS[instrument], all_at(instrument, value))
        assert (result.total, result.severity) == (total, band)

    def test_hamd_item_16_not_assessed_scores_zero(self) -> None:
        values = all_at("hamd17", 0)
        values["16"] = 3
        assert score(INSTRUMENTS["hamd17"], values).total == 0

    def test_hamd_maximum_is_52(self) -> None:
        instrument = INSTRUMENTS["hamd17"]
        top = {
            item.id: max(o.points for o in instrument.options_for(item))
            for item in instrument.items
        }
        assert score(instrument, top).total == 52 == instrument.total_max

    def test_cadss_total_and_short_form(self) -> None:
        values = {str(n): (4 if n in (1, 2, 6, 7, 15, 22) else 1) for n in range(1, 24)}
        result = score(INSTRUMENTS["cadss"], values)
        assert result.total == 24 + 17
        assert result.subscores == {"cadss6": 24}

    def test_bprs_positive_range(self) -> None:
        assert score(INSTRUMENTS["bprs_positive"], all_at("bprs_positive", 1)).total == 4
        assert score(INSTRUMENTS["bprs_positive"], all_at("bprs_positive", 7)).total == 28
        with pytest.raises(InvalidInput):
            score(INSTRUMENTS["bprs_positive"], all_at("bprs_positive", 0))

    def test_moaas_zero_is_loss_of_consciousness(self) -> None:
        result = score(INSTRUMENTS["moaas"], {"1": 0})
        assert [flag.name for flag in result.flags] == ["loss_of_consciousness"]


def cssrs_oracle(a: dict[str, int]) -> str:
    """The Columbia screener triage written out independently (scales_fhir.md §2.8)."""
    if a.get("4") == 1 or a.get("5") == 1 or (a.get("6") == 1 and a.get("6b") == 1):
        return "high"
    if a.get("3") == 1 or (a.get("6") == 1 and a.get("6b") == 0):
        return "moderate"
    if a.get("1") == 1 or a.get("2") == 1:
        return "low"
    return "none"


def cssrs_answer_sets() -> list[dict[str, int]]:
    sets = []
    for one, two, six in itertools.product((0, 1), repeat=3):
        followups = itertools.product((0, 1), repeat=3) if two else [None]
        for extra in followups:
            for recent in (0, 1) if six else (None,):
                answer = {"1": one, "2": two, "6": six}
                if extra is not None:
                    answer.update({"3": extra[0], "4": extra[1], "5": extra[2]})
                if recent is not None:
                    answer["6b"] = recent
                sets.append(answer)
    return sets


class TestCssrsTriage:
    @pytest.mark.parametrize("given_answers", cssrs_answer_sets())
    def test_every_combination_matches_the_oracle(self, given_answers: dict[str, int]) -> None:
        result = score(INSTRUMENTS["cssrs_screener"], given_answers)
        assert result.risk == cssrs_oracle(given_answers)
        assert result.needs_safety_alert == (result.risk in ("moderate", "high"))

    def test_follow_up_items_not_asked_may_be_given_as_no(self) -> None:
        result = score(
            INSTRUMENTS["cssrs_screener"], {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "6b": 0}
        )
        assert (result.risk, result.severity) == ("low", "low")
        assert [flag.name for flag in result.flags] == ["suicide_risk_low"]
        assert not result.needs_safety_alert

    def test_follow_up_items_must_be_left_out_when_not_asked(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            score(INSTRUMENTS["cssrs_screener"], {"1": 0, "2": 0, "3": 1, "6": 0})
        assert "item 3" in raised.value.by_field()


def totals_instruments() -> list[Instrument]:
    return [i for i in INSTRUMENTS.values() if i.scoring != "triage"]


class TestProperties:
    @given(st.sampled_from(totals_instruments()), st.data())
    def test_total_in_range_and_never_decreases_when_one_answer_rises(
        self, instrument: Instrument, data: st.DataObject
    ) -> None:
        chosen = {
            item.id: data.draw(st.sampled_from(instrument.options_for(item)))
            for item in instrument.items
        }
        given_answers = {item_id: option.value for item_id, option in chosen.items()}
        result = score(instrument, given_answers)
        assert result.total is not None
        assert instrument.total_min <= result.total <= instrument.total_max
        item = data.draw(st.sampled_from(instrument.items))
        higher = [o for o in instrument.options_for(item) if o.points > chosen[item.id].points]
        if higher:
            raised = score(instrument, {**given_answers, item.id: higher[0].value})
            assert raised.total is not None and raised.total >= result.total


def answers_for_total(instrument: Instrument, target: int) -> dict[str, int]:
    """Answers that score exactly ``target``: fill scoring units (items or groups) greedily."""
    chosen: dict[str, int] = {}
    remaining = target
    if instrument.scoring == "groups":
        for group in instrument.groups:
            first, *rest = group.items
            options = instrument.options_for(instrument.item(first))
            pick = max((o for o in options if o.points <= remaining), key=lambda o: o.points)
            chosen[first] = pick.value
            remaining -= pick.points
            for other in rest:
                chosen[other] = min(
                    instrument.options_for(instrument.item(other)), key=lambda o: o.points
                ).value
    else:
        for item in instrument.scored_items:
            options = instrument.options_for(item)
            pick = max((o for o in options if o.points <= remaining), key=lambda o: o.points)
            chosen[item.id] = pick.value
            remaining -= pick.points
    assert remaining == 0
    return chosen


BAND_EDGES = [
    (instrument.id, edge, band.label)
    for instrument in INSTRUMENTS.values()
    for band in instrument.bands
    for edge in {band.min, band.max}
]


class TestEveryBandBoundary:
    @pytest.mark.parametrize(("instrument_id", "total", "label"), BAND_EDGES)
    def test_band_edges(self, instrument_id: str, total: int, label: str) -> None:
        instrument = INSTRUMENTS[instrument_id]
        result = score(instrument, answers_for_total(instrument, total))
        assert (result.total, result.severity) == (total, label)


class TestUnscoredItem:
    def test_phq9_item_10_is_kept_but_never_scored(self) -> None:
        nine = answers("phq9", [2] * 9)
        assert score(INSTRUMENTS["phq9"], nine).total == 18
        with_difficulty = score(INSTRUMENTS["phq9"], {**nine, "10": 3})
        assert with_difficulty.total == 18
        assert "10" not in with_difficulty.item_scores
        with pytest.raises(InvalidInput, match="item 10"):
            score(INSTRUMENTS["phq9"], {**nine, "10": 4})
