"""De-identification in the manner of HIPAA Safe Harbor: pure functions, no I/O.

Each patient gets a random pseudonym and a random date offset for this export only; neither is
derived from the record (not the UUID, not the MRN) and neither is written anywhere.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

MAX_SHIFT_DAYS = 180
AGE_CAP = 89  # Safe Harbor: ages over 89 are aggregated into one category


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_label(age: int, deidentified: bool) -> str:
    return f"{AGE_CAP + 1}+" if deidentified and age > AGE_CAP else str(age)


@dataclass
class Pseudonymiser:
    """Per-export pseudonyms and date offsets; ``seed`` only for reproducible tests."""

    deidentified: bool
    seed: int | None = None
    _rng: random.Random = field(init=False)
    _ids: dict[uuid.UUID, str] = field(default_factory=dict, init=False)
    _offsets: dict[uuid.UUID, timedelta] = field(default_factory=dict, init=False)
    _taken: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self._rng = (
            random.Random(self.seed)  # noqa: S311  (reproducible tests only)
            if self.seed is not None
            else secrets.SystemRandom()
        )

    def add(self, patient_id: uuid.UUID) -> str:
        """Register a patient (called once each, from the patients form) and return its id."""
        if not self.deidentified:
            self._ids[patient_id] = str(patient_id)
            return self._ids[patient_id]
        pseudonym = f"R{self._rng.getrandbits(40):010x}"
        while pseudonym in self._taken:
            pseudonym = f"R{self._rng.getrandbits(40):010x}"
        self._taken.add(pseudonym)
        days = self._rng.randint(1, MAX_SHIFT_DAYS) * self._rng.choice((-1, 1))
        self._ids[patient_id] = pseudonym
        self._offsets[patient_id] = timedelta(days=days)
        return pseudonym

    def record_id(self, patient_id: uuid.UUID) -> str | None:
        """The exported id, or None for a patient not exported (voided, another clinic)."""
        return self._ids.get(patient_id)

    def day(self, patient_id: uuid.UUID, value: date | None) -> date | None:
        """A date of this patient as exported: shifted by the patient's offset when de-identified."""
        if value is None or not self.deidentified:
            return value
        return value + self._offsets[patient_id]

    def __len__(self) -> int:
        return len(self._ids)
