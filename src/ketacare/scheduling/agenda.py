"""Reading the calendar: appointments with their labels, the day grid and the week table.

Each read of appointments is audited (they name patients), in the request's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ketacare.accounts import service as accounts_service
from ketacare.audit import service as audit
from ketacare.config import Settings
from ketacare.kit.actor import Actor
from ketacare.kit.errors import NotFound
from ketacare.patients import service as patients_service
from ketacare.scheduling import calendar_settings, reminders, rules
from ketacare.scheduling.models import Appointment
from ketacare.scheduling.repository import ScheduleRepository


@dataclass(frozen=True)
class Entry:
    appointment: Appointment
    patient_name: str
    resource_name: str
    clinician_name: str
    course_id: uuid.UUID | None
    reminders: str
    starts: datetime  # clinic-local
    ends: datetime

    @property
    def span(self) -> str:
        return f"{self.starts:%H:%M}\u2013{self.ends:%H:%M}"

    @property
    def kind_label(self) -> str:
        a = self.appointment
        label = a.kind.replace("_", " ")
        return f"{label} ({a.therapy_type})" if a.therapy_type else label


def labelled(
    session: Session, actor: Actor, settings: Settings, rows: list[Appointment]
) -> list[Entry]:
    repo = ScheduleRepository(session, actor)
    places = {r.id: r.name for r in repo.resources(include_retired=True)}
    people = {r.clinician_id for r in rows if r.clinician_id}
    staff = accounts_service.names_of(session, actor, people)
    patients = patients_service.names_of(session, actor, {r.patient_id for r in rows})
    session_ids = {r.course_session_id for r in rows if r.course_session_id}
    course_of = repo.course_ids_of_sessions(session_ids)
    summaries = reminders.summary(session, actor, [r.id for r in rows])
    zone = settings.zone
    return [
        Entry(
            row,
            patients.get(row.patient_id, "(patient)"),
            places.get(row.resource_id, "") if row.resource_id else "",
            staff.get(row.clinician_id, "") if row.clinician_id else "",
            course_of.get(row.course_session_id) if row.course_session_id else None,
            summaries.get(row.id, ""),
            rules.to_local(row.starts_at, zone),
            rules.to_local(row.ends_at, zone),
        )
        for row in rows
    ]


def between(
    session: Session,
    actor: Actor,
    settings: Settings,
    start: datetime,
    end: datetime,
    include_cancelled: bool = True,
) -> list[Entry]:
    rows = ScheduleRepository(session, actor).between(start, end, include_cancelled)
    details = {"from": start.isoformat(), "to": end.isoformat(), "results": len(rows)}
    audit.record(session, actor, "appointment.list", "appointment", details=details)
    return labelled(session, actor, settings, rows)


def one(session: Session, actor: Actor, settings: Settings, appointment_id: uuid.UUID) -> Entry:
    row = ScheduleRepository(session, actor).appointment(appointment_id)
    if row is None:
        raise NotFound("no such appointment")
    audit.record(
        session, actor, "appointment.view", "appointment", row.id, patient_id=row.patient_id
    )
    return labelled(session, actor, settings, [row])[0]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # chair, room, or the clinician's role


def columns(session: Session, actor: Actor, entries: list[Entry]) -> list[Column]:
    """Active chairs, rooms and clinicians, plus any retired one that still has a booking shown."""
    repo = ScheduleRepository(session, actor)
    shown_places = {e.appointment.resource_id for e in entries}
    shown_people = {e.appointment.clinician_id for e in entries}
    result = [
        Column(f"r:{r.id}", r.name, r.kind)
        for r in repo.resources(include_retired=True)
        if r.retired_at is None or r.id in shown_places
    ]
    result += [Column(f"c:{u.id}", u.full_name, u.role) for u in repo.clinicians()]
    known = {c.key for c in result}
    result += [
        Column(f"c:{e.appointment.clinician_id}", e.clinician_name or "(former staff)", "former")
        for e in entries
        if e.appointment.clinician_id in shown_people
        and f"c:{e.appointment.clinician_id}" not in known
    ]
    unique: dict[str, Column] = {c.key: c for c in result}
    return list(unique.values())


def keys_of(entry: Entry) -> list[str]:
    a = entry.appointment
    keys = [f"r:{a.resource_id}"] if a.resource_id else []
    return keys + ([f"c:{a.clinician_id}"] if a.clinician_id else [])


@dataclass(frozen=True)
class DayView:
    day: date
    columns: list[Column]
    grid: rules.DayGrid
    entries: dict[uuid.UUID, Entry]
    active: list[Entry]
    cancelled: list[Entry]


def day_view(session: Session, actor: Actor, settings: Settings, day: date) -> DayView:
    calendar = calendar_settings.load()
    start, end = rules.day_bounds(day, settings.zone)
    entries = between(session, actor, settings, start, end)
    active = [e for e in entries if e.appointment.status != "cancelled"]
    cols = columns(session, actor, active)
    items = [
        rules.GridItem(key, e.starts, e.ends, e.appointment.id)
        for e in active
        for key in keys_of(e)
    ]
    grid = rules.lay_out_day(
        day, [c.key for c in cols], items, calendar.opens, calendar.closes, calendar.step_min
    )
    return DayView(
        day,
        cols,
        grid,
        {e.appointment.id: e for e in entries},
        active,
        [e for e in entries if e.appointment.status == "cancelled"],
    )


@dataclass(frozen=True)
class WeekView:
    start: date
    days: list[date]
    columns: list[Column]
    cells: dict[tuple[str, date], list[Entry]]
    count: int


def week_view(session: Session, actor: Actor, settings: Settings, start: date) -> WeekView:
    days = rules.week_days(start)
    first, _ = rules.day_bounds(days[0], settings.zone)
    _, last = rules.day_bounds(days[-1], settings.zone)
    active = between(session, actor, settings, first, last, include_cancelled=False)
    cells: dict[tuple[str, date], list[Entry]] = {}
    for entry in active:
        for key in keys_of(entry):
            cells.setdefault((key, entry.starts.date()), []).append(entry)
    return WeekView(start, days, columns(session, actor, active), cells, len(active))
