"""Reading HTML forms in sync routes: an async dependency parses, the route stays sync."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ketacare.kit.web.csrf import FORM_FIELD


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {
        key: value.strip()
        for key, value in form.multi_items()
        if isinstance(value, str) and key != FORM_FIELD
    }


FormData = Annotated[dict[str, str], Depends(read_form)]


async def read_json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


JsonBody = Annotated[Any, Depends(read_json)]


def safe_path(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def filled(form: dict[str, str]) -> dict[str, str]:
    """Blank inputs mean "not given", which is what the schemas' optional fields expect."""
    return {key: value for key, value in form.items() if value != ""}
