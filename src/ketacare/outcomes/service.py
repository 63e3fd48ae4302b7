"""Gathers the dashboard facts for a clinic in a fixed number of queries, then computes.

Queries (none per patient or session; SQL in ``repository``): the courses started in the range,
their sessions grouped per course, phase and status with their times, adverse events and
blood-pressure excursions; the chair sessions aborted after dosing started, counted per course;
and the outcome scores. Definitions: docs/outcomes.md.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.outcomes import cohort
from ketacare.outcomes.repository import OutcomesRepository
from ketacare.scales.criteria import OutcomeCriteria
from ketacare.scales.definitions import Instrument
from ketacare.scales.outcomes import BaselineRule, Score
from ketacare.treatment.models import Course

# As in treatment.history: a session recorded without the chair workflow sits at the end of its day.
_NO_TIME = time(23, 59, 59)

__all__ = [
    "Dashboard",
    "OutcomesRepository",
    "course_facts",
    "cyclic_gc_paused",
    "dashboard",
    "gather",
    "outcome_criteria",
]


def outcome_criteria(instruments: Mapping[str, Instrument]) -> dict[str, OutcomeCriteria]:
    """Instruments with outcome criteria where a lower total is better (depression, anxiety)."""
    found = {i: inst.outcome_criteria for i, inst in instruments.items()}
    return {i: c for i, c in found.items() if c is not None and c.higher_is_worse}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the dashboard builds tens of thousands of
    rows, scores and facts. All of them are freed by reference counting; with the collector on,
    its scans (over the whole app's long-lived objects, each time enough new objects pile up)
    took about a third of the dashboard's time at 10,000 patients. Process-wide but short, and
    nothing is lost: the collector is back on, and runs as usual, as soon as the block ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    protocol: str | None
    protocols: list[str]
    figures: cohort.Figures


def dashboard(
    session: Session,
    actor: Actor,
    instruments: Mapping[str, Instrument],
    start: date,
    end: date,
    protocol: str | None,
    baseline_rule: BaselineRule = "last_before_first_treatment",
    via: str = "page",
) -> Dashboard:
    repository = OutcomesRepository(session, actor)
    criteria = outcome_criteria(instruments)
    with cyclic_gc_paused():
        facts = gather(repository, start, end, protocol, sorted(criteria))
        result = cohort.figures(facts, criteria, baseline_rule=baseline_rule)
    audit.record(
        session,
        actor,
        "outcomes.view",
        "outcomes",
        details={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "protocol": protocol,
            "courses": result.courses_started,
            "patients": result.patients_started,
            "via": via,
        },
    )
    return Dashboard(start, end, protocol, repository.protocol_keys(), result)


def utc(value: str) -> datetime:
    """A raw time from the database (``repository.raw``) as an aware UTC datetime."""
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:  # SQLite stores UTC without an offset
        return when.replace(tzinfo=UTC)
    return when if when.tzinfo is UTC else when.astimezone(UTC)


def _end_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, _NO_TIME, tzinfo=UTC)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return a if b is None or (a is not None and a <= b) else b


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return a if b is None or (a is not None and a >= b) else b


def course_facts(
    patient_key: str,
    protocol_key: str,
    groups: Sequence[Any],
    aborted: Any | None,
    scores: Mapping[str, Sequence[Score]],
) -> cohort.CourseFacts:
    """One course from its session groups (``OutcomesRepository.session_groups`` rows) and its
    aborted chair sessions (an ``aborted_sessions`` row, or None).

    Induction: the phase of the lowest-numbered session. A session given is timed at its dosing
    start at the chair, or at the end of its day when given without the chair workflow. Sessions
    given: the completed ones and the chair sessions aborted after dosing started."""
    first_phase = min(groups, key=lambda g: g.first_number).phase if groups else None
    planned = completed = still_open = 0
    given, events, ae_sessions, bp_sessions = _counts(aborted)
    first: datetime | None = None
    end: datetime | None = None
    for g in groups:
        count = int(g.sessions)
        induction = g.phase == first_phase
        planned += count if induction else 0
        if g.status == "planned":
            still_open += count if induction else 0
        elif g.status == "completed":
            given += count
            events += int(g.adverse_events)
            ae_sessions += int(g.ae_sessions)
            bp_sessions += int(g.bp_sessions)
            first = _min(_min(first, g.first_chair_at), _end_of(g.first_plain_day))
            if induction:
                completed += count
                end = _max(_max(end, g.last_chair_at), _end_of(g.last_plain_day))
    return cohort.CourseFacts(
        patient_key=patient_key,
        protocol_key=protocol_key,
        induction_planned=planned,
        induction_completed=completed,
        induction_open=still_open,
        first_session_at=first,
        induction_end_at=end,
        scores=scores,
        sessions=cohort.SessionTotals(given, events, ae_sessions, bp_sessions),
    )


def _counts(aborted: Any | None) -> tuple[int, int, int, int]:
    if aborted is None:
        return 0, 0, 0, 0
    return (
        int(aborted.aborted),
        int(aborted.adverse_events),
        int(aborted.ae_sessions),
        int(aborted.bp_sessions),
    )


def gather(
    repository: OutcomesRepository,
    start: date,
    end: date,
    protocol: str | None,
    instrument_ids: Sequence[str],
) -> list[cohort.CourseFacts]:
    courses_q = repository.courses(start, end, protocol)
    courses = repository.rows(courses_q)
    if not courses:
        return []
    course_ids = courses_q.with_only_columns(Course.id)
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in repository.rows(repository.session_groups(course_ids)):
        groups[row.course_id].append(row)
    aborted = {
        row.course_id: row for row in repository.rows(repository.aborted_sessions(course_ids))
    }
    patient_ids = courses_q.with_only_columns(Course.patient_id)
    scores: dict[Any, dict[str, list[Score]]] = defaultdict(dict)
    by_key: dict[tuple[Any, str], list[Score]] = {}
    # Tens of thousands of rows: the time is parsed inline (as in ``utc``); SQLite's text has no
    # offset and is UTC.
    parse, suffix = datetime.fromisoformat, "+00:00" if repository.naive_times else ""
    for patient_id, instrument_id, at, total in repository.rows(
        repository.scores(patient_ids, instrument_ids)
    ):
        when = parse(at + suffix)
        score = Score(when if when.tzinfo is UTC else when.astimezone(UTC), total)
        found = by_key.get((patient_id, instrument_id))
        if found is None:
            found = by_key[patient_id, instrument_id] = scores[patient_id][instrument_id] = []
        found.append(score)
    return [
        course_facts(
            str(patient_id),
            key,
            groups.get(course_id, []),
            aborted.get(course_id),
            scores.get(patient_id, {}),
        )
        for course_id, patient_id, key in courses
    ]
