"""Domain errors that services raise and the web layer turns into 403/404/409/422 answers."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


class DomainError(Exception):
    """Base class: a request that cannot be carried out as asked."""


class NotFound(DomainError):
    """Missing, or in another clinic: the answer is the same so nothing leaks."""


class PermissionDenied(DomainError):
    pass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    allowed: dict[str, Any] = dataclass_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.allowed:
            body["allowed"] = self.allowed
        return body


class InvalidInput(DomainError):
    """One or more fields are wrong; nothing has been stored."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, field_name: str, message: str, **allowed: Any) -> InvalidInput:
        return cls([FieldProblem(field_name, message, allowed)])

    def by_field(self) -> dict[str, str]:
        return {problem.field: problem.message for problem in self.problems}
