"""The dose actually delivered, from the infusion pump's timeline. Pure.

A timeline is a start, then any pauses, resumes and rate changes, and at most one stop, in time
order. Volume is the rate integrated over the running time; dose is volume times concentration.
A rate change while paused is allowed (it takes effect on resume), as on a real pump.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

PumpKind = Literal["start", "pause", "resume", "rate_change", "stop"]

# What a volumetric infusion pump can be set to. A data-entry guard against typing slips, not a
# clinical limit; a ketacare choice (common pumps run 0.1-999 mL/h).
RATE_RANGE_ML_PER_H = (0.1, 999.0)


@dataclass(frozen=True)
class PumpEvent:
    kind: PumpKind
    at: datetime
    rate_ml_per_h: float | None = None  # required for start and rate_change; ignored otherwise


class TimelineError(Exception):
    """A timeline that cannot have happened; the message names the problem."""


@dataclass(frozen=True)
class _Pump:
    """Where the pump is after some events."""

    started: bool = False
    paused: bool = False
    stopped: bool = False
    rate_ml_per_h: float = 0.0

    @property
    def running(self) -> bool:
        return self.started and not self.paused and not self.stopped


def _rate_problem(event: PumpEvent) -> str | None:
    rate = event.rate_ml_per_h
    if rate is None:
        return f"{event.kind.replace('_', ' ')} needs a rate in mL/h"
    if math.isnan(rate) or rate <= 0:
        return "rate must be above 0 mL/h"
    low, high = RATE_RANGE_ML_PER_H
    if not low <= rate <= high:
        return f"rate must be between {low:g} and {high:g} mL/h"
    return None


def _problem(pump: _Pump, previous: datetime | None, event: PumpEvent) -> str | None:
    """Why ``event`` cannot follow a pump in state ``pump`` whose last event was at ``previous``."""
    if previous is not None and event.at < previous:
        return "event before the previous one"
    if pump.stopped:
        return "the infusion has already stopped"
    if not pump.started and event.kind != "start":
        return f"{event.kind.replace('_', ' ')} before the infusion started"
    if event.kind == "start":
        return "the infusion has already started" if pump.started else _rate_problem(event)
    if event.kind == "rate_change":
        return _rate_problem(event)
    if event.kind == "pause" and pump.paused:
        return "pause while already paused"
    if event.kind == "resume" and not pump.paused:
        return "resume without a pause"
    return None


def _apply(pump: _Pump, event: PumpEvent) -> _Pump:
    rate = event.rate_ml_per_h
    if event.kind == "start" and rate is not None:
        return _Pump(started=True, rate_ml_per_h=rate)
    if event.kind == "rate_change" and rate is not None:
        return _Pump(pump.started, pump.paused, pump.stopped, rate)
    if event.kind == "pause":
        return _Pump(pump.started, True, pump.stopped, pump.rate_ml_per_h)
    if event.kind == "resume":
        return _Pump(pump.started, False, pump.stopped, pump.rate_ml_per_h)
    return _Pump(pump.started, pump.paused, True, pump.rate_ml_per_h)  # stop


def _fold(events: Sequence[PumpEvent]) -> _Pump:
    """The pump after ``events``, or TimelineError naming the first impossible event."""
    pump, previous = _Pump(), None
    for number, event in enumerate(events, start=1):
        problem = _problem(pump, previous, event)
        if problem:
            raise TimelineError(f"event {number} ({event.kind} at {event.at:%H:%M:%S}): {problem}")
        pump, previous = _apply(pump, event), event.at
    return pump


def validate(events: Sequence[PumpEvent]) -> None:
    """Raise TimelineError if ``events`` cannot have happened in this order."""
    _fold(events)


def next_event_problem(events: Sequence[PumpEvent], new: PumpEvent) -> str | None:
    """Why ``new`` may not be added after ``events`` (which must be valid), or None."""
    try:
        pump = _fold(events)
    except TimelineError as error:
        return str(error)
    return _problem(pump, events[-1].at if events else None, new)


@dataclass(frozen=True)
class Delivered:
    volume_ml: float
    dose_mg: float
    running_minutes: float
    paused_minutes: float


@dataclass(frozen=True)
class _Segment:
    start: datetime
    end: datetime | None  # None: still going after the last event
    rate_ml_per_h: float | None  # None: paused


def _segments(events: Sequence[PumpEvent]) -> Iterator[_Segment]:
    pump = _Pump()
    for index, event in enumerate(events):
        following = events[index + 1] if index + 1 < len(events) else None
        pump = _apply(pump, event)
        if pump.stopped:
            return
        rate = pump.rate_ml_per_h if pump.running else None
        yield _Segment(event.at, following.at if following else None, rate)


def _hours(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 3600


def delivered(
    events: Sequence[PumpEvent],
    mg_per_ml: float,
    until: datetime | None = None,
    bag_volume_ml: float | None = None,
) -> Delivered:
    """What the pump delivered up to ``until`` (default: the stop, or the last event if still
    running). With ``bag_volume_ml`` the pump runs dry when the bag is empty."""
    if not (mg_per_ml >= 0 and math.isfinite(mg_per_ml)):
        raise ValueError("mg_per_ml must be a finite number, 0 or above")
    validate(events)
    horizon = until if until is not None else (events[-1].at if events else None)
    volume = running_h = paused_h = 0.0
    for segment in _segments(events):
        if horizon is None or segment.start >= horizon:
            break
        end = horizon if segment.end is None else min(segment.end, horizon)
        hours = _hours(segment.start, end)
        if segment.rate_ml_per_h is None:
            paused_h += hours
            continue
        if bag_volume_ml is not None:
            hours = min(hours, max(bag_volume_ml - volume, 0.0) / segment.rate_ml_per_h)
        volume += segment.rate_ml_per_h * hours
        running_h += hours
    return Delivered(volume, volume * mg_per_ml, running_h * 60, paused_h * 60)


def planned_end(events: Sequence[PumpEvent], total_volume_ml: float) -> datetime | None:
    """When the bag of ``total_volume_ml`` runs out at the current rate, if the pump is running
    (None when not started, paused or stopped). A time in the past means it has run out."""
    pump = _fold(events)
    if not pump.running:
        return None
    volume = 0.0
    for segment in _segments(events):
        if segment.rate_ml_per_h is None:
            continue
        remaining_h = max(total_volume_ml - volume, 0.0) / segment.rate_ml_per_h
        if segment.end is None or segment.start + timedelta(hours=remaining_h) <= segment.end:
            return segment.start + timedelta(hours=remaining_h)
        volume += segment.rate_ml_per_h * _hours(segment.start, segment.end)
    return None  # pragma: no cover - a running pump always ends on an open segment
