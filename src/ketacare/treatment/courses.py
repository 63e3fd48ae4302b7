"""Course use cases: start from a signed assessment, record sessions, propose, decide. Audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.eligibility import assessments
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound
from ketacare.patients import service as patients_service
from ketacare.protocols import service as protocols
from ketacare.protocols.schema import Phase, Protocol
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument
from ketacare.scales.outcomes import Score, evaluate
from ketacare.treatment import course_rules as rules
from ketacare.treatment.models import Course, CourseProposal, CourseSession


class CourseRepository(ClinicScopedRepository):
    def courses_of(self, patient_id: uuid.UUID) -> list[Course]:
        statement = select(Course).where(
            Course.clinic_id == self.clinic_id,
            Course.patient_id == patient_id,
            Course.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(Course.created_at)))

    def course(self, patient_id: uuid.UUID, course_id: uuid.UUID) -> Course | None:
        row = self.session.get(Course, course_id)
        ok = row is not None and row.clinic_id == self.clinic_id and row.patient_id == patient_id
        return row if ok and row is not None and row.voided_at is None else None

    def sessions(self, course_id: uuid.UUID) -> list[CourseSession]:
        statement = select(CourseSession).where(
            CourseSession.clinic_id == self.clinic_id,
            CourseSession.course_id == course_id,
            CourseSession.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(CourseSession.number)))

    def proposals(self, course_id: uuid.UUID) -> list[CourseProposal]:
        statement = select(CourseProposal).where(
            CourseProposal.clinic_id == self.clinic_id,
            CourseProposal.course_id == course_id,
            CourseProposal.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(CourseProposal.created_at)))


def _require_eligible(
    session: Session, actor: Actor, patient_id: uuid.UUID, treatment: str
) -> uuid.UUID:
    status = assessments.status_for(session, actor, patient_id, treatment)
    name = assessments.TREATMENT_NAMES[treatment]
    if status.assessment is None:
        raise InvalidInput.one(
            "protocol", f"needs a signed eligibility assessment for {name} first"
        )
    if status.out_of_date:
        raise InvalidInput.one(
            "protocol",
            f"the {name} eligibility assessment is out of date: a physician must review it",
        )
    if status.assessment.conclusion == "not_eligible":
        raise InvalidInput.one("protocol", f"the signed assessment says not eligible for {name}")
    return status.assessment.id


def _add_sessions(
    session: Session, actor: Actor, course: Course, phase: Phase, first_on: date, start: int
) -> None:
    repository = CourseRepository(session, actor)
    for offset, planned in enumerate(rules.lay_out(phase, first_on)):
        repository.add(
            CourseSession(
                clinic_id=course.clinic_id,
                created_by=actor.user_id,
                course_id=course.id,
                patient_id=course.patient_id,
                number=start + offset,
                phase=planned.phase,
                number_in_phase=planned.number_in_phase,
                planned_on=planned.planned_on,
                status="planned",
            )
        )


def start(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    protocol_version_id: uuid.UUID,
    first_on: date,
    today: date,
) -> Course:
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    version = protocols.version(session, actor, protocol_version_id)
    protocol = protocols.parsed(version)
    assessment_id = _require_eligible(session, actor, patient_id, protocol.treatment)
    if first_on < today:
        raise InvalidInput.one("first_on", f"cannot be before today ({today:%Y-%m-%d})")
    if any(
        not_ended(session, actor, c)
        for c in CourseRepository(session, actor).courses_of(patient_id)
    ):
        raise InvalidInput.one("protocol", "the patient already has a course in progress")
    age = patients_service.chart(session, actor, patient_id).age_years
    course = Course(
        clinic_id=patient.clinic_id,
        created_by=actor.user_id,
        patient_id=patient_id,
        protocol_version_id=version.id,
        eligibility_assessment_id=assessment_id,
        treatment=protocol.treatment,
        started_on=first_on,
        start_dose=rules.starting_dose(protocol, age),
    )
    CourseRepository(session, actor).add(course)
    _add_sessions(session, actor, course, protocol.phases[0], first_on, 1)
    audit.record(
        session,
        actor,
        "course.start",
        "course",
        course.id,
        patient_id=patient_id,
        details={"protocol": version.key, "version": version.version},
    )
    return course


def _state(protocol: Protocol, course: Course, proposals: list[CourseProposal]) -> rules.State:
    accepted = [
        rules.Accepted(p.kind, p.to_dose)  # type: ignore[arg-type]  # CHECK-constrained
        for p in proposals
        if p.status == "accepted"
    ]
    return rules.state_of(protocol, course.start_dose, accepted)


def not_ended(session: Session, actor: Actor, course: Course) -> bool:
    protocol = protocols.parsed(protocols.version(session, actor, course.protocol_version_id))
    proposals = CourseRepository(session, actor).proposals(course.id)
    return not _state(protocol, course, proposals).ended


def improvement_pct(
    session: Session,
    actor: Actor,
    instruments: dict[str, Instrument],
    settings: Settings,
    protocol: Protocol,
    patient_id: uuid.UUID,
    first_session_on: date,
) -> tuple[float | None, str]:
    """Reduction from baseline on the first outcome instrument that has a baseline and a later
    score. Baseline: the last score before the first session's day (clinic setting rule)."""
    first_at = datetime(
        first_session_on.year, first_session_on.month, first_session_on.day, tzinfo=UTC
    )
    rows = scales_service.responses(session, actor, patient_id)
    for instrument_id in protocol.outcome_instruments:
        instrument = instruments.get(instrument_id)
        criteria = instrument.outcome_criteria if instrument else None
        scores = [
            Score(r.administered_at, r.total)
            for r in rows
            if r.instrument_id == instrument_id and r.total is not None
        ]
        if criteria is None or not scores:
            continue
        outcome = evaluate(
            scores, criteria, first_treatment_at=first_at, baseline_rule=settings.outcome_baseline
        )
        base, last = outcome.baseline, outcome.latest
        later = base is not None and last is not None and last.at > max(first_at, base.at)
        if later and outcome.percent_change is not None:
            return outcome.percent_change, instrument_id
    return None, ""


@dataclass(frozen=True)
class Loaded:
    course: Course
    protocol: Protocol
    version_key: str
    version_number: int
    sessions: list[CourseSession]
    proposals: list[CourseProposal]
    state: rules.State


def load(session: Session, actor: Actor, patient_id: uuid.UUID, course_id: uuid.UUID) -> Loaded:
    patients_service.get(session, actor, patient_id, audit_view=False)
    repository = CourseRepository(session, actor)
    course = repository.course(patient_id, course_id)
    if course is None:
        raise NotFound("no such course")
    version = protocols.version(session, actor, course.protocol_version_id)
    protocol = protocols.parsed(version)
    proposals = repository.proposals(course.id)
    return Loaded(
        course,
        protocol,
        version.key,
        version.version,
        repository.sessions(course.id),
        proposals,
        _state(protocol, course, proposals),
    )


def record_session(
    session: Session,
    actor: Actor,
    instruments: dict[str, Instrument],
    settings: Settings,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    completed_on: date,
    dose_given_mg: float,
    tolerated: bool,
    note: str,
    today: date,
) -> list[CourseProposal]:
    """Record the next planned session as given; the decision points then propose."""
    loaded = load(session, actor, patient_id, course_id)
    planned = [s for s in loaded.sessions if s.status == "planned"]
    if loaded.state.ended or not planned:
        raise InvalidInput.one("completed_on", "the course has no planned session left")
    given = planned[0]
    completed = [s for s in loaded.sessions if s.status == "completed"]
    problems = []
    if completed_on > today:
        problems.append(FieldProblem("completed_on", "cannot be in the future"))
    if completed_on < loaded.course.started_on:
        problems.append(
            FieldProblem(
                "completed_on",
                f"cannot be before the course started ({loaded.course.started_on:%Y-%m-%d})",
            )
        )
    previous = completed[-1].completed_on if completed else None
    phase = rules.phase_named(loaded.protocol, given.phase)
    spacing = rules.spacing_problem(phase, previous, completed_on)
    if spacing and not problems:  # one message per field: the first that applies
        problems.append(FieldProblem("completed_on", spacing))
    if not 0 < dose_given_mg <= 500:
        problems.append(
            FieldProblem("dose_given_mg", "must be between 0 and 500", {"min": 0, "max": 500})
        )
    if problems:
        raise InvalidInput(problems)
    given.status, given.completed_on = "completed", completed_on
    given.dose_given_mg, given.tolerated, given.note = dose_given_mg, tolerated, note or None
    given.closed_by, given.closed_at = actor.user_id, utcnow()
    audit.record(
        session, actor, "course_session.complete", "course_session", given.id, patient_id=patient_id
    )
    first_on = (completed[0].completed_on if completed else completed_on) or completed_on
    improvement, _ = improvement_pct(
        session, actor, instruments, settings, loaded.protocol, patient_id, first_on
    )
    in_phase = sum(1 for s in completed if s.phase == given.phase) + 1
    made = []
    for suggestion in rules.suggestions(
        loaded.protocol, loaded.state, in_phase, improvement, tolerated
    ):
        row = CourseProposal(
            clinic_id=loaded.course.clinic_id,
            created_by=actor.user_id,
            course_id=course_id,
            patient_id=patient_id,
            after_session_id=given.id,
            kind=suggestion.kind,
            explanation=suggestion.explanation,
            source=suggestion.source,
            clinic_choice=suggestion.clinic_choice,
            improvement_pct=improvement,
            from_dose=suggestion.from_dose,
            to_dose=suggestion.to_dose,
            status="open",
        )
        CourseRepository(session, actor).add(row)
        audit.record(
            session,
            actor,
            "course_proposal.create",
            "course_proposal",
            row.id,
            patient_id=patient_id,
        )
        made.append(row)
    return made


def decide(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    proposal_id: uuid.UUID,
    accept: bool,
    reason: str,
    today: date,
) -> CourseProposal:
    loaded = load(session, actor, patient_id, course_id)
    proposal = next((p for p in loaded.proposals if p.id == proposal_id), None)
    if proposal is None:
        raise NotFound("no such proposal")
    if proposal.status != "open":
        raise InvalidInput.one("reason", f"this proposal was already {proposal.status}")
    if len(reason.strip()) < 3:
        raise InvalidInput.one("reason", "is required: say why (at least 3 characters)")
    proposal.status = "accepted" if accept else "declined"
    proposal.decided_by, proposal.decided_at = actor.user_id, utcnow()
    proposal.decision_reason = reason.strip()
    if accept:
        _apply(session, actor, loaded, proposal, today)
    audit.record(
        session,
        actor,
        f"course_proposal.{proposal.status}",
        "course_proposal",
        proposal.id,
        patient_id=patient_id,
        details={"kind": proposal.kind, "to_dose": proposal.to_dose},
    )
    return proposal


def _apply(
    session: Session, actor: Actor, loaded: Loaded, proposal: CourseProposal, today: date
) -> None:
    planned = [s for s in loaded.sessions if s.status == "planned"]
    if proposal.kind == "start_next_phase":
        following = rules.next_phase(loaded.protocol, loaded.state.phase)
        if following is None:
            raise InvalidInput.one("reason", "the protocol has no further phase")
        for row in planned:  # sessions left in the old phase give way to the new one
            _cancel(actor, row)
        last = max((s.completed_on for s in loaded.sessions if s.completed_on), default=today)
        first_on = max(last + timedelta(days=following.interval_pattern_days[0]), today)
        _add_sessions(session, actor, loaded.course, following, first_on, len(loaded.sessions) + 1)
    elif proposal.kind == "end_course":
        for row in planned:
            _cancel(actor, row)


def _cancel(actor: Actor, row: CourseSession) -> None:
    row.status, row.closed_by, row.closed_at = "cancelled", actor.user_id, utcnow()
