"""What a letter or a progress summary says, gathered through each domain's own (audited) service.

Pure shaping lives here too: the plain-language sentences of the patient's summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ketacare.accounts.models import Clinic
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.medications import service as medications_service
from ketacare.medications.models import PatientMedication
from ketacare.patients import service as patients_service
from ketacare.patients.models import Patient
from ketacare.scales import charts
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.scales.presentation import chart_spec
from ketacare.treatment import courses, history
from ketacare.treatment.session_models import SessionEvent
from ketacare.treatment.sessions import SessionRepository

TREATMENT_NAMES = {"iv_ketamine": "IV racemic ketamine", "esketamine": "intranasal esketamine"}
PLAIN_STATUS = {
    "response": "Your score has fallen by at least half since you started treatment.",
    "partial_response": "Your score has fallen since you started treatment.",
    "no_response": "Your score has not changed much since you started treatment yet.",
    "deterioration": "Your score is higher than when you started: please talk to your care team.",
    "baseline_only": "We have your starting score; later scores will show your progress.",
    "no_data": "There are no scores yet.",
}


@dataclass(frozen=True)
class ScoreSummary:
    instrument: str  # full name
    short_name: str
    baseline: int | None
    baseline_on: date | None
    latest: int | None
    latest_on: date | None
    percent_change: float | None  # reduction from baseline
    status: str  # outcomes.OutcomeStatus
    remission: bool
    count: int
    chart_svg: str

    @property
    def plain(self) -> str:
        return PLAIN_STATUS.get(self.status, "")


@dataclass(frozen=True)
class SessionLine:
    number: int
    on: date
    phase: str
    dose_mg: float | None
    tolerated: bool | None
    adverse_events: int


@dataclass(frozen=True)
class AdverseEvent:
    on: date
    session_number: int
    type: str
    severity: str
    note: str
    resolved: bool


@dataclass(frozen=True)
class CourseSummary:
    protocol: str
    treatment: str
    drug: str
    route: str
    started_on: date
    last_session_on: date | None
    phase: str
    ended: bool
    current_dose: str  # "0.5 mg/kg" or "56 mg"
    given: list[SessionLine]
    planned: list[tuple[date, str]]  # the next planned sessions: day and phase


@dataclass(frozen=True)
class Report:
    clinic_name: str
    patient: Patient
    age_years: int
    referring_clinician: str | None
    course: CourseSummary | None
    scores: list[ScoreSummary]
    adverse_events: list[AdverseEvent]
    not_tolerated: list[SessionLine]
    medications: list[PatientMedication]
    plan: str
    author: str
    today: date
    sessions_total: int = 0


ChairEvents = dict[uuid.UUID, list[SessionEvent]]  # chair session id -> its live events


def _chair_events(session: Session, actor: Actor, given: list[history.GivenSession]) -> ChairEvents:
    """The events of every chair session that recorded an adverse event, voided ones left out.

    ``history`` counts every adverse-event row, voided or not, so its count only says where to
    look; what the letter shows and counts comes from the live events here."""
    repository = SessionRepository(session, actor)
    return {
        g.chair_session_id: [e for e in repository.events(g.chair_session_id) if not e.is_voided]
        for g in given
        if g.chair_session_id is not None and g.adverse_events
    }


def _adverse_count(given: history.GivenSession, chair: ChairEvents) -> int:
    events = chair.get(given.chair_session_id) if given.chair_session_id else None
    return sum(e.kind == "adverse_event" for e in events or [])


def _line(given: history.GivenSession, chair: ChairEvents) -> SessionLine:
    return SessionLine(
        given.number, given.at.date(), given.phase, given.dose_mg, given.tolerated,
        _adverse_count(given, chair),
    )  # fmt: skip


def _course(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    given: list[history.GivenSession],
    chair: ChairEvents,
) -> CourseSummary | None:
    """The latest course: its protocol, phase, dose, sessions given and the next ones planned."""
    rows = courses.CourseRepository(session, actor).courses_of(patient_id)
    if not rows:
        return None
    loaded = courses.load(session, actor, patient_id, rows[-1].id)
    done = [s for s in loaded.sessions if s.status == "completed"]
    unit = "mg/kg" if loaded.protocol.dose.mode == "mg_per_kg" else "mg"
    return CourseSummary(
        protocol=loaded.protocol.name,
        treatment=TREATMENT_NAMES.get(loaded.course.treatment, loaded.course.treatment),
        drug=loaded.protocol.drug,
        route=loaded.protocol.route,
        started_on=loaded.course.started_on,
        last_session_on=max((s.completed_on for s in done if s.completed_on), default=None),
        phase=loaded.state.phase,
        ended=loaded.state.ended,
        current_dose=f"{loaded.state.dose:g} {unit}",
        given=[_line(g, chair) for g in given if g.course_id == loaded.course.id],
        planned=[
            (s.planned_on, s.phase)
            for s in loaded.sessions
            if s.status == "planned" and not loaded.state.ended
        ][:4],
    )


def _scores(
    instruments: Mapping[str, Instrument],
    rows: list[ScaleResponse],
    settings: Settings,
    treatments: tuple[datetime, ...],
) -> list[ScoreSummary]:
    by_instrument: dict[str, list[ScaleResponse]] = {}
    for row in rows:
        if row.total is not None:
            by_instrument.setdefault(row.instrument_id, []).append(row)
    found = []
    for instrument_id, own in by_instrument.items():
        instrument = instruments.get(instrument_id)
        if instrument is None or instrument.outcome_criteria is None:
            continue
        own.sort(key=lambda r: r.administered_at)
        spec, outcome = chart_spec(instrument, own, settings, treatments)
        base = outcome.baseline if outcome else None
        last = outcome.latest if outcome else None
        found.append(
            ScoreSummary(
                instrument=instrument.name,
                short_name=instrument.short_name,
                baseline=base.total if base else None,
                baseline_on=base.at.date() if base else None,
                latest=last.total if last else None,
                latest_on=last.at.date() if last else None,
                percent_change=outcome.percent_change if outcome else None,
                status=outcome.status if outcome else "no_data",
                remission=bool(outcome and any(outcome.remission.values())),
                count=len(own),
                chart_svg=charts.trajectory_svg(spec),
            )
        )
    return sorted(found, key=lambda s: s.short_name)


def _adverse_events(given: list[history.GivenSession], chair: ChairEvents) -> list[AdverseEvent]:
    found = []
    for row in given:
        events = chair.get(row.chair_session_id) if row.chair_session_id else None
        if not events:
            continue
        resolved = {e.detail.get("event") for e in events if e.kind == "adverse_event_resolved"}
        found += [
            AdverseEvent(
                on=e.at.date(),
                session_number=row.number,
                type=str(e.detail.get("type", "")),
                severity=str(e.detail.get("severity", "")),
                note=str(e.detail.get("note", "")),
                resolved=str(e.id) in resolved,
            )
            for e in events
            if e.kind == "adverse_event"
        ]
    return found


def gather(
    session: Session,
    actor: Actor,
    settings: Settings,
    instruments: Mapping[str, Instrument],
    patient_id: uuid.UUID,
    *,
    kind: str,
    plan: str = "",
    author: str = "",
    today: date,
) -> Report:
    """Everything a report shows; audited once as ``report.<kind>`` (letter or progress)."""
    patient = patients_service.get(session, actor, patient_id, audit_view=False)
    age = patients_service.chart(session, actor, patient_id, today).age_years
    clinic = session.get(Clinic, patient.clinic_id)
    given = history.given_sessions(session, actor, patient_id)
    chair = _chair_events(session, actor, given)
    course = _course(session, actor, patient_id, given, chair)
    lines = [_line(g, chair) for g in given]
    rows = scales_service.responses(session, actor, patient_id)
    report = Report(
        clinic_name=clinic.name if clinic else "",
        patient=patient,
        age_years=age,
        referring_clinician=patient.referring_clinician,
        course=course,
        scores=_scores(instruments, rows, settings, tuple(g.at for g in given)),
        adverse_events=_adverse_events(given, chair),
        not_tolerated=[line for line in lines if line.tolerated is False],
        medications=medications_service.medications(session, actor, patient_id),
        plan=plan.strip(),
        author=author,
        today=today,
        sessions_total=len(given),
    )
    audit.record(
        session,
        actor,
        f"report.{kind}",
        "patient",
        patient_id,
        patient_id=patient_id,
        details={"sessions": len(given), "instruments": [s.short_name for s in report.scores]},
    )
    return report
