"""Gathers the dashboard facts for a clinic in a fixed number of queries, then computes.

Queries (none per patient): the courses started in the range, their sessions, the chair sessions
behind them, adverse-event counts, vital readings that raised alerts, and the outcome scores.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.outcomes import cohort
from ketacare.protocols.models import ProtocolVersion
from ketacare.scales.criteria import OutcomeCriteria
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.scales.outcomes import BaselineRule, Score
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

Query = Select[*tuple[Any, ...]]

# As in treatment.history: a session recorded without the chair workflow sits at the end of its day.
_NO_TIME = time(23, 59, 59)
BP_MEASURES = frozenset({"systolic_mmhg", "diastolic_mmhg"})


class OutcomesRepository(ClinicScopedRepository):
    def protocol_keys(self) -> list[str]:
        statement = select(ProtocolVersion.key).where(
            ProtocolVersion.clinic_id == self.clinic_id, ProtocolVersion.voided_at.is_(None)
        )
        return sorted(set(self.session.scalars(statement.distinct())))

    def courses(self, start: date, end: date, protocol: str | None) -> Query:
        statement = (
            select(Course.id, Course.patient_id, ProtocolVersion.key)
            .join(ProtocolVersion, ProtocolVersion.id == Course.protocol_version_id)
            .where(
                Course.clinic_id == self.clinic_id,
                Course.voided_at.is_(None),
                Course.started_on >= start,
                Course.started_on <= end,
            )
        )
        return statement if protocol is None else statement.where(ProtocolVersion.key == protocol)

    def rows(self, statement: Query) -> list[Any]:
        return list(self.session.execute(statement).all())

    def sessions(self, course_ids: Query) -> Query:
        return select(
            CourseSession.id,
            CourseSession.course_id,
            CourseSession.number,
            CourseSession.phase,
            CourseSession.status,
            CourseSession.completed_on,
            CourseSession.planned_on,
        ).where(
            CourseSession.clinic_id == self.clinic_id,
            CourseSession.voided_at.is_(None),
            CourseSession.course_id.in_(course_ids),
        )

    def chair(self, session_ids: Query) -> Query:
        return select(
            TreatmentSession.id,
            TreatmentSession.course_session_id,
            TreatmentSession.dosing_started_at,
        ).where(
            TreatmentSession.clinic_id == self.clinic_id,
            TreatmentSession.voided_at.is_(None),
            TreatmentSession.course_session_id.in_(session_ids),
        )

    def adverse_events(self, chair_ids: Query) -> Query:
        return (
            select(SessionEvent.session_id, func.count())
            .where(
                SessionEvent.clinic_id == self.clinic_id,
                SessionEvent.voided_at.is_(None),
                SessionEvent.kind == "adverse_event",
                SessionEvent.session_id.in_(chair_ids),
            )
            .group_by(SessionEvent.session_id)
        )

    def alerted_readings(self, chair_ids: Query) -> Query:
        # Only readings that raised an alert come back: a small share of all readings.
        return select(VitalReading.session_id, VitalReading.alerts).where(
            VitalReading.clinic_id == self.clinic_id,
            VitalReading.voided_at.is_(None),
            VitalReading.session_id.in_(chair_ids),
            func.json_array_length(VitalReading.alerts) > 0,
        )

    def scores(self, patient_ids: Query, instrument_ids: Sequence[str]) -> Query:
        return select(
            ScaleResponse.patient_id,
            ScaleResponse.instrument_id,
            ScaleResponse.administered_at,
            ScaleResponse.total,
        ).where(
            ScaleResponse.clinic_id == self.clinic_id,
            ScaleResponse.voided_at.is_(None),
            ScaleResponse.total.is_not(None),
            ScaleResponse.instrument_id.in_(instrument_ids),
            ScaleResponse.patient_id.in_(patient_ids),
        )


def outcome_criteria(instruments: Mapping[str, Instrument]) -> dict[str, OutcomeCriteria]:
    """Instruments with outcome criteria where a lower total is better (depression, anxiety)."""
    found = {i: inst.outcome_criteria for i, inst in instruments.items()}
    return {i: c for i, c in found.items() if c is not None and c.higher_is_worse}


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
) -> Dashboard:
    repository = OutcomesRepository(session, actor)
    criteria = outcome_criteria(instruments)
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
        },
    )
    return Dashboard(start, end, protocol, repository.protocol_keys(), result)


def _at(day: date, dosing_started_at: datetime | None) -> datetime:
    return dosing_started_at or datetime.combine(day, _NO_TIME, tzinfo=UTC)


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
    sessions_q = repository.sessions(course_ids)
    sessions = repository.rows(sessions_q)
    chair_q = repository.chair(sessions_q.with_only_columns(CourseSession.id))
    chair = {row.course_session_id: row for row in repository.rows(chair_q)}
    chair_ids = chair_q.with_only_columns(TreatmentSession.id)
    adverse = {sid: int(n) for sid, n in repository.rows(repository.adverse_events(chair_ids))}
    bp = {
        sid
        for sid, alerts in repository.rows(repository.alerted_readings(chair_ids))
        if any(alert.get("measure") in BP_MEASURES for alert in alerts)
    }
    patient_ids = courses_q.with_only_columns(Course.patient_id)
    scores: dict[uuid.UUID, dict[str, list[Score]]] = defaultdict(lambda: defaultdict(list))
    for patient_id, instrument_id, at, total in repository.rows(
        repository.scores(patient_ids, instrument_ids)
    ):
        scores[patient_id][instrument_id].append(Score(at, total))
    by_course: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in sessions:
        by_course[row.course_id].append(row)
    facts = []
    for course_id, patient_id, key in courses:
        rows = sorted(by_course[course_id], key=lambda r: r.number)
        induction = [r for r in rows if rows and r.phase == rows[0].phase]
        given = [r for r in rows if r.status == "completed"]
        times = {
            r.id: _at(
                r.completed_on or r.planned_on, getattr(chair.get(r.id), "dosing_started_at", None)
            )
            for r in given
        }
        given_induction = [r for r in induction if r.status == "completed"]
        facts.append(
            cohort.CourseFacts(
                patient_key=str(patient_id),
                protocol_key=key,
                induction_planned=len(induction),
                induction_completed=len(given_induction),
                induction_open=sum(1 for r in induction if r.status == "planned"),
                first_session_at=min(times.values(), default=None),
                induction_end_at=max((times[r.id] for r in given_induction), default=None),
                scores=scores.get(patient_id, {}),
                sessions=tuple(
                    cohort.SessionFacts(
                        adverse_events=adverse.get(chair[r.id].id, 0) if r.id in chair else 0,
                        bp_excursion=r.id in chair and chair[r.id].id in bp,
                    )
                    for r in given
                ),
            )
        )
    return facts
