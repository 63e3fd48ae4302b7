"""Pure calendar rules: overlaps, conflicts explained, clinic-local time, day and week grids.

Times are half-open intervals ``[start, end)``: a booking ending at 10:00 and one starting at 10:00
do not conflict. Instants are timezone-aware UTC; the clinic's zone only matters for what people
type and see, and converting goes through :mod:`zoneinfo` so daylight-saving changes are exact.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

ConflictKind = Literal["resource", "clinician", "patient"]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether ``[a_start, a_end)`` and ``[b_start, b_end)`` share at least one instant."""
    return a_start < b_end and b_start < a_end


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 02:30 when clocks go forward)."""


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a clinic wall-clock time. An ambiguous time (clocks going back) means
    its first occurrence; a time that does not exist that day raises ``NonexistentLocalTime``."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{at:%H:%M} does not exist on {day:%Y-%m-%d} in {zone.key} (the clocks go forward)"
        )
    return instant


def naive_to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """An instant from the API: aware values are converted, naive ones are clinic wall-clock time."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return to_utc(value.date(), value.time(), zone)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of the clinic day's first moment and of the next day's (23-25 hours)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def clock(instant: datetime, zone: ZoneInfo) -> str:
    return f"{to_local(instant, zone):%H:%M}"


def span_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{clock(start, zone)}\u2013{clock(end, zone)}"


@dataclass(frozen=True)
class Booked:
    """An existing, not cancelled appointment with the labels a conflict message needs."""

    id: uuid.UUID
    patient_id: uuid.UUID
    patient_label: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    resource_id: uuid.UUID | None = None
    resource_label: str = ""
    clinician_id: uuid.UUID | None = None
    clinician_label: str = ""


@dataclass(frozen=True)
class Proposed:
    patient_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    resource_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    appointment_id: uuid.UUID
    message: str

    @property
    def field(self) -> str:
        return {"resource": "resource_id", "clinician": "clinician_id", "patient": "patient_id"}[
            self.kind
        ]


def _whom(proposed: Proposed, other: Booked) -> str:
    if other.patient_id == proposed.patient_id:
        return "for this patient"
    return f"for another patient ({other.patient_label})"


def conflicts(proposed: Proposed, existing: Iterable[Booked], zone: ZoneInfo) -> list[Conflict]:
    """Every way the proposal collides with an existing booking: the same chair or room, the same
    clinician, or the same patient at an overlapping time. One explanation per collision."""
    found: list[Conflict] = []
    for other in sorted(existing, key=lambda b: (b.starts_at, str(b.id))):
        if not overlaps(proposed.starts_at, proposed.ends_at, other.starts_at, other.ends_at):
            continue
        span = span_text(other.starts_at, other.ends_at, zone)
        what = other.kind.replace("_", " ")
        if proposed.resource_id is not None and proposed.resource_id == other.resource_id:
            message = f"{other.resource_label} is booked {span} {_whom(proposed, other)}"
            found.append(Conflict("resource", other.id, message))
        if proposed.clinician_id is not None and proposed.clinician_id == other.clinician_id:
            message = f"{other.clinician_label} is booked {span} ({what}) {_whom(proposed, other)}"
            found.append(Conflict("clinician", other.id, message))
        if proposed.patient_id == other.patient_id:
            where = other.resource_label or other.clinician_label
            message = f"the patient already has a {what} booked {span}" + (
                f" ({where})" if where else ""
            )
            found.append(Conflict("patient", other.id, message))
    return found


# --- Grids -----------------------------------------------------------------------------------


def time_rows(opens: time, closes: time, step_min: int) -> list[time]:
    """The row start times of a day grid: ``opens`` up to (not including) ``closes``."""
    start = opens.hour * 60 + opens.minute
    end = closes.hour * 60 + closes.minute
    return [time(minute // 60, minute % 60) for minute in range(start, end, step_min)]


@dataclass(frozen=True)
class GridItem:
    column: str
    starts: datetime  # clinic-local, aware
    ends: datetime
    ref: uuid.UUID


@dataclass
class Cell:
    kind: Literal["start", "covered", "empty"]
    items: list[GridItem] = field(default_factory=list)
    rowspan: int = 1


@dataclass
class DayGrid:
    rows: list[time]
    columns: list[str]
    cells: list[list[Cell]]  # [row][column]
    outside: list[GridItem]  # wholly before opening or after closing


def _row_index(moment: datetime, day: date, opens: time, step_min: int, rounding: str) -> int:
    midnight = datetime.combine(day, time(0), tzinfo=moment.tzinfo)
    # Wall-clock minutes since midnight (not elapsed minutes): rows are labelled by the clock.
    minutes = (moment.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds() / 60
    offset = (minutes - (opens.hour * 60 + opens.minute)) / step_min
    return math.floor(offset) if rounding == "down" else math.ceil(offset)


def lay_out_day(
    day: date,
    columns: Sequence[str],
    items: Iterable[GridItem],
    opens: time,
    closes: time,
    step_min: int,
) -> DayGrid:
    """A table of ``rows x columns``: an item starts in the row holding its start and spans the
    rows up to its end. Items that overlap in one column share the first item's cell."""
    rows = time_rows(opens, closes, step_min)
    cells = [[Cell("empty") for _ in columns] for _ in rows]
    position = {name: index for index, name in enumerate(columns)}
    outside: list[GridItem] = []
    for item in sorted(items, key=lambda i: (i.starts, str(i.ref))):
        if item.column not in position:
            continue
        first = max(_row_index(item.starts, day, opens, step_min, "down"), 0)
        last = min(_row_index(item.ends, day, opens, step_min, "up"), len(rows))
        if item.starts.date() != day:
            first = 0
        if item.ends.date() != day:
            last = len(rows)
        if last <= first:
            outside.append(item)
            continue
        column = position[item.column]
        top = first
        while top > 0 and cells[top][column].kind == "covered":
            top -= 1
        host = cells[top][column]
        if host.kind == "start" and top + host.rowspan > first:  # overlaps in this column
            host.items.append(item)
            first, last = top, max(last, top + host.rowspan)
        else:
            host = cells[first][column] = Cell("start", [item])
        # Items come in start order, so the rows below are empty or already covered by the host.
        for row in range(first + 1, last):
            cells[row][column] = Cell("covered")
        host.rowspan = last - first
    return DayGrid(rows, list(columns), cells, outside)


def week_days(start: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(7)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
