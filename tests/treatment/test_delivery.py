"""Delivered dose from the pump timeline: worked infusions, refused timelines, properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ketacare.treatment.delivery import (
    Delivered,
    PumpEvent,
    TimelineError,
    delivered,
    next_event_problem,
    planned_end,
    validate,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MG_PER_ML = 0.35  # e.g. 36.4 mg (0.5 mg/kg x 72.8 kg) in 104 mL


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def start(minute: float = 0, rate: float = 156) -> PumpEvent:
    return PumpEvent("start", at(minute), rate)


class TestWorkedInfusions:
    def test_forty_minutes_of_104_ml_at_156_ml_per_h(self) -> None:
        events = [start(), PumpEvent("stop", at(40))]
        result = delivered(events, MG_PER_ML)
        assert result.volume_ml == pytest.approx(104)
        assert result.dose_mg == pytest.approx(104 * MG_PER_ML)
        assert (result.running_minutes, result.paused_minutes) == (pytest.approx(40), 0)
        assert planned_end([start()], 104) == at(40)

    def test_a_ten_minute_pause_extends_the_end(self) -> None:
        events = [start(), PumpEvent("pause", at(20)), PumpEvent("resume", at(30))]
        assert planned_end(events, 104) == at(50)
        assert planned_end(events[:2], 104) is None  # paused: no end while paused
        done = delivered([*events, PumpEvent("stop", at(50))], MG_PER_ML)
        assert done.volume_ml == pytest.approx(104)
        assert done.running_minutes == pytest.approx(40)
        assert done.paused_minutes == pytest.approx(10)

    def test_halving_the_rate_halfway(self) -> None:
        events = [start(), PumpEvent("rate_change", at(20), 78)]
        assert delivered(events, MG_PER_ML).volume_ml == pytest.approx(52)
        assert planned_end(events, 104) == at(60)  # 52 mL left at 78 mL/h = 40 min
        assert delivered(events, MG_PER_ML, until=at(60)).volume_ml == pytest.approx(104)

    def test_still_running_counts_up_to_until(self) -> None:
        assert delivered([start()], MG_PER_ML, until=at(10)).volume_ml == pytest.approx(26)
        assert delivered([start()], MG_PER_ML).volume_ml == 0  # no until: up to the last event

    def test_until_after_the_stop_adds_nothing(self) -> None:
        events = [start(), PumpEvent("stop", at(40))]
        assert delivered(events, MG_PER_ML, until=at(90)) == delivered(events, MG_PER_ML)

    def test_until_before_the_start(self) -> None:
        assert delivered([start(10)], MG_PER_ML, until=at(0)) == Delivered(0, 0, 0, 0)

    def test_no_events_delivered_nothing(self) -> None:
        assert delivered([], MG_PER_ML, until=at(60)) == Delivered(0, 0, 0, 0)
        assert planned_end([], 104) is None

    def test_the_bag_runs_dry(self) -> None:
        result = delivered([start()], MG_PER_ML, until=at(90), bag_volume_ml=104)
        assert result.volume_ml == pytest.approx(104)
        assert result.running_minutes == pytest.approx(40)

    def test_a_forgotten_stop_shows_the_bag_ran_out_in_the_past(self) -> None:
        events = [start(), PumpEvent("rate_change", at(50), 100)]
        assert planned_end(events, 104) == at(40)

    def test_a_rate_change_while_paused_applies_on_resume(self) -> None:
        events = [
            start(),
            PumpEvent("pause", at(10)),
            PumpEvent("rate_change", at(15), 78),
            PumpEvent("resume", at(20)),
            PumpEvent("stop", at(30)),
        ]
        result = delivered(events, MG_PER_ML)
        assert result.volume_ml == pytest.approx(26 + 13)
        assert result.paused_minutes == pytest.approx(10)

    def test_concentration_must_be_a_number(self) -> None:
        with pytest.raises(ValueError, match="mg_per_ml"):
            delivered([start()], -1)


class TestRefusedTimelines:
    @pytest.mark.parametrize(
        ("events", "problem"),
        [
            ([PumpEvent("pause", at(0))], "pause before the infusion started"),
            ([start(), PumpEvent("resume", at(5))], "resume without a pause"),
            ([start(), PumpEvent("stop", at(5)), PumpEvent("resume", at(6))], "already stopped"),
            ([start(10), PumpEvent("pause", at(5))], "event before the previous one"),
            ([start(), start(5)], "the infusion has already started"),
            ([start(rate=0)], "rate must be above 0 mL/h"),
            ([start(rate=-3)], "rate must be above 0 mL/h"),
            ([PumpEvent("start", at(0))], "start needs a rate in mL/h"),
            ([start(), PumpEvent("rate_change", at(5))], "rate change needs a rate"),
            ([start(rate=5000)], "rate must be between 0.1 and 999 mL/h"),
            ([start(rate=float("nan"))], "rate must be above 0 mL/h"),
            ([start(rate=float("inf"))], "rate must be between"),
            (
                [start(), PumpEvent("pause", at(5)), PumpEvent("pause", at(6))],
                "pause while already paused",
            ),
        ],
    )
    def test_validate_names_the_problem(self, events: list[PumpEvent], problem: str) -> None:
        with pytest.raises(TimelineError, match=problem):
            validate(events)
        with pytest.raises(TimelineError):
            delivered(events, MG_PER_ML)

    def test_the_message_says_which_event(self) -> None:
        with pytest.raises(TimelineError, match=r"event 2 \(resume at 09:05:00\)"):
            validate([start(), PumpEvent("resume", at(5))])

    def test_next_event_problem(self) -> None:
        running = [start()]
        assert next_event_problem(running, PumpEvent("pause", at(5))) is None
        assert next_event_problem(running, PumpEvent("resume", at(5))) == "resume without a pause"
        assert (
            next_event_problem([], PumpEvent("stop", at(0))) == "stop before the infusion started"
        )
        assert next_event_problem(running, PumpEvent("pause", at(-1))) == (
            "event before the previous one"
        )
        assert next_event_problem(running, PumpEvent("rate_change", at(5), 0)) == (
            "rate must be above 0 mL/h"
        )
        broken = [start(), PumpEvent("resume", at(5))]
        problem = next_event_problem(broken, PumpEvent("stop", at(6)))
        assert problem is not None and "resume without a pause" in problem

    def test_stopping_while_paused_is_allowed(self) -> None:
        validate([start(), PumpEvent("pause", at(5)), PumpEvent("stop", at(8))])


# A random legal timeline: a start, then legal events at non-decreasing times.
rates = st.floats(1, 500)
gaps = st.floats(0, 30)


@st.composite
def timelines(draw: st.DrawFn) -> list[PumpEvent]:
    events = [start(draw(st.floats(0, 10)), draw(rates))]
    paused = False
    for _ in range(draw(st.integers(0, 8))):
        when = events[-1].at + timedelta(minutes=draw(gaps))
        kind = draw(st.sampled_from(["pause_or_resume", "rate_change", "stop"]))
        if kind == "stop":
            events.append(PumpEvent("stop", when))
            break
        if kind == "rate_change":
            events.append(PumpEvent("rate_change", when, draw(rates)))
        else:
            events.append(PumpEvent("resume" if paused else "pause", when))
            paused = not paused
    return events


concentrations = st.floats(0.01, 50)
minutes = st.floats(0, 400)


class TestProperties:
    @given(timelines())
    def test_generated_timelines_are_valid(self, events: list[PumpEvent]) -> None:
        validate(events)
        for number in range(1, len(events)):
            assert next_event_problem(events[:number], events[number]) is None

    @given(timelines(), concentrations, minutes)
    def test_never_negative_and_dose_is_volume_times_concentration(
        self, events: list[PumpEvent], mg_per_ml: float, until: float
    ) -> None:
        result = delivered(events, mg_per_ml, at(until))
        assert result.volume_ml >= 0 and result.running_minutes >= 0 and result.paused_minutes >= 0
        assert result.dose_mg == pytest.approx(result.volume_ml * mg_per_ml)

    @given(timelines(), minutes, minutes)
    def test_monotone_in_time(self, events: list[PumpEvent], a: float, b: float) -> None:
        early, late = sorted((a, b))
        first, second = delivered(events, 1, at(early)), delivered(events, 1, at(late))
        assert first.volume_ml <= second.volume_ml + 1e-9
        assert first.running_minutes <= second.running_minutes + 1e-9

    @given(timelines(), minutes)
    def test_time_is_split_between_running_and_paused(
        self, events: list[PumpEvent], until: float
    ) -> None:
        result = delivered(events, 1, at(until))
        stop = next((e.at for e in events if e.kind == "stop"), None)
        end = min(at(until), stop) if stop else at(until)
        elapsed = max((end - events[0].at).total_seconds() / 60, 0)
        assert result.running_minutes + result.paused_minutes == pytest.approx(elapsed, abs=1e-6)

    @given(timelines(), minutes, st.floats(0, 1), st.floats(0, 60))
    def test_pausing_never_increases_the_volume(
        self, events: list[PumpEvent], until: float, where: float, length: float
    ) -> None:
        """Insert a pause and resume between two events while the pump runs."""
        index = int(where * (len(events) - 1))
        before, after = events[: index + 1], events[index + 1 :]
        paused_so_far = sum(
            1 if e.kind == "pause" else -1 if e.kind == "resume" else 0 for e in before
        )
        assume(paused_so_far == 0 and before[-1].kind != "stop")
        pause_at = before[-1].at
        resume_at = pause_at + timedelta(minutes=length)
        assume(not after or resume_at <= after[0].at)
        with_pause = [*before, PumpEvent("pause", pause_at), PumpEvent("resume", resume_at), *after]
        validate(with_pause)
        assert (
            delivered(with_pause, 1, at(until)).volume_ml
            <= delivered(events, 1, at(until)).volume_ml + 1e-9
        )

    @given(st.floats(1, 500), st.floats(1, 500), minutes)
    def test_volume_is_rate_times_time_at_a_constant_rate(
        self, rate: float, volume: float, until: float
    ) -> None:
        events = [start(0, rate)]
        end = planned_end(events, volume)
        assert end is not None
        assert (end - T0).total_seconds() / 3600 == pytest.approx(volume / rate, rel=1e-6)
        expected = rate * until / 60
        assert delivered(events, 1, at(until)).volume_ml == pytest.approx(expected, abs=1e-6)

    @given(timelines(), st.floats(1, 1000), minutes)
    def test_the_bag_is_never_exceeded(
        self, events: list[PumpEvent], bag: float, until: float
    ) -> None:
        assert delivered(events, 1, at(until), bag_volume_ml=bag).volume_ml <= bag + 1e-9
