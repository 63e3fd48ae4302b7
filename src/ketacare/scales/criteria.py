"""Outcome criteria per instrument (from each instrument file's ``[outcomes]`` table).

Sources: ../shared/reference/clinical.md §5a and scales_fhir.md §3. Response is a >=50% reduction
and partial response 25-49% (ICSI); remission cut-offs are per instrument. Deterioration and
relapse have no single literature definition: they are clinic settings (see ``RelapseRule``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class RemissionCutoff:
    """Remission when the total is below (``<``) or at most (``<=``) ``value``."""

    name: str  # e.g. "MADRS <=10" - several can be stored side by side
    operator: Literal["<", "<="]
    value: int

    def met(self, total: float) -> bool:
        return total < self.value if self.operator == "<" else total <= self.value


@dataclass(frozen=True)
class OutcomeCriteria:
    response_reduction_pct: float = 50.0
    partial_response_min_pct: float = 25.0
    remission: tuple[RemissionCutoff, ...] = field(default_factory=tuple)
    higher_is_worse: bool = True


@dataclass(frozen=True)
class RelapseRule:
    """Clinic setting: relapse after response/remission = ``consecutive`` scores at or above
    ``threshold`` (e.g. SUSTAIN-1 used MADRS >=22 on 2 consecutive assessments)."""

    threshold: int
    consecutive: int = 2


@dataclass(frozen=True)
class DeteriorationRule:
    """Clinic setting: deterioration = total rises by at least ``min_increase_pct`` over baseline."""

    min_increase_pct: float = 25.0
