"""The calendar's clinic choices (durations, grid hours, step) from knowledge/calendar.toml."""

from __future__ import annotations

import tomllib
from datetime import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ketacare.scheduling.models import APPOINTMENT_KINDS

MIN_DURATION_MIN = 5


class CalendarSettingsError(Exception):
    pass


class CalendarSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step_min: int = Field(ge=5, le=60)
    opens: time
    closes: time
    max_duration_min: int = Field(ge=30, le=24 * 60)
    default_duration_min: dict[str, int]

    @model_validator(mode="after")
    def _consistent(self) -> CalendarSettings:
        if 60 % self.step_min:
            raise ValueError("step_min must divide an hour (5, 10, 15, 20, 30 or 60)")
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        for moment in (self.opens, self.closes):
            if moment.minute % self.step_min or moment.second:
                raise ValueError("opens and closes must fall on the step")
        missing = set(APPOINTMENT_KINDS) - set(self.default_duration_min)
        unknown = set(self.default_duration_min) - set(APPOINTMENT_KINDS)
        if missing or unknown:
            raise ValueError(
                f"default_duration_min needs exactly {', '.join(APPOINTMENT_KINDS)}"
                f" (missing {sorted(missing)}, unknown {sorted(unknown)})"
            )
        for kind, minutes in self.default_duration_min.items():
            if not MIN_DURATION_MIN <= minutes <= self.max_duration_min:
                raise ValueError(
                    f"default_duration_min.{kind} must be between {MIN_DURATION_MIN}"
                    f" and {self.max_duration_min}"
                )
        return self


def parse(label: str, text: str) -> CalendarSettings:
    try:
        return CalendarSettings.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise CalendarSettingsError(f"{label}: {error}") from None


@lru_cache
def load(path: Path | None = None) -> CalendarSettings:
    """The shipped file, or a clinic's own file of the same shape."""
    if path is not None:
        return parse(str(path), path.read_text())
    shipped = resources.files("ketacare.scheduling").joinpath("knowledge/calendar.toml")
    return parse("calendar.toml", shipped.read_text())
