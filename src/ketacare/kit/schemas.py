"""The schema base classes and the one translation from Pydantic errors to field problems."""

from __future__ import annotations

from typing import Any, TypeVar

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ConfigDict, ValidationError

from ketacare.kit.errors import FieldProblem, InvalidInput

InputSchemaT = TypeVar("InputSchemaT", bound=BaseModel)


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _allowed(model: type[BaseModel], name: str) -> dict[str, Any]:
    info = model.model_fields.get(name)
    if info is None:
        return {}
    allowed: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, Ge | Gt):
            allowed["min"] = item.ge if isinstance(item, Ge) else item.gt
        elif isinstance(item, Le | Lt):
            allowed["max"] = item.le if isinstance(item, Le) else item.lt
        elif isinstance(item, MinLen):
            allowed["min_length"] = item.min_length
        elif isinstance(item, MaxLen):
            allowed["max_length"] = item.max_length
    return allowed


def _message(error: Any, allowed: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this form"
    if "min" in allowed and "max" in allowed and kind.startswith(("greater", "less")):
        return f"must be between {allowed['min']:g} and {allowed['max']:g}"
    text = str(error["msg"]).removeprefix("Value error, ")
    return text[0].lower() + text[1:] if text else "is not valid"


def problems_from(error: ValidationError, model: type[BaseModel]) -> InvalidInput:
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        allowed = _allowed(model, str(item["loc"][0])) if item["loc"] else {}
        problems.append(FieldProblem(name, _message(item, allowed), allowed))
    return InvalidInput(problems)


def parse(model: type[InputSchemaT], data: Any) -> InputSchemaT:
    """Validate input or raise InvalidInput naming each field and what it allows."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise problems_from(error, model) from None
