"""The shipped protocol library and the one parser every protocol text goes through."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from pydantic import ValidationError

from ketacare.kit.errors import FieldProblem, InvalidInput
from ketacare.protocols.schema import Protocol

_UNION_TAGS = ("mg_per_kg", "fixed_mg")  # pydantic puts the union's tag into error locations


def parse_protocol(text: str) -> Protocol:
    """A protocol from TOML text, or InvalidInput naming each bad field and why."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput.one("text", f"is not valid TOML: {error}") from None
    try:
        return Protocol.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if p not in _UNION_TAGS)
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(FieldProblem(where or "text", message))
        raise InvalidInput(problems) from None


@lru_cache
def shipped() -> dict[str, tuple[str, Protocol]]:
    """Shipped protocols by key (file stem): their TOML text and the parsed protocol."""
    folder = resources.files("ketacare.protocols").joinpath("library")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text()
            found[entry.name.removesuffix(".toml")] = (text, parse_protocol(text))
    return found
