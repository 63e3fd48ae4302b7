"""Reading HTML forms in sync routes: an async dependency parses, the route stays sync."""

from __future__ import annotations

from typing import Annotated

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


def filled(form: dict[str, str]) -> dict[str, str]:
    """Blank inputs mean "not given", which is what the schemas' optional fields expect."""
    return {key: value for key, value in form.items() if value != ""}
