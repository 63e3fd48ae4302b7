"""Report pages: the HTML preview and the PDF download of the letter and the progress summary."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from ketacare.accounts.deps import RequireRole, settings_of
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput
from ketacare.kit.web.csrf import csrf_token
from ketacare.kit.web.forms import FormData
from ketacare.reports import content, render

router = APIRouter(include_in_schema=False)

LetterWriter = Annotated[Actor, Depends(RequireRole("physician"))]
ProgressReader = Annotated[Actor, Depends(RequireRole("physician", "nurse", "therapist"))]
PLAN_MAX = 4000


def _report(
    request: Request, db: Session, actor: Actor, patient_id: uuid.UUID, kind: str, plan: str = ""
) -> content.Report:
    if len(plan) > PLAN_MAX:
        raise InvalidInput.one("plan", f"must be at most {PLAN_MAX} characters")
    user = getattr(request.state, "user", None)
    return content.gather(
        db,
        actor,
        settings_of(request),
        request.app.state.instruments,
        patient_id,
        kind=kind,
        plan=plan,
        author=getattr(user, "full_name", "") or actor.label,
        today=request.app.state.today(),
    )


def _pdf(kind: str, report: content.Report) -> Response:
    name = f"{kind}-{report.patient.mrn}-{report.today:%Y%m%d}.pdf"
    return Response(
        render.pdf(kind, report),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _preview(request: Request, kind: str, report: content.Report) -> HTMLResponse:
    body = render.html(kind, report, pdf=False, extra={"csrf_token": csrf_token(request)})
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


@router.get(render.CSS_URL)
def stylesheet() -> Response:
    return Response(render.stylesheet(), media_type="text/css")


@router.get("/patients/{patient_id}/reports/letter")
def letter_preview(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: LetterWriter
) -> HTMLResponse:
    return _preview(request, "letter", _report(request, db, actor, patient_id, "letter"))


@router.get("/patients/{patient_id}/reports/letter.pdf")
def letter_pdf(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: LetterWriter
) -> Response:
    return _pdf("letter", _report(request, db, actor, patient_id, "letter"))


@router.post("/patients/{patient_id}/reports/letter.pdf")
def letter_pdf_with_plan(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: LetterWriter, form: FormData
) -> Response:
    plan = form.get("plan", "")
    return _pdf("letter", _report(request, db, actor, patient_id, "letter", plan))


@router.get("/patients/{patient_id}/reports/progress")
def progress_preview(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ProgressReader
) -> HTMLResponse:
    return _preview(request, "progress", _report(request, db, actor, patient_id, "progress"))


@router.get("/patients/{patient_id}/reports/progress.pdf")
def progress_pdf(
    request: Request, patient_id: uuid.UUID, db: DbSession, actor: ProgressReader
) -> Response:
    return _pdf("progress", _report(request, db, actor, patient_id, "progress"))
