"""Appointments for a synthetic clinic, booked without double bookings.

The planned sessions of unfinished courses (from ``as_of`` up to ``book_weeks_ahead``) get a
treatment appointment on their planned day in the first chair free at a slot, and some patients get
a medication-management visit with the physician in the consulting room. The app's conflict rules
(``scheduling.rules``: the same chair or room, the same clinician, the same patient at an
overlapping time) are checked against everything booked so far, including the clinic's existing
appointments, so no booking the desk could not make is stored. A session with no free chair stays
unbooked. Reminder e-mails are not planned (the addresses are synthetic).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from ketacare.scheduling import calendar_settings
from ketacare.scheduling.rules import overlaps
from ketacare.synth.rows import Context, Row, Rows, at, record

Span = tuple[datetime, datetime]


class Booker:
    """What is booked so far, by chair or room, clinician and patient, per day."""

    def __init__(self, ctx: Context, existing: list[Row] | None = None) -> None:
        self.ctx = ctx
        minutes = calendar_settings.load().default_duration_min
        self.treatment = timedelta(minutes=minutes["treatment"])
        self.visit = timedelta(minutes=minutes["medication_visit"])
        self.taken: dict[tuple[str, uuid.UUID, date], list[Span]] = defaultdict(list)
        self.unbooked = 0
        for row in existing or []:
            self._take(row)

    def _keys(self, row: Row) -> list[tuple[str, uuid.UUID, date]]:
        day = row["starts_at"].date()
        found = [("patient", row["patient_id"], day)]
        if row.get("resource_id"):
            found.append(("resource", row["resource_id"], day))
        if row.get("clinician_id"):
            found.append(("clinician", row["clinician_id"], day))
        return found

    def _take(self, row: Row) -> None:
        # An appointment may run past midnight only in theory: index both days it touches.
        for key in self._keys(row):
            self.taken[key].append((row["starts_at"], row["ends_at"]))
            if row["ends_at"].date() != key[2]:
                self.taken[(key[0], key[1], row["ends_at"].date())].append(
                    (row["starts_at"], row["ends_at"])
                )

    def free(self, row: Row) -> bool:
        return not any(
            overlaps(row["starts_at"], row["ends_at"], start, end)
            for key in self._keys(row)
            for start, end in self.taken[key]
        )

    def _book(self, rows: Rows, candidates: list[Row]) -> Row | None:
        for candidate in candidates:
            if self.free(candidate):
                self._take(candidate)
                return rows.add("appointments", **candidate)
        return None

    def _row(
        self, rng: random.Random, patient_id: uuid.UUID, kind: str, starts: datetime, **more: object
    ) -> Row:
        ctx = self.ctx
        length = self.treatment if kind == "treatment" else self.visit
        made = at(ctx.parameters.period.as_of, 17)
        return {
            **record(ctx, rng, ctx.staff.desk, made),
            "patient_id": patient_id,
            "kind": kind,
            "starts_at": starts,
            "ends_at": starts + length,
            "resource_id": None,
            "clinician_id": None,
            "course_session_id": None,
            "therapy_type": None,
            "desk_note": None,
            "status": "booked",
            "status_changed_by": None,
            "status_changed_at": None,
            "cancelled_at": None,
            "cancel_reason": None,
            **more,
        }

    def course(self, rng: random.Random, rows: Rows, sessions: list[Row]) -> None:
        """Book each planned session from as_of on, within the booking horizon."""
        ctx = self.ctx
        assert ctx.places is not None
        p = ctx.parameters
        horizon = p.period.as_of + timedelta(weeks=p.calendar.book_weeks_ahead)
        for session in sessions:
            day = session["planned_on"]
            if session["status"] != "planned" or not p.period.as_of < day <= horizon:
                continue
            # One id per session whether or not a chair is free, so the draws stay aligned.
            template = self._row(rng, session["patient_id"], "treatment", at(day, 0),
                                 course_session_id=session["id"])  # fmt: skip
            candidates = [
                template | {"starts_at": at(day, hour), "ends_at": at(day, hour) + self.treatment,
                            "resource_id": chair}
                for hour in p.calendar.slot_hours_utc
                for chair in ctx.places.chairs
            ]  # fmt: skip
            if self._book(rows, candidates) is None:
                self.unbooked += 1

    def visit_after(self, rng: random.Random, rows: Rows, patient_id: uuid.UUID) -> Row | None:
        """A medication visit with the physician in the consulting room, in the 2 weeks after
        as_of, at the first free time."""
        ctx = self.ctx
        assert ctx.places is not None
        first = ctx.parameters.period.as_of + timedelta(days=rng.randint(1, 7))
        template = self._row(rng, patient_id, "medication_visit", at(first, 0),
                             resource_id=ctx.places.room, clinician_id=ctx.staff.physician)  # fmt: skip
        candidates = [
            template | {"starts_at": at(day, hour), "ends_at": at(day, hour) + self.visit}
            for day in (first + timedelta(days=n) for n in range(7))
            for hour in ctx.parameters.calendar.medication_visit_hours_utc
        ]
        found = self._book(rows, candidates)
        if found is None:
            self.unbooked += 1
        return found
