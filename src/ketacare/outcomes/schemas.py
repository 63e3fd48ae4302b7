"""JSON shapes of the outcomes dashboard (``GET /api/v1/outcomes``): the page's figures."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ketacare.outcomes import cohort, service
from ketacare.outcomes.stats import Proportion, Step


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class ProportionRead(_Read):
    successes: int
    n: int
    estimate: float | None = Field(description="successes / n; null when n is 0")
    ci95_low: float | None = Field(description="Wilson score interval, 95%")
    ci95_high: float | None

    @classmethod
    def of(cls, p: Proportion) -> ProportionRead:
        i = p.interval
        return cls(
            successes=p.successes,
            n=p.n,
            estimate=i.estimate if i else None,
            ci95_low=i.low if i else None,
            ci95_high=i.high if i else None,
        )


class StepRead(_Read):
    time_days: float
    at_risk: int
    events: int
    censored: int
    survival: float

    @classmethod
    def of(cls, s: Step) -> StepRead:
        return cls(
            time_days=s.time,
            at_risk=s.at_risk,
            events=s.events,
            censored=s.censored,
            survival=s.survival,
        )


class SurvivalRead(_Read):
    subjects: int
    events: int
    median_days: float | None = Field(description="null: not reached")
    steps: list[StepRead] = Field(description="Kaplan-Meier steps, one per distinct time")

    @classmethod
    def of(cls, s: cohort.Survival) -> SurvivalRead:
        return cls(
            subjects=s.subjects,
            events=s.events,
            median_days=s.median_days,
            steps=[StepRead.of(step) for step in s.steps],
        )


class RemissionRead(_Read):
    cut_off: str
    remission: ProportionRead


class InstrumentFiguresRead(_Read):
    instrument_id: str
    name: str
    evaluable: int
    response: ProportionRead
    remission: list[RemissionRead]
    time_to_response: SurvivalRead
    loss_of_response: SurvivalRead


class OutcomesRead(_Read):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    protocol: str | None
    protocols: list[str]
    patients_started: int
    courses_started: int
    in_induction: int
    induction_completion: ProportionRead
    sessions_given: int = Field(
        description="completed sessions plus chair sessions aborted after dosing started"
    )
    adverse_events: int
    adverse_event_sessions: ProportionRead
    bp_excursion_sessions: ProportionRead
    instruments: list[InstrumentFiguresRead]

    @classmethod
    def of(cls, result: service.Dashboard, names: dict[str, str]) -> OutcomesRead:
        f = result.figures
        return cls(
            start=result.start,
            end=result.end,
            protocol=result.protocol,
            protocols=result.protocols,
            patients_started=f.patients_started,
            courses_started=f.courses_started,
            in_induction=f.in_induction,
            induction_completion=ProportionRead.of(f.induction_completion),
            sessions_given=f.sessions_given,
            adverse_events=f.adverse_events,
            adverse_event_sessions=ProportionRead.of(f.adverse_event_sessions),
            bp_excursion_sessions=ProportionRead.of(f.bp_excursion_sessions),
            instruments=[
                InstrumentFiguresRead(
                    instrument_id=i.instrument_id,
                    name=names.get(i.instrument_id, i.instrument_id),
                    evaluable=i.evaluable,
                    response=ProportionRead.of(i.response),
                    remission=[
                        RemissionRead(cut_off=name, remission=ProportionRead.of(p))
                        for name, p in i.remission
                    ],
                    time_to_response=SurvivalRead.of(i.time_to_response),
                    loss_of_response=SurvivalRead.of(i.loss_of_response),
                )
                for i in f.instruments
            ],
        )
