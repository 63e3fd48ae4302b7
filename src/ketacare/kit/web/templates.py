"""Jinja2 rendering: one environment over every domain's ``templates/`` folder, autoescaped."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from ketacare.kit.web.csrf import csrf_token

TEMPLATE_PACKAGES = (
    "ketacare.kit.web",
    "ketacare.accounts",
    "ketacare.audit",
    "ketacare.patients",
    "ketacare.scales",
    "ketacare.eligibility",
    "ketacare.consent",
    "ketacare.worklist",
    "ketacare.protocols",
    "ketacare.treatment",
    "ketacare.medications",
    "ketacare.therapy",
    "ketacare.scheduling",
    "ketacare.messaging",
    "ketacare.timeline",
    "ketacare.outcomes",
    "ketacare.reports",
)


def _loader() -> ChoiceLoader:
    folders = [
        Path(str(resources.files(package).joinpath("templates"))) for package in TEMPLATE_PACKAGES
    ]
    return ChoiceLoader([FileSystemLoader(folder) for folder in folders])


def _environment() -> Environment:
    environment = Environment(loader=_loader(), autoescape=select_autoescape(default=True))
    environment.filters["when"] = lambda value: (
        value.strftime("%Y-%m-%d %H:%M UTC") if value else ""
    )
    environment.filters["day"] = lambda value: value.isoformat() if value else ""
    environment.filters["zip_pairs"] = lambda values: [(v, v.capitalize()) for v in values]
    return environment


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    base = {"csrf_token": csrf_token(request), "user": getattr(request.state, "user", None)}
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )
