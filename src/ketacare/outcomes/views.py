"""The outcomes dashboard page: the clinic's figures with 95% CIs beside published results."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ketacare.accounts.deps import RequireRole, settings_of
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.kit.web.templates import render
from ketacare.outcomes import benchmarks, chart, compare, service
from ketacare.scales.definitions import Instrument

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Actor, Depends(RequireRole("admin", "physician"))]


def _date(name: str, value: str | None, default: date) -> date | FieldProblem:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return FieldProblem(name, "must be a date as YYYY-MM-DD")


def parse_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    start = _date("from", raw_from, today - timedelta(days=365))
    end = _date("to", raw_to, today)
    problems = [p for p in (start, end) if isinstance(p, FieldProblem)]
    if problems:
        raise InvalidInput(problems)
    assert isinstance(start, date) and isinstance(end, date)
    if start > end:
        raise InvalidInput.one("to", f"must be on or after from ({start:%Y-%m-%d})")
    return start, end


@router.get("/outcomes")
def dashboard_page(request: Request, db: DbSession, actor: Viewer) -> Response:
    query = request.query_params
    today: date = request.app.state.today()
    start, end = parse_range(query.get("from"), query.get("to"), today)
    protocol = query.get("protocol") or None
    instruments: dict[str, Instrument] = request.app.state.instruments
    result = service.dashboard(
        db, actor, instruments, start, end, protocol, settings_of(request).outcome_baseline
    )
    names = {i: inst.short_name for i, inst in instruments.items()}
    figures = result.figures
    charts = [
        chart.km_svg(
            "Time to first response",
            "Days from the first session",
            [(names[f.instrument_id], f.time_to_response) for f in figures.instruments],
        ),
        chart.km_svg(
            "Response kept after it was reached",
            "Days from the first response",
            [(names[f.instrument_id], f.loss_of_response) for f in figures.instruments],
        ),
    ]
    context: dict[str, Any] = {
        "dashboard": result,
        "figures": figures,
        "names": names,
        "benchmarks": benchmarks.load(),
        "clinic_figure": compare.clinic_figure,
        "charts": charts,
    }
    return render(request, "outcomes/dashboard.html", context)
