"""Dashboard figures for a cohort of treatment courses. Pure: facts in, figures out.

Definitions (clinic choices are marked):
- *Induction completed*: every induction session of the course was given (none cancelled, none
  still planned). Denominator: courses started. Courses still in induction are counted apart.
- *Baseline*: per instrument, by the clinic's baseline rule (``scales.outcomes.choose_baseline``).
- *End of induction* (clinic choice): the last score after the baseline and no later than
  ``window_days`` after the last induction session given. Courses still in induction are left out;
  courses stopped early count with their last score (last observation carried forward).
- *Response*: reduction from baseline at or above the instrument's ``response_reduction_pct``;
  *remission*: each of the instrument's cut-offs (``outcome_criteria``), never hard-coded here.
- *Time to response*: days from the first session to the first score meeting response; censored
  at the last score. *Loss of response*: days from that first response to the first later score
  no longer meeting it; censored at the last score.
- *Per-session rates*: share of sessions given with at least one adverse event, or with at least
  one blood-pressure reading beyond a protocol threshold. *Sessions given* (the denominator) are
  the completed sessions plus the chair sessions aborted after dosing started (clinic choice: drug
  was given, so an adverse event could occur). ``CourseFacts.sessions`` holds them one by one, or
  already counted (``SessionTotals``) when the database did the counting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ketacare.outcomes.stats import Proportion, Step, kaplan_meier, median_time, proportion
from ketacare.scales.criteria import OutcomeCriteria
from ketacare.scales.outcomes import BaselineRule, Score, choose_baseline, status_of

DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class SessionFacts:
    adverse_events: int
    bp_excursion: bool


@dataclass(frozen=True)
class SessionTotals:
    """A course's sessions given, counted: the per-session facts without one row per session."""

    given: int
    adverse_events: int  # all events
    adverse_event_sessions: int  # sessions with at least one
    bp_excursion_sessions: int

    @classmethod
    def of(cls, sessions: Sequence[SessionFacts] | SessionTotals) -> SessionTotals:
        if isinstance(sessions, SessionTotals):
            return sessions
        return cls(
            given=len(sessions),
            adverse_events=sum(s.adverse_events for s in sessions),
            adverse_event_sessions=sum(1 for s in sessions if s.adverse_events > 0),
            bp_excursion_sessions=sum(1 for s in sessions if s.bp_excursion),
        )


@dataclass(frozen=True)
class CourseFacts:
    patient_key: str  # opaque: only used to count distinct patients
    protocol_key: str
    induction_planned: int
    induction_completed: int
    induction_open: int  # induction sessions still planned
    first_session_at: datetime | None
    induction_end_at: datetime | None  # the last induction session given
    scores: Mapping[str, Sequence[Score]] = field(default_factory=dict)
    sessions: Sequence[SessionFacts] | SessionTotals = ()

    @property
    def in_induction(self) -> bool:
        return self.induction_open > 0


@dataclass(frozen=True)
class Survival:
    steps: tuple[Step, ...]
    subjects: int
    events: int
    median_days: float | None


@dataclass(frozen=True)
class InstrumentFigures:
    instrument_id: str
    evaluable: int
    response: Proportion
    remission: tuple[tuple[str, Proportion], ...]
    time_to_response: Survival
    loss_of_response: Survival


@dataclass(frozen=True)
class Figures:
    patients_started: int
    courses_started: int
    in_induction: int
    induction_completion: Proportion
    sessions_given: int
    adverse_events: int  # all events, for the record
    adverse_event_sessions: Proportion
    bp_excursion_sessions: Proportion
    instruments: tuple[InstrumentFigures, ...]


def figures(
    courses: Sequence[CourseFacts],
    criteria: Mapping[str, OutcomeCriteria],
    *,
    baseline_rule: BaselineRule = "last_before_first_treatment",
    window_days: int = 7,
) -> Figures:
    totals = [SessionTotals.of(c.sessions) for c in courses]
    given = sum(t.given for t in totals)
    completed = sum(1 for c in courses if _completed_induction(c))
    return Figures(
        patients_started=len({c.patient_key for c in courses}),
        courses_started=len(courses),
        in_induction=sum(1 for c in courses if c.in_induction),
        induction_completion=proportion(completed, len(courses)),
        sessions_given=given,
        adverse_events=sum(t.adverse_events for t in totals),
        adverse_event_sessions=proportion(sum(t.adverse_event_sessions for t in totals), given),
        bp_excursion_sessions=proportion(sum(t.bp_excursion_sessions for t in totals), given),
        instruments=tuple(
            _instrument(courses, instrument_id, criteria[instrument_id], baseline_rule, window_days)
            for instrument_id in sorted(criteria)
        ),
    )


def _completed_induction(course: CourseFacts) -> bool:
    return course.induction_planned > 0 and course.induction_completed == course.induction_planned


@dataclass(frozen=True)
class _Judged:
    at_end: Score | None  # the end-of-induction score
    baseline: Score
    after: list[Score]  # scores after the baseline and from the first session on


def _judge(
    course: CourseFacts, instrument_id: str, rule: BaselineRule, window_days: int
) -> _Judged | None:
    scores = sorted(course.scores.get(instrument_id, ()))
    first = course.first_session_at
    if first is None or not scores:
        return None
    baseline, _ = choose_baseline(scores, first, rule)
    if baseline is None:
        return None
    later = [s for s in scores if s.at > baseline.at]
    at_end = None
    if not course.in_induction and course.induction_end_at is not None:
        until = course.induction_end_at + timedelta(days=window_days)
        at_end = next((s for s in reversed(later) if s.at <= until), None)
    return _Judged(at_end, baseline, [s for s in later if s.at >= first])


def _instrument(
    courses: Sequence[CourseFacts],
    instrument_id: str,
    criteria: OutcomeCriteria,
    rule: BaselineRule,
    window_days: int,
) -> InstrumentFigures:
    judged = (
        (c, _judge(c, instrument_id, rule, window_days))
        for c in courses
        if c.scores.get(instrument_id)  # no scores: nothing to judge (and a cheap test)
    )
    pairs = [(c, j) for c, j in judged if j is not None]
    ends = [(j.baseline, j.at_end) for _, j in pairs if j.at_end is not None]
    responders = sum(1 for b, e in ends if _responds(b, e, criteria))
    remission = tuple(
        (cut.name, proportion(sum(1 for _, e in ends if cut.met(e.total)), len(ends)))
        for cut in criteria.remission
    )
    to_response: list[tuple[float, bool]] = []
    kept: list[tuple[float, bool]] = []
    for course, j in pairs:
        if not j.after or course.first_session_at is None:
            continue
        hit = next((s for s in j.after if _responds(j.baseline, s, criteria)), None)
        if hit is None:
            to_response.append((_days(course.first_session_at, j.after[-1].at), False))
            continue
        to_response.append((_days(course.first_session_at, hit.at), True))
        following = [s for s in j.after if s.at > hit.at]
        lost = next((s for s in following if not _responds(j.baseline, s, criteria)), None)
        end = lost or (following[-1] if following else hit)
        kept.append((_days(hit.at, end.at), lost is not None))
    return InstrumentFigures(
        instrument_id=instrument_id,
        evaluable=len(ends),
        response=proportion(responders, len(ends)),
        remission=remission,
        time_to_response=_survival(to_response),
        loss_of_response=_survival(kept),
    )


def _responds(baseline: Score, score: Score, criteria: OutcomeCriteria) -> bool:
    return status_of(baseline.total, score.total, criteria) == "response"


def _days(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / DAY_SECONDS)


def _survival(subjects: list[tuple[float, bool]]) -> Survival:
    steps = kaplan_meier([d for d, _ in subjects], [e for _, e in subjects])
    return Survival(
        steps=tuple(steps),
        subjects=len(subjects),
        events=sum(1 for _, e in subjects if e),
        median_days=median_time(steps),
    )
