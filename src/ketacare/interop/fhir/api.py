"""The FHIR R4 endpoint, its own sub-application at ``/fhir/R4``: CapabilityStatement, Bulk Data
``$export`` (kick-off, status, files), read by id, the instruments' Questionnaires (read and
search) and QuestionnaireResponse import.

Answers are ``application/fhir+json``; every error is an OperationOutcome with its 4xx status.
Authentication as the JSON API: a personal API token (Bearer) or a browser session (then unsafe
methods need the CSRF token). Roles: admin and physician export; clinical roles read; physician
and nurse import.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse, Response

from ketacare.accounts import api_tokens
from ketacare.accounts import service as accounts_service
from ketacare.accounts.deps import (
    Auth,
    LoginRequired,
    RoleRequired,
    SecondFactorRequired,
    client_ip,
    get_auth,
    settings_of,
)
from ketacare.accounts.rules import CLINICAL_RECORDERS, CLINICAL_ROLES
from ketacare.interop.fhir import bulk, importer, read
from ketacare.interop.fhir.capability import capability_statement
from ketacare.interop.fhir.export import PATIENT_COMPARTMENT, RESOURCE_TYPES
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import DbSession
from ketacare.kit.db.types import utcnow
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from ketacare.kit.web.csrf import csrf_protect
from ketacare.scales.definitions import Instrument

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
EXPORTERS = ("admin", "physician")
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
_FILE = re.compile(r"^([A-Za-z]{1,40})\.ndjson$")


class FhirJSONResponse(JSONResponse):
    media_type = FHIR_JSON


class FhirProblem(Exception):
    def __init__(self, status: int, code: str, message: str, expression: str | None = None):
        super().__init__(message)
        self.status, self.code, self.expression = status, code, expression


def outcome(issues: list[tuple[str, str, str | None]], status: int) -> FhirJSONResponse:
    """An OperationOutcome with one issue per (code, diagnostics, expression)."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": message}
            | ({"expression": [expression]} if expression else {})
            for code, message, expression in issues
        ],
    }
    return FhirJSONResponse(body, status_code=status)


# --- Authentication ----------------------------------------------------------------------------


def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    return authorization[7:].strip() if authorization.lower().startswith("bearer ") else None


def fhir_auth(request: Request, db: DbSession) -> Auth:
    """A Bearer API token (honoured here as under /api/) or else the browser session."""
    raw = _bearer(request)
    if raw is None:
        return get_auth(request, db)
    user = api_tokens.resolve_api_token(db, settings_of(request), raw)
    if user is None:
        raise LoginRequired()
    return Auth(user, None)


async def fhir_csrf(request: Request) -> None:
    if _bearer(request) is None:  # a token is no ambient credential; a session is
        await csrf_protect(request)


def _actor(request: Request, auth: Annotated[Auth, Depends(fhir_auth)]) -> Actor:
    return accounts_service.actor_for(auth.user, client_ip(request))


def _role(*roles: str) -> Any:
    def check(actor: Annotated[Actor, Depends(_actor)]) -> Actor:
        if actor.role not in roles:
            raise RoleRequired()
        return actor

    return Depends(check)


Exporter = Annotated[Actor, _role(*EXPORTERS)]
Reader = Annotated[Actor, _role(*CLINICAL_ROLES)]
Importer = Annotated[Actor, _role(*CLINICAL_RECORDERS)]


def _instruments(request: Request) -> dict[str, Instrument]:
    found: dict[str, Instrument] = request.app.state.instruments
    return found


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/fhir/R4"


def _job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("no such export") from None


# --- Routes ------------------------------------------------------------------------------------

router = APIRouter()


@router.get("/metadata")
def metadata(request: Request) -> FhirJSONResponse:
    return FhirJSONResponse(capability_statement(_base(request), utcnow()))


def _types(request: Request, allowed: tuple[str, ...] = RESOURCE_TYPES) -> list[str] | None:
    """The kick-off's ``_type`` filter, checked with the rest of its parameters."""
    params = request.query_params
    if len(str(request.url)) > bulk.REQUEST_URL_MAX:
        raise FhirProblem(
            400, "too-long", f"the request URL is over {bulk.REQUEST_URL_MAX} characters"
        )
    for since in params.getlist("_since"):
        try:
            bulk.parse_since(since)
        except ValueError as error:
            raise FhirProblem(400, "invalid", str(error), "_since") from None
    output_format = params.get("_outputFormat")
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise FhirProblem(
            400, "not-supported", f"_outputFormat must be one of {', '.join(OUTPUT_FORMATS)}"
        )
    raw = ",".join(params.getlist("_type"))
    if not raw:
        return None
    types = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = [t for t in types if t not in allowed]
    if unknown:
        raise FhirProblem(
            400,
            "not-supported",
            f"_type: {', '.join(unknown)} not exported; allowed: {', '.join(allowed)}",
            "_type",
        )
    return list(dict.fromkeys(types))


def _kick_off(request: Request, db: DbSession, actor: Actor, allowed: tuple[str, ...]) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise FhirProblem(400, "required", "the Prefer: respond-async header is required")
    job = bulk.kick_off(db, actor, str(request.url), _types(request, allowed))
    return Response(
        status_code=202,
        headers={"Content-Location": f"{_base(request)}/$export-status/{job.id}"},
    )


@router.get("/$export")
def export_kick_off(request: Request, db: DbSession, actor: Exporter) -> Response:
    """System level: every exported type of the clinic."""
    return _kick_off(request, db, actor, RESOURCE_TYPES)


@router.get("/Patient/$export")
def patient_export_kick_off(request: Request, db: DbSession, actor: Exporter) -> Response:
    """Patient level: all the clinic's patients, the Patient compartment's types (all of ours)."""
    return _kick_off(request, db, actor, PATIENT_COMPARTMENT)


@router.get("/$export-status/{job_id}")
def export_status(request: Request, db: DbSession, actor: Exporter, job_id: str) -> Response:
    job = bulk.get_job(db, actor, _job_id(job_id))
    if job.status in ("queued", "running"):
        return Response(status_code=202, headers={"X-Progress": job.status, "Retry-After": "30"})
    if job.status == "failed":
        return outcome([("exception", f"the export failed: {job.error}", None)], 500)
    return FhirJSONResponse(
        bulk.manifest(job, _base(request)),
        headers={"Expires": job.finished_at.isoformat() if job.finished_at else ""},
    )


@router.delete("/$export-status/{job_id}")
def export_cancel(db: DbSession, actor: Exporter, job_id: str) -> Response:
    bulk.cancel(db, actor, _job_id(job_id))
    return Response(status_code=202)


@router.get("/$export-files/{job_id}/{filename}")
def export_file(
    request: Request, db: DbSession, actor: Exporter, job_id: str, filename: str
) -> Response:
    match = _FILE.match(filename)
    if match is None:
        raise NotFound("no such file")
    path = bulk.file_of(db, actor, settings_of(request), _job_id(job_id), match.group(1))
    return FileResponse(path, media_type=FHIR_NDJSON)


@router.post("/QuestionnaireResponse")
def import_questionnaire_response(
    request: Request, db: DbSession, actor: Importer, body: Annotated[dict[str, Any], Body()]
) -> FhirJSONResponse:
    """A foreign PHQ-9 or GAD-7 response, scored and stored as our own (see ``importer``)."""
    row, resource = importer.import_response(db, actor, _instruments(request), body)
    return FhirJSONResponse(
        resource,
        status_code=201,
        headers={"Location": f"{_base(request)}/QuestionnaireResponse/{row.id}"},
    )


@router.get("/Questionnaire")
def search_questionnaires(request: Request, db: DbSession, actor: Reader) -> FhirJSONResponse:
    """Every instrument's Questionnaire; ``url`` (the canonical, optionally ``|version``) filters."""
    bundle = read.search_questionnaires(
        db,
        actor,
        _instruments(request),
        request.query_params.get("url"),
        _base(request),
        str(request.url),
    )
    return FhirJSONResponse(bundle)


@router.get("/{resource_type}/{resource_id}")
def read_resource(
    request: Request, db: DbSession, actor: Reader, resource_type: str, resource_id: str
) -> FhirJSONResponse:
    resource = read.read(db, actor, _instruments(request), resource_type, resource_id)
    return FhirJSONResponse(resource)


# --- The sub-application -----------------------------------------------------------------------


def _problem_issues(problems: list[FieldProblem]) -> list[tuple[str, str, str | None]]:
    return [("invalid", f"{p.field}: {p.message}", p.field) for p in problems]


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(FhirProblem)
    async def _fhir(_: Request, error: FhirProblem) -> Response:
        return outcome([(error.code, str(error), error.expression)], error.status)

    @app.exception_handler(LoginRequired)
    async def _login(_: Request, __: LoginRequired) -> Response:
        response = outcome([("login", "authentication required", None)], 401)
        response.headers["www-authenticate"] = "Bearer"
        return response

    @app.exception_handler(SecondFactorRequired)
    async def _mfa(_: Request, __: SecondFactorRequired) -> Response:
        return outcome([("login", "second factor required", None)], 401)

    @app.exception_handler(RoleRequired)
    async def _role_refused(_: Request, __: RoleRequired) -> Response:
        return outcome([("forbidden", "your role does not allow this", None)], 403)

    @app.exception_handler(PermissionDenied)
    async def _denied(_: Request, error: PermissionDenied) -> Response:
        return outcome([("forbidden", str(error) or "not allowed", None)], 403)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> Response:
        return outcome([("not-found", str(error) or "not found", None)], 404)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, error: InvalidInput) -> Response:
        return outcome(_problem_issues(error.problems), 422)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, error: RequestValidationError) -> Response:
        issues: list[tuple[str, str, str | None]] = [
            ("invalid", str(e["msg"]), ".".join(str(p) for p in e.get("loc", ())))
            for e in error.errors()
        ]
        return outcome(issues, 422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> Response:
        code = {404: "not-found", 405: "not-supported", 403: "forbidden"}.get(
            error.status_code, "processing"
        )
        return outcome([(code, str(error.detail), None)], error.status_code)


def create_fhir_app(parent: FastAPI) -> FastAPI:
    """The FHIR endpoint as its own application (mount at ``/fhir/R4``), sharing the parent's
    engine, settings and instrument definitions."""
    fhir = FastAPI(
        title="ketacare FHIR R4",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(fhir_csrf)],
        default_response_class=FhirJSONResponse,
    )
    for name in ("settings", "engine", "session_factory", "instruments"):
        setattr(fhir.state, name, getattr(parent.state, name))
    fhir.include_router(router)
    _install_errors(fhir)
    return fhir
