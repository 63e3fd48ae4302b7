"""The patient timeline page and its JSON twin: filters by kind and dates, chart on one axis."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from ketacare.accounts.deps import settings_of
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.kit.web.templates import render
from ketacare.patients import service as patients_service
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument
from ketacare.scales.permissions import ScaleReader
from ketacare.scales.presentation import chart_spec
from ketacare.timeline import rules, service
from ketacare.timeline.chart import timeline_svg
from ketacare.treatment import history

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["timeline"])

Kinds = Annotated[list[str] | None, Query(alias="kind")]
Day = Annotated[str | None, Query()]


def parse_filter(kinds: list[str] | None, start: str | None, end: str | None) -> rules.Filter:
    problems = []
    chosen = [k for k in rules.KINDS if k in (kinds or rules.KINDS)]
    unknown = sorted(set(kinds or ()) - set(rules.KINDS))
    if unknown:
        problems.append(FieldProblem("kind", f"must be among {', '.join(rules.KINDS)}"))
    days: list[date | None] = []
    for name, raw in (("from", start), ("to", end)):
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            problems.append(FieldProblem(name, "must be a date (YYYY-MM-DD)"))
            days.append(None)
    if days[0] and days[1] and days[1] < days[0]:
        problems.append(FieldProblem("to", f"must be on or after {days[0]}"))
    if problems:
        raise InvalidInput(problems)
    return rules.Filter(frozenset(chosen), days[0], days[1])


def _instrument_for_chart(
    rows_by_instrument: Mapping[str, int], instruments: Mapping[str, Instrument], wanted: str | None
) -> Instrument | None:
    """The asked-for instrument, else the outcome instrument with the most scores."""
    if wanted and wanted in instruments:
        return instruments[wanted]
    candidates = [
        i for i in rows_by_instrument if i in instruments and instruments[i].outcome_criteria
    ]
    return instruments[max(candidates, key=lambda i: rows_by_instrument[i])] if candidates else None


def _chart(
    request: Request,
    db: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    kept: list[rules.Entry],
    chosen: rules.Filter,
    instrument_id: str | None,
) -> tuple[str | None, Instrument | None]:
    span = rules.window(kept, chosen)
    if span is None:
        return None, None
    instruments: dict[str, Instrument] = request.app.state.instruments
    rows = scales_service.responses(db, actor, patient_id)
    counts: dict[str, int] = {}
    for row in rows:
        if row.total is not None:
            counts[row.instrument_id] = counts.get(row.instrument_id, 0) + 1
    instrument = _instrument_for_chart(counts, instruments, instrument_id)
    spec = None
    if instrument is not None and "score" in chosen.kinds:
        own = [r for r in rows if r.instrument_id == instrument.id and chosen.keeps(
            rules.Entry(r.administered_at, "score", ""))]  # fmt: skip
        given = tuple(g.at for g in history.given_sessions(db, actor, patient_id))
        spec, _ = chart_spec(instrument, own, settings_of(request), given)
    return timeline_svg(spec, kept, span), instrument


@router.get("/patients/{patient_id}/timeline")
def timeline_page(
    request: Request,
    patient_id: uuid.UUID,
    db: DbSession,
    actor: ScaleReader,
    kinds: Kinds = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    instrument: str | None = None,
) -> Response:
    patient = patients_service.get(db, actor, patient_id)
    context: dict[str, Any] = {
        "patient": patient,
        "kinds": rules.KINDS,
        "labels": rules.KIND_LABELS,
        "form": {"from": start or "", "to": end or "", "instrument": instrument or ""},
        "instruments": request.app.state.instruments,
        "errors": {},
    }
    try:
        chosen = parse_filter(kinds, start, end)
    except InvalidInput as invalid:
        context |= {
            "errors": invalid.by_field(),
            "chosen": set(rules.KINDS),
            "days": [],
            "chart": None,
        }
        return render(request, "timeline/timeline.html", context, status_code=422)
    entries = service.gather(db, actor, patient_id, request.app.state.instruments)
    kept = rules.select(entries, chosen)
    chart, shown = _chart(request, db, actor, patient_id, kept, chosen, instrument)
    context |= {
        "chosen": chosen.kinds,
        "days": rules.by_day(kept),
        "total": len(entries),
        "chart": chart,
        "chart_instrument": shown,
    }
    return render(request, "timeline/timeline.html", context)


class EntryRead(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: str
    href: str | None
    flag: bool


@api_router.get("/patients/{patient_id}/timeline", response_model=list[EntryRead])
def timeline_api(
    request: Request,
    patient_id: uuid.UUID,
    db: DbSession,
    actor: ScaleReader,
    kinds: Kinds = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> list[EntryRead]:
    """The patient's record in one chronological list, newest first (same filters as the page)."""
    chosen = parse_filter(kinds, start, end)
    entries = service.gather(db, actor, patient_id, request.app.state.instruments)
    return [EntryRead(**vars(e)) for e in rules.select(entries, chosen)]
