"""Pre-visit instructions and questionnaire choices for reminders (scheduling/knowledge/instructions.toml)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TREATMENTS = ("iv_ketamine", "esketamine")
KINDS = ("treatment", "therapy", "medication_visit", "other")
TOPIC_ORDER = ("fasting", "medication_holds", "escort")


class InstructionsFileError(Exception):
    pass


class Instruction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    treatment: Literal["iv_ketamine", "esketamine"]
    topic: Literal["fasting", "medication_holds", "escort"]
    text: str = Field(min_length=10, max_length=600)
    cite: str = Field(min_length=3, max_length=80)
    source: str = Field(min_length=10)
    clinic_choice: bool


class ReminderKnowledge(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    link_hours_after_visit: int = Field(ge=0, le=72)
    questionnaire: dict[str, str]
    instructions: list[Instruction]

    @model_validator(mode="after")
    def _every_kind(self) -> ReminderKnowledge:
        if set(self.questionnaire) != set(KINDS):
            raise ValueError(f"[questionnaire] needs exactly: {', '.join(KINDS)}")
        return self

    def for_treatment(self, treatment: str | None) -> list[Instruction]:
        lines = [i for i in self.instructions if i.treatment == treatment]
        return sorted(lines, key=lambda i: TOPIC_ORDER.index(i.topic))

    def questionnaire_for(self, kind: str) -> str | None:
        return self.questionnaire.get(kind) or None


def parse(label: str, text: str) -> ReminderKnowledge:
    try:
        return ReminderKnowledge.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise InstructionsFileError(f"{label}: {error}") from None


@lru_cache
def load() -> ReminderKnowledge:
    shipped = resources.files("ketacare.scheduling").joinpath("knowledge/instructions.toml")
    return parse("instructions.toml", shipped.read_text())
