"""JSON API for the outcomes dashboard: the same figures as ``/outcomes``, for the same roles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ketacare.accounts.deps import settings_of
from ketacare.kit.db.session import DbSession
from ketacare.outcomes import service
from ketacare.outcomes.schemas import OutcomesRead
from ketacare.outcomes.views import Viewer, parse_range
from ketacare.scales.definitions import Instrument

router = APIRouter(tags=["outcomes"])


@router.get("/outcomes", response_model=OutcomesRead, response_model_by_alias=True)
def outcomes(
    request: Request,
    db: DbSession,
    actor: Viewer,
    start: Annotated[
        str | None,
        Query(alias="from", max_length=10, description="YYYY-MM-DD; default a year ago"),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", max_length=10, description="YYYY-MM-DD; default today")
    ] = None,
    protocol: Annotated[str | None, Query(max_length=60)] = None,
) -> OutcomesRead:
    """Courses started in the range (and on the protocol, if given): the dashboard's figures
    with Wilson 95% CIs and Kaplan-Meier steps. Audited as ``outcomes.view``."""
    today: date = request.app.state.today()
    first, last = parse_range(start, end, today)
    instruments: dict[str, Instrument] = request.app.state.instruments
    result = service.dashboard(
        db,
        actor,
        instruments,
        first,
        last,
        protocol or None,
        settings_of(request).outcome_baseline,
        via="api",
    )
    names = {i: inst.short_name for i, inst in instruments.items()}
    return OutcomesRead.of(result, names)
