"""The pure calendar rules: overlaps, conflicts, clinic time across DST changes, grids."""

# ruff: noqa: RUF001  (the calendar writes time ranges with an en dash)
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.scheduling import calendar_settings, rules

BERLIN = ZoneInfo("Europe/Berlin")
BASE = datetime(2027, 1, 4, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=24 * 60)
lengths = st.integers(min_value=1, max_value=8 * 60)


def at(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


class TestOverlaps:
    @given(minutes, lengths, minutes, lengths)
    def test_is_symmetric(self, a: int, la: int, b: int, lb: int) -> None:
        assert rules.overlaps(at(a), at(a + la), at(b), at(b + lb)) == rules.overlaps(
            at(b), at(b + lb), at(a), at(a + la)
        )

    @given(minutes, lengths, lengths)
    def test_adjacent_intervals_do_not_overlap(self, a: int, la: int, lb: int) -> None:
        assert not rules.overlaps(at(a), at(a + la), at(a + la), at(a + la + lb))

    @given(minutes, lengths)
    def test_an_interval_overlaps_itself(self, a: int, la: int) -> None:
        assert rules.overlaps(at(a), at(a + la), at(a), at(a + la))

    @given(minutes, lengths, minutes, lengths)
    def test_matches_a_minute_by_minute_check(self, a: int, la: int, b: int, lb: int) -> None:
        shared = set(range(a, a + la)) & set(range(b, b + lb))
        assert rules.overlaps(at(a), at(a + la), at(b), at(b + lb)) == bool(shared)


PATIENT, OTHER = uuid.uuid4(), uuid.uuid4()
CHAIR, ROOM = uuid.uuid4(), uuid.uuid4()
NURSE = uuid.uuid4()


def booked(start: int, end: int, **changes: object) -> rules.Booked:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "patient_id": OTHER,
        "patient_label": "Other, Olga",
        "kind": "treatment",
        "starts_at": at(start),
        "ends_at": at(end),
        "resource_id": CHAIR,
        "resource_label": "Chair 2",
        "clinician_id": NURSE,
        "clinician_label": "Noah Nurse",
    }
    values.update(changes)
    return rules.Booked(**values)  # type: ignore[arg-type]


class TestConflicts:
    def test_each_shared_resource_is_explained_in_clinic_time(self) -> None:
        existing = booked(9 * 60, 11 * 60)  # 09:00-11:00 UTC = 10:00-12:00 in Berlin (winter)
        proposal = rules.Proposed(PATIENT, at(10 * 60), at(12 * 60), CHAIR, NURSE)
        found = rules.conflicts(proposal, [existing], BERLIN)
        assert [(c.kind, c.field) for c in found] == [
            ("resource", "resource_id"),
            ("clinician", "clinician_id"),
        ]
        assert found[0].message == "Chair 2 is booked 10:00–12:00 for another patient (Other, Olga)"
        assert found[1].message.startswith("Noah Nurse is booked 10:00–12:00 (treatment)")
        assert all(c.appointment_id == existing.id for c in found)

    def test_the_same_patient_cannot_be_in_two_places(self) -> None:
        existing = booked(
            9 * 60,
            10 * 60,
            patient_id=PATIENT,
            resource_id=ROOM,
            kind="therapy",
            resource_label="Room A",
            clinician_id=None,
            clinician_label="",
        )
        proposal = rules.Proposed(PATIENT, at(9 * 60 + 30), at(11 * 60), CHAIR, None)
        found = rules.conflicts(proposal, [existing], BERLIN)
        assert [c.kind for c in found] == ["patient"]
        assert found[0].message == "the patient already has a therapy booked 10:00–11:00 (Room A)"

    def test_adjacent_and_unrelated_bookings_are_fine(self) -> None:
        existing = [
            booked(8 * 60, 9 * 60),  # ends as the proposal starts
            booked(11 * 60, 12 * 60),  # starts as it ends
            booked(9 * 60, 11 * 60, resource_id=ROOM, clinician_id=None),  # other place
        ]
        proposal = rules.Proposed(PATIENT, at(9 * 60), at(11 * 60), CHAIR, NURSE)
        assert rules.conflicts(proposal, existing, BERLIN) == []

    @given(minutes, lengths, minutes, lengths)
    def test_a_conflict_exactly_when_the_times_overlap(
        self, a: int, la: int, b: int, lb: int
    ) -> None:
        proposal = rules.Proposed(PATIENT, at(a), at(a + la), CHAIR, None)
        found = rules.conflicts(proposal, [booked(b, b + lb, clinician_id=None)], BERLIN)
        assert bool(found) == rules.overlaps(at(a), at(a + la), at(b), at(b + lb))


class TestClinicTime:
    def test_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer(self) -> None:
        assert rules.to_utc(date(2027, 3, 26), time(9), BERLIN) == datetime(
            2027, 3, 26, 8, tzinfo=UTC
        )
        assert rules.to_utc(date(2027, 3, 29), time(9), BERLIN) == datetime(
            2027, 3, 29, 7, tzinfo=UTC
        )

    def test_a_time_skipped_by_the_clocks_does_not_exist(self) -> None:
        with pytest.raises(rules.NonexistentLocalTime, match="02:30 does not exist on 2027-03-28"):
            rules.to_utc(date(2027, 3, 28), time(2, 30), BERLIN)

    def test_a_repeated_time_means_its_first_occurrence(self) -> None:
        first = rules.to_utc(date(2027, 10, 31), time(2, 30), BERLIN)
        assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still summer time, UTC+2

    def test_days_are_23_and_25_hours_long_at_the_changes(self) -> None:
        start, end = rules.day_bounds(date(2027, 3, 28), BERLIN)
        assert end - start == timedelta(hours=23)
        start, end = rules.day_bounds(date(2027, 10, 31), BERLIN)
        assert end - start == timedelta(hours=25)

    @given(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
        st.times(),
        st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
    )
    def test_local_times_round_trip(self, day: date, moment: time, zone_name: str) -> None:
        zone = ZoneInfo(zone_name)
        try:
            instant = rules.to_utc(day, moment, zone)
        except rules.NonexistentLocalTime:
            return
        local = rules.to_local(instant, zone)
        assert (local.date(), local.time()) == (day, moment.replace(tzinfo=None, fold=0))

    def test_naive_api_times_are_clinic_time_aware_ones_are_kept(self) -> None:
        naive = datetime(2027, 7, 1, 9)
        assert rules.naive_to_utc(naive, BERLIN) == datetime(2027, 7, 1, 7, tzinfo=UTC)
        aware = datetime(2027, 7, 1, 9, tzinfo=UTC)
        assert rules.naive_to_utc(aware, BERLIN) == aware


def local(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=BERLIN)


class TestDayGrid:
    def test_an_item_starts_in_its_row_and_spans_to_its_end(self) -> None:
        ref = uuid.uuid4()
        item = rules.GridItem("a", local(9), local(10, 30), ref)
        grid = rules.lay_out_day(date(2027, 1, 4), ["a", "b"], [item], time(8), time(12), 15)
        assert len(grid.rows) == 16 and grid.rows[4] == time(9)
        cell = grid.cells[4][0]
        assert (cell.kind, cell.rowspan, [i.ref for i in cell.items]) == ("start", 6, [ref])
        assert [grid.cells[r][0].kind for r in range(5, 10)] == ["covered"] * 5
        assert grid.cells[10][0].kind == "empty" and grid.cells[4][1].kind == "empty"

    def test_off_step_times_cover_every_row_they_touch(self) -> None:
        item = rules.GridItem("a", local(9, 10), local(9, 20), uuid.uuid4())
        grid = rules.lay_out_day(date(2027, 1, 4), ["a"], [item], time(9), time(10), 15)
        assert grid.cells[0][0].rowspan == 2

    def test_overlapping_items_in_one_column_share_a_cell(self) -> None:
        first = rules.GridItem("a", local(9), local(10), uuid.uuid4())
        second = rules.GridItem("a", local(9, 30), local(11), uuid.uuid4())
        grid = rules.lay_out_day(date(2027, 1, 4), ["a"], [second, first], time(9), time(12), 30)
        cell = grid.cells[0][0]
        assert [i.ref for i in cell.items] == [first.ref, second.ref] and cell.rowspan == 4

    def test_items_outside_opening_hours_are_listed_apart_and_clipped(self) -> None:
        early = rules.GridItem("a", local(6), local(6, 30), uuid.uuid4())
        late_start = rules.GridItem("a", local(18, 30), local(20), uuid.uuid4())
        grid = rules.lay_out_day(
            date(2027, 1, 4), ["a"], [early, late_start], time(7), time(19), 15
        )
        assert grid.outside == [early]
        assert grid.cells[46][0].rowspan == 2  # 18:30 to the 19:00 close

    @given(
        st.lists(
            st.tuples(st.integers(0, 47), st.integers(1, 12), st.sampled_from(["a", "b", "c"])),
            max_size=12,
        )
    )
    def test_every_row_of_every_column_is_accounted_for_once(
        self, specs: list[tuple[int, int, str]]
    ) -> None:
        items = [
            rules.GridItem(
                col,
                local(7) + timedelta(minutes=15 * s),
                local(7) + timedelta(minutes=15 * (s + n)),
                uuid.uuid4(),
            )
            for s, n, col in specs
        ]
        grid = rules.lay_out_day(date(2027, 1, 4), ["a", "b", "c"], items, time(7), time(19), 15)
        placed = [i.ref for row in grid.cells for c in row for i in c.items] + [
            i.ref for i in grid.outside
        ]
        assert sorted(map(str, placed)) == sorted(str(i.ref) for i in items)
        for column in range(3):
            covered = 0
            for row in range(len(grid.rows)):
                cell = grid.cells[row][column]
                if cell.kind == "start":
                    assert covered == 0
                    covered = cell.rowspan - 1
                elif cell.kind == "covered":
                    assert covered > 0
                    covered -= 1
                else:
                    assert covered == 0
            assert covered == 0


class TestWeeks:
    def test_monday_and_seven_days(self) -> None:
        assert rules.monday_of(date(2027, 3, 28)) == date(2027, 3, 22)
        assert rules.week_days(date(2027, 3, 22))[-1] == date(2027, 3, 28)


class TestCalendarFile:
    def test_the_shipped_file_has_a_duration_for_every_kind(self) -> None:
        shipped = calendar_settings.load()
        assert shipped.default_duration_min == {
            "treatment": 120,
            "therapy": 50,
            "medication_visit": 30,
            "other": 30,
        }
        assert (shipped.opens, shipped.closes, shipped.step_min) == (time(7), time(19), 15)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ("step_min = 7", "step_min must divide an hour"),
            ('closes = "06:00"', "closes must be after opens"),
            ("max_duration_min = 60", "default_duration_min.treatment must be between 5 and 60"),
        ],
    )
    def test_a_broken_file_names_the_problem(self, change: str, message: str) -> None:
        key = change.split(" ")[0]
        text = (
            calendar_settings.resources.files("ketacare.scheduling")
            .joinpath("knowledge/calendar.toml")
            .read_text()
        )
        lines = [change if line.startswith(f"{key} ") else line for line in text.splitlines()]
        with pytest.raises(calendar_settings.CalendarSettingsError, match=message):
            calendar_settings.parse("clinic.toml", "\n".join(lines))
