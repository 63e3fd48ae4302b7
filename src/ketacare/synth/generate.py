"""One synthetic patient, from referral to the end of (or partway through) a ketamine course.

Pure apart from the seeded generator: the same generator state and context give the same rows.
The response, dropout, vital-sign and adverse-event figures come from ``parameters.toml``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from ketacare.dosing.rules import Body, iv_dose
from ketacare.protocols.schema import DosePerKg, Phase
from ketacare.synth import chair, intake
from ketacare.synth.rows import Context, Row, Rows, at, record
from ketacare.treatment.course_rules import lay_out

THEMES = ("sleep", "work stress", "grief", "relationships", "self-criticism", "motivation")
NOTES = (
    "Explored intentions and what dissociation may feel like.",
    "Integrated the experience of the last infusion; discussed small behavioural steps.",
    "Reviewed mood diary and sleep; reinforced coping plan.",
)


@dataclass(frozen=True)
class Outcome:
    name: str
    final_ratio: float  # severity at the end of induction as a share of baseline


def outcome(ctx: Context, rng: random.Random) -> Outcome:
    r = ctx.parameters.response
    draw = rng.random()
    bands = (
        ("remission", r.remission, (0.05, 0.2)),
        ("response", r.response_without_remission, (0.3, 0.5)),
        ("partial", r.partial, (0.52, 0.75)),
        ("worsening", r.worsening, (1.05, 1.25)),
    )
    for name, chance, (low, high) in bands:
        if draw < chance:
            return Outcome(name, rng.uniform(low, high))
        draw -= chance
    return Outcome("none", rng.uniform(0.78, 1.0))


class Patient:
    """Builds every row of one patient."""

    def __init__(self, ctx: Context, rng: random.Random, rows: Rows, number: int) -> None:
        self.ctx, self.rng, self.rows, self.number = ctx, rng, rows, number
        p = ctx.parameters
        span = (p.period.as_of - p.period.first_intake).days
        self.intake = p.period.first_intake + timedelta(days=rng.randrange(0, span + 1))
        self.baseline = min(0.95, max(0.4, rng.gauss(p.baseline.level_mean, p.baseline.level_sd)))
        self.outcome = outcome(ctx, rng)
        self.patient: Row = {}
        self.weighed_on = self.intake
        self.weight_kg = 70.0
        self.height_cm: float | None = None
        self.given, self.last = 0, cast(Row | None, None)

    def level_after(self, sessions: int) -> float:
        """Severity after ``sessions`` infusions: most of the change in the first few."""
        change = (
            (1 - self.outcome.final_ratio) * (1 - math.exp(-sessions / 2.0)) / (1 - math.exp(-3))
        )
        noise = self.rng.gauss(0, self.ctx.parameters.response.noise_sd)
        return min(1.0, max(0.0, self.baseline * (1 - change) + noise))

    def build(self) -> None:
        ctx, rng, rows = self.ctx, self.rng, self.rows
        self.patient = intake.register(ctx, rng, rows, self.number, self.intake)
        measurement = rows.tables["body_measurements"][-1]
        self.weight_kg = measurement["weight_kg"]
        self.height_cm = measurement["height_cm"]
        when = at(self.intake, 9, 30)
        for instrument in ("phq9", "madrs"):
            intake.add_response(ctx, rng, rows, self.patient["id"], instrument, self.baseline, when)
        intake.history(ctx, rng, rows, self.patient, self.intake)
        start = self.intake + timedelta(days=rng.randint(5, 14))
        if start <= ctx.parameters.period.as_of:
            self.course(start)

    def score(self, instrument: str, level: float, day: date, hour: int = 8) -> None:
        if day <= self.ctx.parameters.period.as_of:
            intake.add_response(
                self.ctx, self.rng, self.rows, self.patient["id"], instrument, level, at(day, hour)
            )

    def course(self, start: date) -> None:
        ctx, rng, rows = self.ctx, self.rng, self.rows
        dose_rule = ctx.protocol.dose
        assert isinstance(dose_rule, DosePerKg)
        course = rows.add(
            "treatment_courses",
            **record(ctx, rng, ctx.staff.physician, at(start, 8)),
            patient_id=self.patient["id"],
            protocol_version_id=ctx.protocol_version_id,
            eligibility_assessment_id=rows.tables["eligibility_assessments"][-1]["id"],
            treatment="iv_ketamine",
            started_on=start,
            start_dose=dose_rule.start_mg_per_kg,
        )
        if rng.random() < ctx.parameters.therapy.preparation_share:
            self.therapy("kap_preparation", start - timedelta(days=2), None)
        induction, maintenance = ctx.protocol.phases[0], ctx.protocol.phases[1]
        planned = self.plan(course, induction, start, 1)
        done = self.give(course, planned, "induction")
        if done is None:
            return
        last_day = done[-1]["completed_on"]
        end_level = self.level_after(len(done))
        self.score("phq9", end_level, last_day + timedelta(days=1))
        self.score("madrs", end_level, last_day + timedelta(days=1), 9)
        responder = self.outcome.name in ("remission", "response")
        p = ctx.parameters.dropout
        if not responder or rng.random() >= p.maintenance_share_of_responders:
            self.decide(course, done[-1], "end_course", "Induction complete (synthetic).")
            return
        self.decide(course, done[-1], "start_next_phase", "Responder: maintenance (synthetic).")
        first = last_day + timedelta(days=maintenance.interval_pattern_days[0])
        more = self.plan(course, maintenance, first, len(planned) + 1)
        finished = self.give(course, more, "maintenance")
        if finished:
            self.decide(course, finished[-1], "end_course", "Maintenance complete (synthetic).")

    def plan(self, course: Row, phase: Phase, first_on: date, start: int) -> list[Row]:
        return [
            self.rows.add(
                "course_sessions",
                **record(self.ctx, self.rng, self.ctx.staff.physician, at(course["started_on"], 8)),
                course_id=course["id"],
                patient_id=course["patient_id"],
                number=start + offset,
                phase=p.phase,
                number_in_phase=p.number_in_phase,
                planned_on=p.planned_on,
                status="planned",
                completed_on=None,
                dose_given_mg=None,
                tolerated=None,
                note=None,
                closed_by=None,
                closed_at=None,
            )
            for offset, p in enumerate(lay_out(phase, first_on))
        ]

    def give(self, course: Row, planned: list[Row], phase: str) -> list[Row] | None:
        """Give the planned sessions up to the as-of date; None when the patient stopped or the
        phase is still running (the rest stay planned)."""
        rng, p = self.rng, self.ctx.parameters
        done: list[Row] = []
        for index, session in enumerate(planned):
            day = session["planned_on"]
            if day > p.period.as_of:
                return None
            if index > 0 or phase == "maintenance":
                chance = (
                    p.dropout.per_maintenance_session
                    if phase == "maintenance"
                    else (
                        p.dropout.after_first
                        if index == 1
                        else p.dropout.per_later_induction_session
                    )
                )
                if rng.random() < chance:
                    self.stop(course, planned[index:], self.last)
                    return None
            level = self.level_after(self.given)
            if phase == "maintenance" or index % p.scales.phq9_every_sessions == 0:
                self.score("phq9", level, day)
            if phase == "maintenance":
                self.score("madrs", level, day, 7)
            self.infuse(session, day, index)
            done.append(session)
            self.given, self.last = self.given + 1, session
        return done

    def infuse(self, session: Row, day: date, index: int) -> None:
        ctx, rng, rows = self.ctx, self.rng, self.rows
        assert isinstance(ctx.protocol.dose, DosePerKg) and ctx.protocol.infusion is not None
        if (day - self.weighed_on).days > ctx.protocol.dose.weight.max_age_days - 2:
            self.weighed_on = day
            self.weight_kg = round(self.weight_kg + rng.uniform(-1.5, 1.5), 1)
            rows.add(
                "body_measurements",
                **record(ctx, rng, ctx.staff.nurse, at(day, 8)),
                patient_id=self.patient["id"],
                measured_at=at(day, 8),
                weight_kg=self.weight_kg,
                height_cm=None,
            )
        age = (day - self.patient["date_of_birth"]).days // 365
        body = Body(self.weight_kg, self.weighed_on, self.height_cm, self.patient["sex"], age)
        dose = iv_dose(
            ctx.protocol.dose, ctx.protocol.infusion, ctx.protocol.dose.start_mg_per_kg, body, day
        )
        checked_in = at(day, 9 + (self.number + index) % 7, 5 * rng.randrange(0, 6))
        tolerated, discharged = chair.infusion(ctx, rng, rows, session, dose, checked_in)
        session.update(
            status="completed",
            completed_on=day,
            dose_given_mg=dose.dose_mg,
            tolerated=tolerated,
            note="at the chair (synthetic)",
            closed_by=ctx.staff.nurse,
            closed_at=discharged,
        )
        if rng.random() < ctx.parameters.therapy.integration_per_session:
            self.therapy("kap_integration", day + timedelta(days=1), session)

    def stop(self, course: Row, rest: list[Row], last: Row | None) -> None:
        """The patient stopped attending: the rest is cancelled and the course ended."""
        closed = at(rest[0]["planned_on"], 17)
        for session in rest:
            session.update(
                status="cancelled",
                note="Patient stopped attending (synthetic).",
                closed_by=self.ctx.staff.physician,
                closed_at=closed,
            )
        if last is not None:
            self.decide(course, last, "end_course", "Patient stopped attending (synthetic).")

    def decide(self, course: Row, after: Row, kind: str, why: str) -> None:
        when = at(after["completed_on"] or after["planned_on"], 18)
        self.rows.add(
            "course_proposals",
            **record(self.ctx, self.rng, self.ctx.staff.physician, when),
            course_id=course["id"],
            patient_id=course["patient_id"],
            after_session_id=after["id"],
            kind=kind,
            explanation=why,
            source="ketacare synth",
            clinic_choice=True,
            improvement_pct=None,
            from_dose=None,
            to_dose=None,
            status="accepted",
            decided_by=self.ctx.staff.physician,
            decided_at=when,
            decision_reason=why,
        )

    def therapy(self, kind: str, day: date, session: Row | None) -> None:
        if day > self.ctx.parameters.period.as_of:
            return
        ctx, rng = self.ctx, self.rng
        when = at(day, 14)
        self.rows.add(
            "therapy_sessions",
            **record(ctx, rng, ctx.staff.therapist, when),
            patient_id=self.patient["id"],
            therapist_id=ctx.staff.therapist,
            held_on=day,
            therapy_type=kind,
            type_detail=None,
            duration_min=50,
            modality="individual",
            delivery=rng.choice(("in_person", "in_person", "video")),
            themes=rng.sample(THEMES, 2),
            homework=None,
            progress_note=NOTES[0] if kind == "kap_preparation" else rng.choice(NOTES[1:]),
            appointment_id=None,
            course_session_id=session["id"] if session else None,
            signed_by=ctx.staff.therapist,
            signed_at=when + timedelta(hours=1),
        )


def patient_rows(ctx: Context, rng: random.Random, rows: Rows, number: int) -> None:
    Patient(ctx, rng, rows, number).build()
