"""The patient's questionnaire page, reached by a single-use link: nothing but the questions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from ketacare.accounts.deps import client_ip, settings_of
from ketacare.kit.db.session import DbSession
from ketacare.kit.errors import InvalidInput, NotFound
from ketacare.kit.web.forms import FormData, JsonBody
from ketacare.kit.web.templates import render
from ketacare.scales import links
from ketacare.scales.definitions import Instrument, get_instrument
from ketacare.scales.presentation import answers_from_form

router = APIRouter(include_in_schema=False, prefix="/q")


def _page(
    request: Request,
    token: str,
    instrument: Instrument,
    answers: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    context = {"token": token, "instrument": instrument, "answers": answers, "errors": errors}
    return render(request, "scales/questionnaire.html", context, status_code=422 if errors else 200)


def _gone(request: Request) -> Response:
    return render(request, "scales/link_gone.html", status_code=404)


def _instrument(request: Request, instrument_id: str) -> Instrument:
    return get_instrument(request.app.state.instruments, instrument_id)


@router.get("/{token}")
def questionnaire(request: Request, token: str, db: DbSession) -> Response:
    try:
        link = links.open_link(db, settings_of(request), token, client_ip(request))
    except NotFound:
        return _gone(request)
    answers = {f"item-{key}": value for key, value in link.draft_answers.items()}
    return _page(request, token, _instrument(request, link.instrument_id), answers, {})


@router.post("/{token}")
def submit(request: Request, token: str, db: DbSession, form: FormData) -> Response:
    settings = settings_of(request)
    try:
        link = links.open_link(db, settings, token, client_ip(request))
    except NotFound:
        return _gone(request)
    instrument = _instrument(request, link.instrument_id)
    answers, problems = answers_from_form(instrument, form)
    try:
        if problems:
            raise problems
        links.submit(db, settings, instrument, token, answers, client_ip(request))
    except InvalidInput as invalid:
        db.rollback()
        links.save_draft(db, settings, token, answers, client_ip(request))
        return _page(request, token, instrument, dict(form), invalid.by_field())
    return render(request, "scales/thanks.html", {"instrument": instrument})


@router.post("/{token}/draft")
def save_draft(request: Request, token: str, db: DbSession, body: JsonBody) -> Response:
    """Autosave from the page's script: keeps answers across a reload or a dropped connection."""
    if not isinstance(body, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in body.items()
    ):
        return JSONResponse({"detail": "expected an object of item id to integer"}, 422)
    try:
        links.save_draft(db, settings_of(request), token, body, client_ip(request))
    except NotFound:
        return JSONResponse({"detail": "link expired or used"}, 404)
    return JSONResponse({"saved": len(body)})
