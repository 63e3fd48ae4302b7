"""One place that turns errors into answers: JSON under /api, pages elsewhere; nothing leaks."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from ketacare.accounts.deps import LoginRequired, RoleRequired, SecondFactorRequired
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from ketacare.kit.web.middleware import security_headers
from ketacare.kit.web.templates import render

logger = logging.getLogger("ketacare")

_TITLES = {
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    422: "Please check the form",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/fhir/"))


def error_response(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    context = {"status": status, "title": _TITLES.get(status, "Error"), "message": message}
    return render(request, "errors/error.html", context, status_code=status)


def problems_response(problems: list[FieldProblem]) -> JSONResponse:
    return JSONResponse({"detail": [problem.as_dict() for problem in problems]}, status_code=422)


def _validation_problems(error: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for item in error.errors():
        location = [
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")
        ]
        context: dict[str, Any] = item.get("ctx") or {}
        allowed = {
            key: context[key]
            for key in ("ge", "le", "gt", "lt", "min_length", "max_length", "pattern", "expected")
            if key in context
        }
        problems.append(
            FieldProblem(
                ".".join(location) or "body",
                str(item["msg"]),
                {k: str(v) for k, v in allowed.items()},
            )
        )
    return problems


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "authentication required"},
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(SecondFactorRequired)
    async def _second_factor(request: Request, error: SecondFactorRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "second factor required"}, status_code=401)
        return RedirectResponse(
            "/login/mfa" if error.step == "mfa" else "/account/mfa", status_code=303
        )

    @app.exception_handler(RoleRequired)
    async def _role(request: Request, _: RoleRequired) -> Response:
        return error_response(request, 403, "Your role does not allow this.")

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, error: PermissionDenied) -> Response:
        return error_response(request, 403, str(error) or "Not allowed.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _: NotFound) -> Response:
        return error_response(request, 404, "There is nothing here.")

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, error: InvalidInput) -> Response:
        if _is_api(request):
            return problems_response(error.problems)
        return error_response(request, 422, str(error))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, error: RequestValidationError) -> Response:
        problems = _validation_problems(error)
        if _is_api(request):
            return problems_response(problems)
        return error_response(request, 422, "; ".join(f"{p.field}: {p.message}" for p in problems))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        message = (
            error.detail
            if error.status_code in (403, 429)
            else _TITLES.get(error.status_code, "Error")
        )
        if error.status_code == 404:
            message = "There is nothing here."
        return error_response(request, error.status_code, str(message))

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> Response:
        logger.exception(
            "unhandled error on %s %s", request.method, request.url.path, exc_info=error
        )
        response = error_response(request, 500, "The error was logged. Please try again.")
        # Starlette sends this answer from outside the middleware stack: add the headers here.
        response.headers.update(security_headers(request.app.state.settings))
        return response
