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

from ketacare.dosing.rules import Body, fixed_dose, iv_dose
from ketacare.protocols.schema import DosePerKg, Phase
from ketacare.synth import chair, intake, visits
from ketacare.synth.calendar import Booker
from ketacare.synth.rows import Context, Row, Rows, Setup, at, record
from ketacare.treatment import course_rules
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

    def __init__(
        self, ctx: Context, rng: random.Random, rows: Rows, number: int, booker: Booker | None
    ) -> None:
        self.ctx, self.rng, self.rows, self.number = ctx, rng, rows, number
        self.booker = booker
        p = ctx.parameters
        span = (p.period.as_of - p.period.first_intake).days
        self.intake = p.period.first_intake + timedelta(days=rng.randrange(0, span + 1))
        self.baseline = min(0.95, max(0.4, rng.gauss(p.baseline.level_mean, p.baseline.level_sd)))
        self.outcome = outcome(ctx, rng)
        esketamine = rng.random() < p.courses.esketamine_share
        self.setup: Setup = ctx.setups["esketamine" if esketamine else "iv_ketamine"]
        self.patient: Row = {}
        self.weighed_on = self.intake
        self.weight_kg = 70.0
        self.height_cm: float | None = None
        self.given, self.last = 0, cast(Row | None, None)
        self.dose = 0.0  # mg/kg (IV) or mg (esketamine): the course fold's current dose
        self.phq9: list[int] = []  # PHQ-9 totals so far, the first at baseline
        self.open_sessions: list[Row] = []  # planned sessions of a course still running

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
            found = intake.add_response(
                ctx, rng, rows, self.patient["id"], instrument, self.baseline, when
            )
            if instrument == "phq9":
                self.phq9.append(found["total"])
        intake.history(ctx, rng, rows, self.patient, self.intake, self.setup)
        start = self.intake + timedelta(days=rng.randint(5, 14))
        if start > ctx.parameters.period.as_of:
            return
        self.course(start)
        visits.notes(ctx, rng, rows, self.patient["id"], start)
        if self.booker is not None and self.open_sessions:
            self.booker.course(rng, rows, self.open_sessions)
            if rng.random() < ctx.parameters.medication_visits.follow_up_share:
                self.booker.visit_after(rng, rows, self.patient["id"])

    def score(self, instrument: str, level: float, day: date, hour: int = 8) -> None:
        if day <= self.ctx.parameters.period.as_of:
            response = intake.add_response(
                self.ctx, self.rng, self.rows, self.patient["id"], instrument, level, at(day, hour)
            )
            if instrument == "phq9":
                self.phq9.append(response["total"])

    def course(self, start: date) -> None:
        ctx, rng, rows, protocol = self.ctx, self.rng, self.rows, self.setup.protocol
        age = (start - self.patient["date_of_birth"]).days // 365
        self.dose = course_rules.starting_dose(protocol, age)
        course = rows.add(
            "treatment_courses",
            **record(ctx, rng, ctx.staff.physician, at(start, 8)),
            patient_id=self.patient["id"],
            protocol_version_id=self.setup.protocol_version_id,
            eligibility_assessment_id=rows.tables["eligibility_assessments"][-1]["id"],
            treatment=self.setup.treatment,
            started_on=start,
            start_dose=self.dose,
        )
        if rng.random() < ctx.parameters.therapy.preparation_share:
            self.therapy("kap_preparation", start - timedelta(days=2), None)
        induction = protocol.phases[0]
        planned = self.plan(course, induction, start, 1)
        done = self.give(course, planned, induction.name)
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
        number = len(planned) + 1
        for phase in protocol.phases[1:]:  # maintenance, then taper (IV) or continuation
            why = f"Responder: {phase.name} (synthetic)."
            self.decide(course, done[-1], "start_next_phase", why)
            first = done[-1]["completed_on"] + timedelta(days=phase.interval_pattern_days[0])
            more = self.plan(course, phase, first, number)
            number += len(more)
            finished = self.give(course, more, phase.name)
            if finished is None:
                return
            done = finished
        self.decide(course, done[-1], "end_course", "Course complete (synthetic).")

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
        first_phase = phase == self.setup.protocol.phases[0].name
        done: list[Row] = []
        for index, session in enumerate(planned):
            day = session["planned_on"]
            if day > p.period.as_of:
                self.open_sessions = planned[index:]
                return None
            if index > 0 or not first_phase:
                chance = (
                    p.dropout.per_maintenance_session
                    if not first_phase
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
            if not first_phase or index % p.scales.phq9_every_sessions == 0:
                self.score("phq9", level, day)
            if not first_phase:
                self.score("madrs", level, day, 7)
            tolerated = self.infuse(session, day, index)
            done.append(session)
            self.given, self.last = self.given + 1, session
            self.step_up(course, session, phase, index + 1, tolerated)
        return done

    def step_up(self, course: Row, after: Row, phase: str, in_phase: int, tolerated: bool) -> None:
        """The protocol's dose step-up decision point (the app's own rule), accepted when due:
        IV 0.5 -> 0.6 mg/kg after infusion 3, esketamine 56 -> 84 mg after session 2, when the
        PHQ-9 improvement is under 25% and the dose was tolerated."""
        protocol = self.setup.protocol
        improvement = 100 * (self.phq9[0] - self.phq9[-1]) / self.phq9[0] if self.phq9[0] else None
        state = course_rules.State(self.dose, phase, False)
        for found in course_rules.suggestions(protocol, state, in_phase, improvement, tolerated):
            if found.kind != "dose_step_up" or found.to_dose is None:
                continue
            self.decide(course, after, "dose_step_up", found.explanation, found, improvement)
            self.dose = found.to_dose

    def infuse(self, session: Row, day: date, index: int) -> bool:
        ctx, rng, rows, protocol = self.ctx, self.rng, self.rows, self.setup.protocol
        rule = protocol.dose
        if isinstance(rule, DosePerKg):
            assert protocol.infusion is not None
            if (day - self.weighed_on).days > rule.weight.max_age_days - 2:
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
            dose = iv_dose(rule, protocol.infusion, self.dose, body, day)
        else:
            dose = fixed_dose(rule, self.dose)
        checked_in = at(day, 9 + (self.number + index) % 7, 5 * rng.randrange(0, 6))
        tolerated, discharged = chair.infusion(
            ctx, self.setup, rng, rows, session, dose, checked_in
        )
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
        return tolerated

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

    def decide(
        self,
        course: Row,
        after: Row,
        kind: str,
        why: str,
        found: course_rules.Suggestion | None = None,
        improvement: float | None = None,
    ) -> None:
        when = at(after["completed_on"] or after["planned_on"], 18)
        self.rows.add(
            "course_proposals",
            **record(self.ctx, self.rng, self.ctx.staff.physician, when),
            course_id=course["id"],
            patient_id=course["patient_id"],
            after_session_id=after["id"],
            kind=kind,
            explanation=why,
            source=found.source if found else "ketacare synth",
            clinic_choice=found.clinic_choice if found else True,
            improvement_pct=improvement,
            from_dose=found.from_dose if found else None,
            to_dose=found.to_dose if found else None,
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


def patient_rows(
    ctx: Context, rng: random.Random, rows: Rows, number: int, booker: Booker | None = None
) -> None:
    Patient(ctx, rng, rows, number, booker).build()
