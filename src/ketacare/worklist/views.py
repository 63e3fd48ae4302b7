"""GET / : clinicians land on their worklist; others go where their work is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ketacare.accounts.deps import CurrentActor
from ketacare.eligibility import assessments
from ketacare.kit.db.session import DbSession
from ketacare.kit.web.templates import render
from ketacare.messaging import service as messaging_service
from ketacare.patients import service as patients_service
from ketacare.scales import service as scales_service
from ketacare.scales.permissions import CLINICIANS
from ketacare.treatment import rems_service

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor.role == "admin":
        return RedirectResponse("/admin/users", 303)
    if actor.role == "front_desk":
        return RedirectResponse("/calendar", 303)  # the desk's day starts with the calendar
    if actor.role not in CLINICIANS:
        return RedirectResponse("/patients", 303)
    alerts = scales_service.open_alerts(db, actor)
    stale = assessments.out_of_date(db, actor)
    forms = rems_service.outstanding(db, actor, request.app.state.today())
    patient_ids = {a.patient_id for a in alerts} | {row.patient_id for row, _ in stale}
    patient_ids |= {f.session.patient_id for f in forms}
    names = patients_service.names_of(db, actor, patient_ids)
    context = {
        "alerts": alerts,
        "stale": stale,
        "rems_forms": forms,
        "names": names,
        "treatment_names": assessments.TREATMENT_NAMES,
        "failed_reminders": messaging_service.failed_count(db, actor),
    }
    return render(request, "worklist/home.html", context)
