"""JSON API for courses: start, the plan with doses, record a session, decide a proposal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.schemas import InputSchema
from ketacare.patients.permissions import Diagnostician, Measurer
from ketacare.scales.permissions import ScaleReader
from ketacare.treatment import courses, plan, sessions, vitals_rules

router = APIRouter(tags=["treatment"])


class CourseCreate(InputSchema):
    protocol_version_id: uuid.UUID
    first_on: date


class SessionRecord(InputSchema):
    completed_on: date
    dose_given_mg: float = Field(gt=0, le=500)
    tolerated: bool
    note: str = Field(default="", max_length=500)


class Decision(InputSchema):
    decision: Literal["accept", "decline"]
    reason: str = Field(min_length=3, max_length=500)


class FigureRead(BaseModel):
    label: str
    value: float
    unit: str
    formula: str


class SessionRead(BaseModel):
    id: uuid.UUID
    number: int
    phase: str
    planned_on: date
    status: str
    completed_on: date | None
    dose_given_mg: float | None
    planned_dose_mg: float | None = None
    dose_problem: str | None = None
    figures: list[FigureRead] = Field(default_factory=list)


class ProposalRead(BaseModel):
    id: uuid.UUID
    kind: str
    explanation: str
    source: str
    clinic_choice: bool
    improvement_pct: float | None
    from_dose: float | None
    to_dose: float | None
    status: str
    decision_reason: str | None


class PlanRead(BaseModel):
    id: uuid.UUID
    protocol: str
    protocol_version: int
    phase: str
    ended: bool
    current_dose: float
    dose_unit: str
    sessions: list[SessionRead]
    proposals: list[ProposalRead]


def _plan(
    db: DbSession, actor: ScaleReader, patient_id: uuid.UUID, course_id: uuid.UUID
) -> PlanRead:
    loaded = courses.load(db, actor, patient_id, course_id)
    doses = plan.planned_doses(loaded, plan.body_of(db, actor, patient_id))
    return PlanRead(
        id=loaded.course.id,
        protocol=loaded.version_key,
        protocol_version=loaded.version_number,
        phase=loaded.state.phase,
        ended=loaded.state.ended,
        current_dose=loaded.state.dose,
        dose_unit=plan.dose_unit(loaded),
        sessions=[
            SessionRead(
                id=d.session.id,
                number=d.session.number,
                phase=d.session.phase,
                planned_on=d.session.planned_on,
                status=d.session.status,
                completed_on=d.session.completed_on,
                dose_given_mg=d.session.dose_given_mg,
                planned_dose_mg=d.dose.dose_mg if d.dose else None,
                dose_problem=d.problem,
                figures=[FigureRead(**vars(f)) for f in d.dose.figures] if d.dose else [],
            )
            for d in doses
        ],
        proposals=[
            ProposalRead(
                id=p.id,
                kind=p.kind,
                explanation=p.explanation,
                source=p.source,
                clinic_choice=p.clinic_choice,
                improvement_pct=p.improvement_pct,
                from_dose=p.from_dose,
                to_dose=p.to_dose,
                status=p.status,
                decision_reason=p.decision_reason,
            )
            for p in loaded.proposals
        ],
    )


@router.post("/patients/{patient_id}/courses", response_model=PlanRead, status_code=201)
def start_course(
    request: Request, patient_id: uuid.UUID, data: CourseCreate, db: DbSession, actor: Diagnostician
) -> PlanRead:
    """Needs a signed, up-to-date eligibility assessment for the protocol's treatment."""
    today = request.app.state.today()
    course = courses.start(db, actor, patient_id, data.protocol_version_id, data.first_on, today)
    return _plan(db, actor, patient_id, course.id)


@router.get("/patients/{patient_id}/courses/{course_id}", response_model=PlanRead)
def read_plan(
    patient_id: uuid.UUID, course_id: uuid.UUID, db: DbSession, actor: ScaleReader
) -> PlanRead:
    """The plan: every session with its planned dose and the formulas behind it."""
    return _plan(db, actor, patient_id, course_id)


@router.post("/patients/{patient_id}/courses/{course_id}/sessions", response_model=PlanRead)
def record_session(
    request: Request,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    data: SessionRecord,
    db: DbSession,
    actor: Measurer,
) -> PlanRead:
    courses.record_session(
        db,
        actor,
        request.app.state.instruments,
        request.app.state.settings,
        patient_id,
        course_id,
        data.completed_on,
        data.dose_given_mg,
        data.tolerated,
        data.note,
        request.app.state.today(),
    )
    return _plan(db, actor, patient_id, course_id)


@router.post(
    "/patients/{patient_id}/courses/{course_id}/proposals/{proposal_id}", response_model=PlanRead
)
def decide(
    request: Request,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    proposal_id: uuid.UUID,
    data: Decision,
    db: DbSession,
    actor: Diagnostician,
) -> PlanRead:
    courses.decide(
        db,
        actor,
        patient_id,
        course_id,
        proposal_id,
        data.decision == "accept",
        data.reason,
        request.app.state.today(),
    )
    return _plan(db, actor, patient_id, course_id)


class VitalsCreate(InputSchema):
    device: str = Field(min_length=1, max_length=60, description="Monitor id; retries keep it")
    measured_at: datetime
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    heart_rate_bpm: int | None = None
    spo2_pct: int | None = None
    resp_rate: int | None = None


class VitalsRead(BaseModel):
    id: uuid.UUID
    measured_at: datetime
    created: bool
    alerts: list[dict[str, Any]]


@router.post("/sessions/{session_id}/vitals", response_model=VitalsRead)
def post_vitals(
    session_id: uuid.UUID, data: VitalsCreate, response: Response, db: DbSession, actor: Measurer
) -> VitalsRead:
    """For a monitor bridge: idempotent on (session, device, measured_at). 201 when stored, 200
    when the same reading was already stored; 422 for impossible values or a conflicting reading."""
    chair = sessions.load(db, actor, session_id)
    reading = vitals_rules.Reading(
        data.systolic_mmhg, data.diastolic_mmhg, data.heart_rate_bpm, data.spo2_pct, data.resp_rate
    )
    row, created = sessions.record_reading(
        db, actor, chair, reading, data.measured_at, data.device, utcnow()
    )
    response.status_code = 201 if created else 200
    return VitalsRead(id=row.id, measured_at=row.measured_at, created=created, alerts=row.alerts)
