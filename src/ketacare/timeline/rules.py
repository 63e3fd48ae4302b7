"""Pure timeline rules: what an entry is, which ones a filter keeps, and how they group by day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Kind = Literal["score", "treatment", "medication", "therapy", "alert", "note"]
KINDS: tuple[Kind, ...] = ("score", "treatment", "medication", "therapy", "alert", "note")
KIND_LABELS: dict[Kind, str] = {
    "score": "Scores",
    "treatment": "Treatment sessions",
    "medication": "Medication changes",
    "therapy": "Therapy",
    "alert": "Safety alerts",
    "note": "Notes and decisions",
}


@dataclass(frozen=True)
class Entry:
    at: datetime  # UTC
    kind: Kind
    title: str
    detail: str = ""
    href: str | None = None
    flag: bool = False  # wants attention: an alert raised, an adverse event, a dose change


@dataclass(frozen=True)
class Filter:
    kinds: frozenset[Kind] = frozenset(KINDS)
    start: date | None = None  # inclusive, by the entry's UTC day
    end: date | None = None  # inclusive

    def keeps(self, entry: Entry) -> bool:
        day = entry.at.date()
        return (
            entry.kind in self.kinds
            and (self.start is None or day >= self.start)
            and (self.end is None or day <= self.end)
        )


def select(entries: Iterable[Entry], chosen: Filter) -> list[Entry]:
    """The kept entries, newest first; entries at the same moment keep a stable kind order."""
    kept = [e for e in entries if chosen.keeps(e)]
    return sorted(kept, key=lambda e: (-e.at.timestamp(), KINDS.index(e.kind), e.title))


def by_day(entries: list[Entry]) -> list[tuple[date, list[Entry]]]:
    """Consecutive entries of one day together, in the order given."""
    days: list[tuple[date, list[Entry]]] = []
    for entry in entries:
        day = entry.at.date()
        if days and days[-1][0] == day:
            days[-1][1].append(entry)
        else:
            days.append((day, [entry]))
    return days


def window(entries: list[Entry], chosen: Filter) -> tuple[datetime, datetime] | None:
    """The span the chart shows, shared by the score trajectory and the event strip below it:
    the filter's dates where given, else the kept entries' span, at least two weeks wide."""
    if not entries and (chosen.start is None or chosen.end is None):
        return None
    times = [e.at for e in entries]
    zone = (times or [datetime.now().astimezone()])[0].tzinfo
    low = datetime.combine(chosen.start, datetime.min.time(), zone) if chosen.start else min(times)
    high = datetime.combine(chosen.end, datetime.max.time(), zone) if chosen.end else max(times)
    if high - low < timedelta(days=14):
        middle = low + (high - low) / 2
        low, high = middle - timedelta(days=7), middle + timedelta(days=7)
    return low, high
